"""Amount due, days past due and DPD buckets (spec/loans.md "Dues, delinquency, payoff").

The functions take any installments with a ``due_date`` and an ``unpaid`` amount (the
replay's ``Bill``, a model row): billed parts not yet paid. Dates are arguments.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Protocol

from servicing.money import ZERO, to_decimal

# spec/loans.md: buckets 1-29, 30-59, 60-89, 90-119, 120-149, 150-179, 180+.
DPD_BUCKETS: tuple[tuple[int, str], ...] = (
    (180, "180+"),
    (150, "150-179"),
    (120, "120-149"),
    (90, "90-119"),
    (60, "60-89"),
    (30, "30-59"),
    (1, "1-29"),
)
CURRENT = "current"


class Installment(Protocol):
    @property
    def due_date(self) -> date: ...

    @property
    def unpaid(self) -> Decimal: ...


def _owing(installments: Iterable[Installment], business_date: date) -> list[Installment]:
    return [i for i in installments if i.due_date <= business_date and i.unpaid > 0]


def days_past_due(installments: Iterable[Installment], business_date: date) -> int:
    """DPD = business date - due date of the oldest installment not fully paid (0 when none)."""
    owing = _owing(installments, business_date)
    if not owing:
        return 0
    return (business_date - min(i.due_date for i in owing)).days


def dpd_bucket(days: int) -> str:
    """The DPD bucket label ("1-29" ... "180+"), "current" at 0."""
    if days < 0:
        raise ValueError("days past due cannot be negative")
    return next((label for low, label in DPD_BUCKETS if days >= low), CURRENT)


def amount_due(
    installments: Iterable[Installment],
    business_date: date,
    *,
    fees: Decimal = ZERO,
    additional_interest: Decimal = ZERO,
    escrow: Decimal = ZERO,
) -> Decimal:
    """Unpaid parts of installments due on or before the business date + fees +
    additional interest + escrow due."""
    unpaid = sum((i.unpaid for i in _owing(installments, business_date)), ZERO)
    return unpaid + to_decimal(fees) + to_decimal(additional_interest) + to_decimal(escrow)


def next_due(installments: Iterable[Installment], business_date: date) -> Installment | None:
    """The next installment: the first one due after the business date (None at maturity)."""
    later = [i for i in installments if i.due_date > business_date]
    return min(later, key=lambda i: i.due_date, default=None)
