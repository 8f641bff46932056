"""MCA schedules: seed 002's reducing-balance example, straight and custom allocation."""

from datetime import date
from decimal import Decimal as D

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loans.engine.errors import ScheduleError
from loans.engine.mca import (
    CustomRow,
    McaTerms,
    build_mca_schedule,
    mca_payments,
    payback_amount,
    payment_rate,
)

FUNDED = date(2026, 1, 2)
FIRST = date(2026, 1, 5)  # a Monday


def seed_terms(**kw) -> McaTerms:
    # seed 002: loan amount 50,500 (50,000 funded + 500 amortised fees), 249 payments of
    # 235.26: 50,000 x 1.1716 = 58,580.00 payback, 58,580 / 249 = 235.261 -> 235.26.
    base = dict(
        funded_amount=D("50000.00"),
        factor_rate=D("1.1716"),
        number_of_payments=249,
        funded_date=FUNDED,
        first_payment_date=FIRST,
        amortised_fees=D("500.00"),
        allocation="reducing_balance",
    )
    base.update(kw)
    return McaTerms(**base)


def test_payment_rate_is_excel_rate_of_seed_002():
    rate = payment_rate(249, D("235.26"), D("50500"))
    assert str(rate).startswith("0.00121870048863")
    expected = npf.rate(249, -235.26, 50500, 0, tol=1e-15, maxiter=1000)
    assert abs(rate - D(str(float(expected)))) < D("1e-14")


def test_reducing_balance_schedule_of_seed_002():
    s = build_mca_schedule(seed_terms())
    assert (s.loan_amount, s.payback, s.payment) == (D("50500.00"), D("58580.00"), D("235.26"))
    first, second, last = s.rows[0], s.rows[1], s.rows[-1]
    # Row 1: 50,500 x 0.0012187004886 = 61.544 -> 61.54; principal 235.26 - 61.54.
    assert (first.interest, first.principal, first.balance_after) == (
        D("61.54"),
        D("173.72"),
        D("50326.28"),
    )
    assert second.interest == (D("50326.28") * s.payment_rate).quantize(D("0.01"))
    # Last payment: 58,580 - 248 x 235.26 = 235.52; it clears the principal.
    assert last.total == D("235.52") and last.balance_after == 0
    assert sum(r.principal for r in s.rows) == D("50500.00")
    assert sum(r.interest for r in s.rows) == s.finance_charge == D("8080.00")
    charges = [r.interest for r in s.rows[:-1]]
    assert charges == sorted(charges, reverse=True)  # the finance charge share falls


def test_straight_spreads_the_finance_charge_evenly():
    s = build_mca_schedule(
        seed_terms(
            funded_amount=D("10000"),
            factor_rate=D("1.3"),
            number_of_payments=7,
            allocation="straight",
        )
    )
    # Payback 13,000.00; loan amount 10,500.00; finance charge 2,500.00 / 7 = 357.14.
    assert [r.total for r in s.rows] == [D("1857.14")] * 6 + [D("1857.16")]
    assert [r.interest for r in s.rows] == [D("357.14")] * 6 + [D("357.16")]
    assert sum(r.principal for r in s.rows) == D("10500.00")
    assert s.payment_rate is None


def test_payments_round_half_up_and_the_last_absorbs_the_rest():
    assert payback_amount(D("1000"), D("1.25")) == D("1250.00")
    assert mca_payments(D("1250.00"), 3) == [D("416.67"), D("416.67"), D("416.66")]


def test_daily_payments_fall_on_business_days_only():
    s = build_mca_schedule(
        seed_terms(
            first_payment_date=date(2026, 11, 25),
            number_of_payments=4,
            extra_holidays=(date(2026, 11, 30),),
        )
    )
    # Thanksgiving (11-26), the weekend and the ops holiday on 11-30 are skipped.
    assert [r.due_date for r in s.rows] == [
        date(2026, 11, 25),
        date(2026, 11, 27),
        date(2026, 12, 1),
        date(2026, 12, 2),
    ]


