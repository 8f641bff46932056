"""Payment allocation: spec/loans.md "Payments" (system and schedule hierarchies)."""

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loans.engine.allocation import BUCKETS, SYSTEM_ORDER, allocate
from loans.engine.replay import Bill

FEB, MAR, APR = date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)


def bills():
    return [
        Bill(1, FEB, True, principal=D("100"), interest=D("10"), paid_interest=D("4")),
        Bill(2, MAR, True, principal=D("100"), interest=D("9")),
        Bill(3, APR),  # not billed yet: owes nothing
    ]


def test_system_order_fees_additional_interest_interest_principal_escrow_then_excess():
    result = allocate(
        D("300"), bills=bills(), fees=D("20"), additional_interest=D("2"), escrow=D("50")
    )
    assert result.split == {
        "fees": D("20"),
        "additional_interest": D("2"),
        "interest": D("15"),
        "principal": D("200"),
        "escrow": D("50"),
        "excess": D("13"),
    }
    assert result.installments == ((1, D("6"), D("100")), (2, D("9"), D("100")))


def test_system_hierarchy_pays_all_interest_before_any_principal():
    result = allocate(D("30"), bills=bills(), fees=D("5"))
    assert result.split["fees"] == D("5") and result.split["interest"] == D("15")
    assert result.split["principal"] == D("10")
    assert result.installments == ((1, D("6"), D("10")), (2, D("9"), D("0")))


def test_schedule_hierarchy_clears_the_oldest_installment_first():
    result = allocate(D("120"), bills=bills(), fees=D("5"), hierarchy="schedule")
    # Row 1: interest 6 + principal 100; row 2: interest 9, principal 5; fees wait.
    assert result.installments == ((1, D("6"), D("100")), (2, D("9"), D("5")))
    assert result.split["fees"] == 0 and result.bills[0].is_paid


def test_schedule_hierarchy_then_loan_level_dues_then_excess():
    result = allocate(D("250"), bills=bills(), fees=D("5"), escrow=D("10"), hierarchy="schedule")
    assert result.split["fees"] == D("5") and result.split["escrow"] == D("10")
    assert result.split["excess"] == D("250") - D("215") - D("15")


def test_a_product_order_can_put_principal_before_interest():
    order = ("principal", "interest", "fees", "additional_interest", "escrow")
    result = allocate(D("150"), bills=bills(), fees=D("5"), order=order)
    assert result.split["principal"] == D("150") and result.split["interest"] == 0


def test_the_remainder_prepays_principal_when_the_product_says_so():
    result = allocate(
        D("500"), bills=bills(), prepay_to_principal=True, principal_outstanding=D("450")
    )
    assert result.split["interest"] == D("15")
    assert result.split["principal"] == D("450")  # 200 due + 250 prepaid: all of it
    assert result.split["excess"] == D("35")


@pytest.mark.parametrize("amount", [D("0"), D("-1"), D("1.005")])
def test_non_positive_or_fractional_cent_amounts_are_refused(amount):
    with pytest.raises(ValueError):
        allocate(amount, bills=bills())


def test_a_bad_order_or_hierarchy_or_float_is_refused():
    with pytest.raises(ValueError, match="bucket order"):
        allocate(D("1"), bills=[], order=("fees", "interest"))
    with pytest.raises(ValueError, match="hierarchy"):
        allocate(D("1"), bills=[], hierarchy="fifo")
    with pytest.raises(TypeError):
        allocate(1.0, bills=[])


money = st.decimals(min_value=D("0"), max_value=D("5000"), places=2)


@settings(max_examples=300, deadline=None)
@given(
    amount=st.decimals(min_value=D("0.01"), max_value=D("20000"), places=2),
    owed=st.lists(st.tuples(money, money, money, money), max_size=5),
    fees=money,
    additional=money,
    escrow=money,
    hierarchy=st.sampled_from(["system", "schedule"]),
    order=st.permutations(SYSTEM_ORDER),
    prepay=st.booleans(),
)
def test_every_cent_lands_in_exactly_one_bucket(
    amount, owed, fees, additional, escrow, hierarchy, order, prepay
):
    before = [
        Bill(k, date(2026, k, 1), True, p, i, min(pp, p), min(pi, i))
        for k, (p, i, pp, pi) in enumerate(owed, start=1)
    ]
    outstanding = sum((b.unpaid_principal for b in before), D(0)) + D("1000")
    result = allocate(
        amount,
        bills=before,
        fees=fees,
        additional_interest=additional,
        escrow=escrow,
        hierarchy=hierarchy,
        order=order,
        prepay_to_principal=prepay,
        principal_outstanding=outstanding,
    )
    assert set(result.split) == set(BUCKETS)
    assert sum(result.split.values()) == amount
    assert all(v >= 0 for v in result.split.values())
    on_bills = sum((i + p for _, i, p in result.installments), D(0))
    assert on_bills == result.split["interest"] + result.split["principal"] - max(
        D(0), result.split["principal"] - sum((b.unpaid_principal for b in before), D(0))
    )
    assert result.split["fees"] <= fees and result.split["escrow"] <= escrow
    assert all(
        b.paid_principal <= b.principal and b.paid_interest <= b.interest for b in result.bills
    )
