"""Amount due, DPD and DPD buckets: spec/loans.md "Dues, delinquency, payoff"."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal as D

import pytest

from loans.engine.dues import amount_due, days_past_due, dpd_bucket, next_due


@dataclass(frozen=True)
class Due:
    due_date: date
    unpaid: D


# The worked example on 04-01: row 1 paid, row 2 owes 208.03, row 3 billed 411.00.
ROWS = [
    Due(date(2026, 2, 1), D("0.00")),
    Due(date(2026, 3, 1), D("208.03")),
    Due(date(2026, 4, 1), D("411.00")),
    Due(date(2026, 5, 1), D("0.00")),
]


def test_worked_example_amount_due_and_dpd_on_april_1():
    assert amount_due(ROWS, date(2026, 4, 1)) == D("619.03")
    assert days_past_due(ROWS, date(2026, 4, 1)) == 31


def test_rows_due_later_are_neither_due_nor_past_due():
    assert amount_due(ROWS, date(2026, 3, 31)) == D("208.03")
    assert days_past_due(ROWS[2:], date(2026, 3, 31)) == 0
    assert days_past_due(ROWS[2:], date(2026, 4, 1)) == 0  # due today is not past due


def test_amount_due_adds_fees_additional_interest_and_escrow():
    total = amount_due(
        ROWS, date(2026, 4, 1), fees=D("25"), additional_interest=D("1.10"), escrow=D("300")
    )
    assert total == D("945.13")


def test_nothing_unpaid_is_zero_dpd():
    assert days_past_due([Due(date(2026, 2, 1), D("0"))], date(2026, 6, 1)) == 0
    assert days_past_due([], date(2026, 6, 1)) == 0


def test_next_due_is_the_first_installment_after_the_business_date():
    assert next_due(ROWS, date(2026, 3, 11)).due_date == date(2026, 4, 1)
    assert next_due(ROWS, date(2026, 5, 1)) is None


@pytest.mark.parametrize(
    ("days", "label"),
    [
        (0, "current"),
        (1, "1-29"),
        (29, "1-29"),
        (30, "30-59"),
        (59, "30-59"),
        (60, "60-89"),
        (89, "60-89"),
        (90, "90-119"),
        (119, "90-119"),
        (120, "120-149"),
        (150, "150-179"),
        (179, "150-179"),
        (180, "180+"),
        (4000, "180+"),
    ],
)
def test_dpd_buckets(days, label):
    assert dpd_bucket(days) == label


def test_negative_dpd_is_refused():
    with pytest.raises(ValueError):
        dpd_bucket(-1)