def custom(rows) -> McaTerms:
    return seed_terms(
        funded_amount=D("1000"),
        factor_rate=D("1.2"),
        amortised_fees=D("0"),
        number_of_payments=len(rows),
        allocation="custom",
        custom_rows=tuple(CustomRow(*row) for row in rows),
    )


GOOD_ROWS = [
    (date(2026, 2, 2), D("600.00"), D("450.00"), D("150.00")),
    (date(2026, 3, 2), D("600.00"), D("550.00"), D("50.00")),
]


def test_custom_rows_are_kept_as_supplied():
    s = build_mca_schedule(custom(GOOD_ROWS))
    assert [(r.due_date, r.principal, r.interest, r.balance_after) for r in s.rows] == [
        (date(2026, 2, 2), D("450.00"), D("150.00"), D("550.00")),
        (date(2026, 3, 2), D("550.00"), D("50.00"), D("0.00")),
    ]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([GOOD_ROWS[0]], "not the payback 1200.00"),
        (
            [GOOD_ROWS[0], (date(2026, 3, 2), D("600.00"), D("500.00"), D("100.00"))],
            "principal adds up to 950.00",
        ),
        (
            [GOOD_ROWS[0], (date(2026, 3, 2), D("600.00"), D("550.00"), D("60.00"))],
            "is not principal 550.00",
        ),
        ([GOOD_ROWS[1], (date(2026, 2, 2), *GOOD_ROWS[0][1:])], "rising"),
        ([GOOD_ROWS[0], (date(2026, 3, 2), D("600.001"), D("550.00"), D("50.001"))], "cents"),
        ([], "at least one row"),
    ],
)
def test_custom_rows_that_do_not_add_up_are_refused(rows, message):
    with pytest.raises(ScheduleError, match=message):
        build_mca_schedule(custom(rows))


def test_payback_below_the_loan_amount_is_refused():
    with pytest.raises(ScheduleError, match="less than the loan amount"):
        build_mca_schedule(seed_terms(factor_rate=D("1.005"), amortised_fees=D("500")))


def test_floats_are_refused():
    with pytest.raises(TypeError):
        build_mca_schedule(seed_terms(funded_amount=50000.0))


@settings(max_examples=80, deadline=None)
@given(
    funded=st.decimals(min_value=D("1000"), max_value=D("500000"), places=2),
    factor=st.decimals(min_value=D("1.05"), max_value=D("1.6"), places=4),
    fees=st.decimals(min_value=D("0"), max_value=D("40"), places=2),
    n=st.integers(min_value=1, max_value=300),
    allocation=st.sampled_from(["straight", "reducing_balance"]),
)
def test_rows_repay_the_loan_amount_and_the_payback(funded, factor, fees, n, allocation):
    s = build_mca_schedule(
        seed_terms(
            funded_amount=funded,
            factor_rate=factor,
            amortised_fees=fees,
            number_of_payments=n,
            allocation=allocation,
        )
    )
    assert len(s.rows) == n
    assert sum(r.principal for r in s.rows) == s.loan_amount
    assert sum(r.total for r in s.rows) == s.payback
    assert all(r.principal >= 0 and r.interest >= 0 for r in s.rows)
    assert s.rows[-1].balance_after == 0


def test_a_last_row_rounded_below_zero_borrows_from_the_rows_before():
    # 1,050 payback / 149 = 7.05 (last 6.60); charge 50 / 149 = 0.34 x 148 = 50.32 > 50.
    s = build_mca_schedule(
        seed_terms(
            funded_amount=D("1000"),
            factor_rate=D("1.05"),
            amortised_fees=D("0"),
            number_of_payments=149,
            allocation="straight",
        )
    )
    charges = [r.interest for r in s.rows]
    assert charges[-1] == 0 and charges[-2] == D("0.02") and charges[0] == D("0.34")
    assert sum(charges) == D("50.00")
    assert sum(r.principal for r in s.rows) == D("1000.00")
