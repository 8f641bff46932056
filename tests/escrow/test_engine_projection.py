"""The computation year's inputs (spec/escrow.md "Escrow analysis" steps 1 and 5):
schedule items expanded into the year, past withdrawals projected, B."""

from datetime import date
from decimal import Decimal as D

import pytest

from escrow.engine.analysis import AnalysisInput, analyze
from escrow.engine.projection import (
    Disbursement,
    ScheduleItem,
    expand_schedule,
    occurrences,
    project_withdrawals,
    projected_starting_balance,
)

FIRST_DUE = date(2026, 7, 1)  # computation year 2026-07 .. 2027-06


def dates(items):
    return [d.due_date for d in items]


def test_annual_item_due_in_the_year_once():
    item = ScheduleItem(D("700"), date(2026, 12, 10), "annual", "county tax")
    assert expand_schedule(item, FIRST_DUE) == (
        Disbursement(date(2026, 12, 10), D("700.00"), "county tax"),
    )


def test_monthly_item_twelve_times_in_the_year():
    item = ScheduleItem(D("45.50"), date(2026, 7, 15), "monthly")
    out = expand_schedule(item, FIRST_DUE)
    assert len(out) == 12
    assert dates(out)[0] == date(2026, 7, 15) and dates(out)[-1] == date(2027, 6, 15)
    assert sum(d.amount for d in out) == D("546.00")


def test_quarterly_item_keeps_the_month_end_counted_from_its_date():
    item = ScheduleItem(D("250"), date(2026, 8, 31), "quarterly")
    assert dates(expand_schedule(item, FIRST_DUE)) == [
        date(2026, 8, 31),
        date(2026, 11, 30),
        date(2027, 2, 28),
        date(2027, 5, 31),
    ]


def test_item_next_due_before_the_year_counts_from_its_first_date_inside_it():
    item = ScheduleItem(D("600"), date(2026, 3, 31), "semiannual")
    assert dates(expand_schedule(item, FIRST_DUE)) == [date(2026, 9, 30), date(2027, 3, 31)]


def test_item_next_due_after_the_year_adds_nothing():
    assert expand_schedule(ScheduleItem(D("900"), date(2027, 7, 1), "annual"), FIRST_DUE) == ()


def test_occurrences_before_the_year_feed_the_starting_balance():
    """Disbursements still due between the effective date and the year (spec step 5)."""
    item = ScheduleItem(D("120"), date(2026, 5, 20), "monthly")
    due = occurrences(item, date(2026, 5, 16), date(2026, 7, 1))
    assert dates(due) == [date(2026, 5, 20), date(2026, 6, 20)]
    balance = projected_starting_balance(
        D("1000"), deposits_due=[D("130")], disbursements_due=[d.amount for d in due]
    )
    assert balance == D("890.00")


def test_unknown_frequency_is_refused():
    with pytest.raises(ValueError, match="unknown frequency"):
        ScheduleItem(D("1"), FIRST_DUE, "weekly")


def test_past_withdrawals_of_the_last_12_months_move_into_the_same_month_of_the_year():
    as_of = date(2026, 5, 15)
    withdrawals = [
        Disbursement(date(2025, 5, 15), D("99")),  # 12 months before as_of: outside
        Disbursement(date(2025, 5, 16), D("40")),  # inside: May of the year (+2 years)
        Disbursement(date(2025, 6, 20), D("60")),
        Disbursement(date(2025, 7, 25), D("500")),
        Disbursement(date(2025, 12, 10), D("700")),
        Disbursement(date(2026, 3, 1), D("80")),
        Disbursement(date(2026, 5, 15), D("10")),  # on as_of: inside
        Disbursement(date(2026, 5, 16), D("77")),  # after as_of: not a past withdrawal
    ]
    out = project_withdrawals(withdrawals, as_of=as_of, first_due_date=FIRST_DUE)
    assert [(d.due_date, d.amount) for d in out] == [
        (date(2026, 7, 25), D("500.00")),
        (date(2026, 12, 10), D("700.00")),
        (date(2027, 3, 1), D("80.00")),
        (date(2027, 5, 15), D("10.00")),
        (date(2027, 5, 16), D("40.00")),
        (date(2027, 6, 20), D("60.00")),
    ]
    analysis = analyze(AnalysisInput(as_of, FIRST_DUE, out, D("0")))
    assert analysis.total_disbursements == D("1390.00")


def test_withdrawal_already_made_in_the_first_month_is_not_counted_twice():
    """First installment due mid-month: this July's withdrawal is past, last July's
    stands for the year's July."""
    out = project_withdrawals(
        [Disbursement(date(2025, 7, 20), D("300")), Disbursement(date(2026, 7, 5), D("310"))],
        as_of=date(2026, 7, 10),
        first_due_date=date(2026, 7, 15),
    )
    assert out == (Disbursement(date(2026, 7, 20), D("300")),)


def test_projected_starting_balance_may_be_negative():
    assert projected_starting_balance(
        D("100"), deposits_due=[D("130"), D("130")], disbursements_due=[D("500")]
    ) == D("-140.00")


def test_money_is_decimal_only():
    with pytest.raises(TypeError):
        Disbursement(FIRST_DUE, 10.5)
    with pytest.raises(ValueError, match="negative"):
        Disbursement(FIRST_DUE, D("-1"))
