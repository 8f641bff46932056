"""Payments, backdating and reversals through the services (spec/loans.md worked example)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from loans.ledger import cached_balances, rebuild_balances
from loans.models import LedgerEntry, Loan
from loans.services.catch_up import catch_up
from loans.services.payments import post_payment, preview_payment, reverse_payment
from loans.services.rebuild import rebuild_loan
from servicing.business_date import set_business_date
from servicing.errors import DomainError, InvalidInput


def at(day: str) -> dt.date:
    set_business_date(dt.date.fromisoformat(day))
    return dt.date.fromisoformat(day)


def pay(loan, amount, day, **kw):
    return post_payment(loan, amount=D(amount), effective_date=dt.date.fromisoformat(day), **kw)


def assert_rebuild_matches(loan):
    loan.refresh_from_db()
    assert rebuild_balances(loan) == cached_balances(loan)


@pytest.fixture
def loan(board):
    return board(business_date=dt.date(2026, 1, 1))


def test_worked_example_through_the_services(loan):
    at("2026-02-01")
    first = pay(loan, "408.03", "2026-02-01")
    assert (first.interest, first.principal) == (D("12.00"), D("396.03"))
    loan.refresh_from_db()
    assert loan.principal_balance == D("803.97") and loan.dpd == 0

    at("2026-03-11")
    loan = catch_up(loan)
    assert (loan.dpd, loan.amount_due) == (10, D("408.03"))

    at("2026-03-15")
    second = pay(loan, "200.00", "2026-03-15")
    assert (second.interest, second.principal) == (D("8.04"), D("191.96"))

    at("2026-04-01")
    loan = catch_up(loan)
    assert (loan.dpd, loan.amount_due, loan.principal_balance) == (31, D("619.03"), D("612.01"))
    row3 = loan.schedule_versions.get().installments.get(number=3)
    assert (row3.billed_interest, row3.billed_principal, row3.status) == (
        D("7.02"),
        D("403.98"),
        "due",
    )
    assert_rebuild_matches(loan)


def test_worked_example_amounts_exactly(loan):
    at("2026-02-01")
    pay(loan, "408.03", "2026-02-01")
    at("2026-03-15")
    second = pay(loan, "200.00", "2026-03-15")
    assert (second.interest, second.principal) == (D("8.04"), D("191.96"))
    loan.refresh_from_db()
    assert loan.principal_balance == D("612.01")
    at("2026-04-01")
    preview = preview_payment(loan, amount=D("1000"), effective_date=dt.date(2026, 4, 1))
    assert preview["interest"] == D("7.02")
    assert preview["principal"] == D("612.01")
    assert preview["excess"] == D("1000") - D("7.02") - D("612.01")


def test_daily_accruals_are_posted_through_the_day_before_the_business_date(loan):
    at("2026-01-11")
    pay(loan, "1.00", "2026-01-11")
    days = list(
        LedgerEntry.objects.filter(loan=loan, kind="interest_accrual")
        .order_by("effective_date")
        .values_list("effective_date", flat=True)
    )
    assert days[0] == dt.date(2026, 1, 1) and days[-1] == dt.date(2026, 1, 10)
    assert len(days) == 10
    loan.refresh_from_db()
    assert loan.last_closed_date == dt.date(2026, 1, 10)
    assert loan.interest_balance == D("4.00")  # 10 days x 1,200 x 12% / 360


def test_backdated_payment_replays_a_later_payment(loan):
    at("2026-03-05")
    later = pay(loan, "408.03", "2026-03-02")  # late: rows 1 and 2 are both billed
    assert (later.interest, later.principal) == (D("24.00"), D("384.03"))
    early = pay(loan, "408.03", "2026-02-01")  # arrives backdated before it
    assert (early.interest, early.principal) == (D("12.00"), D("396.03"))
    replayed = LedgerEntry.objects.get(loan=loan, replayed_from=later)
    assert replayed.interest == D("8.04") and replayed.principal == D("399.99")
    assert LedgerEntry.objects.filter(reversal_of=later).exists()
    loan.refresh_from_db()
    assert loan.dpd == 0
    assert_rebuild_matches(loan)


def test_reversal_restores_the_state_before_the_payment(loan):
    at("2026-02-01")
    payment = pay(loan, "408.03", "2026-02-01")
    at("2026-02-10")
    catch_up(loan)  # accrues 02-01..02-09 on 803.97
    at("2026-02-12")
    reverse_payment(payment, reason="Returned ACH R01")
    loan.refresh_from_db()
    assert loan.principal_balance == D("1200.00")
    assert (loan.dpd, loan.amount_due) == (11, D("408.03"))
    # The days already accrued on 803.97 are trued up to 1,200 by one adjustment.
    adjustment = LedgerEntry.objects.get(loan=loan, kind="accrual_adjustment")
    # 9 days: 3.60 on 1,200.00 against the 2.41 posted on 803.97.
    assert adjustment.interest == D("1.19")
    assert loan.interest_balance == D("12.00") + D("0.40") * 11
    assert_rebuild_matches(loan)
    with pytest.raises(DomainError, match="already reversed"):
        reverse_payment(payment, reason="again")


@pytest.mark.parametrize(
    ("amount", "day", "field"),
    [
        ("0", "2026-01-05", "amount"),
        ("-5", "2026-01-05", "amount"),
        ("10", "2026-02-01", "effective_date"),
        ("10", "2025-12-31", "effective_date"),
    ],
)
def test_bad_payments_are_refused_and_write_nothing(loan, amount, day, field):
    at("2026-01-20")
    before = LedgerEntry.objects.count()
    with pytest.raises(InvalidInput) as error:
        pay(loan, amount, day)
    assert error.value.field == field
    assert LedgerEntry.objects.count() == before


def test_reversal_needs_a_reason(loan):
    at("2026-02-01")
    payment = pay(loan, "10.00", "2026-02-01")
    with pytest.raises(InvalidInput):
        reverse_payment(payment, reason=" ")


def test_closed_loans_take_no_payment(loan):
    Loan.objects.filter(pk=loan.pk).update(status="closed", closure_reason="paid_off")
    at("2026-01-20")
    with pytest.raises(DomainError, match="closed"):
        pay(loan, "10", "2026-01-20")


def test_a_payment_above_what_the_loan_owes_is_refused(loan):
    before = LedgerEntry.objects.count()
    owed = loan.outstanding
    with pytest.raises(InvalidInput, match="more than the loan owes"):
        post_payment(loan, amount=owed + D("5.00"), effective_date=loan.funded_date)
    assert LedgerEntry.objects.count() == before
    # The whole payoff (the outstanding and today's interest) is accepted.
    post_payment(loan, amount=owed, effective_date=loan.funded_date)


def test_a_same_day_payment_continues_from_the_opening_without_a_full_replay(loan, monkeypatch):
    """The common payment reads no event history: it continues from the stored opening
    state (balances, installments, carry), and writes what a full replay would."""
    at("2026-02-01")
    pay(loan, "100.00", "2026-02-01")  # after boarding's full replay: carry of 2026-02-01
    loan.refresh_from_db()
    assert loan.carry["date"] == "2026-02-01"

    import loans.services.payments as payments

    def no_full_replay(*args, **kwargs):
        raise AssertionError("a same-day payment replayed the loan from its funding")

    monkeypatch.setattr(payments, "resplit_payments", no_full_replay)
    second = pay(loan, "250.00", "2026-02-01")
    third = pay(loan, "150.00", "2026-02-01", hierarchy="schedule")
    monkeypatch.undo()

    assert (second.interest, second.principal) == (D("0.00"), D("250.00"))
    assert (third.principal, third.excess) == (D("58.03"), D("91.97"))
    assert_rebuild_matches(loan)
    result = rebuild_loan(loan)  # a full replay from the funding changes nothing
    assert result.changed == {}
    assert not LedgerEntry.objects.filter(loan=loan, replayed_from__isnull=False).exists()


def test_a_backdated_payment_still_replays_in_full(loan):
    at("2026-02-10")
    loan = catch_up(loan)
    pay(loan, "408.03", "2026-02-10")
    loan.refresh_from_db()
    carry = loan.carry
    early = pay(loan, "50.00", "2026-02-01")  # before the opening: the full path
    assert early.interest == D("12.00")
    assert LedgerEntry.objects.filter(loan=loan, replayed_from__isnull=False).count() == 1
    loan.refresh_from_db()
    assert loan.carry["date"] == carry["date"] == "2026-02-10"
    assert rebuild_loan(loan).changed == {}
