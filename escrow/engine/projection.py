"""Projections an escrow analysis starts from (spec/escrow.md "Escrow analysis", steps 1
and 5): the disbursements of the computation year and the projected starting balance.

The computation year is the 12 calendar months starting with the month of the first
installment due after the analysis's effective date (12 CFR 1024.17(b), "escrow account
computation year"). A disbursement counts in the month it falls due, whatever its day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loans.engine.dates import add_months
from servicing.money import ZERO, round_cents, to_decimal

# seed 002: the frequencies of a disbursement schedule item, as months between due dates.
FREQUENCY_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}


def month_label(day: date) -> str:
    """A month as ``YYYY-MM``."""
    return f"{day.year:04d}-{day.month:02d}"


def month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def month_index(first_month: date, day: date) -> int:
    """Whole months from ``first_month``'s month to ``day``'s (0 = the same month)."""
    return (day.year - first_month.year) * 12 + day.month - first_month.month


@dataclass(frozen=True, slots=True)
class Disbursement:
    """One projected payment out of escrow: its due date and amount (2 places)."""

    due_date: date
    amount: Decimal
    account: str = ""

    def __post_init__(self) -> None:
        amount = round_cents(self.amount)
        if amount < 0:
            raise ValueError(f"a disbursement cannot be negative: {amount}")
        object.__setattr__(self, "amount", amount)


@dataclass(frozen=True, slots=True)
class ScheduleItem:
    """A disbursement schedule item of an account (seed 002): amount, next due date and
    frequency (monthly, quarterly, semiannual, annual)."""

    amount: Decimal
    next_due_date: date
    frequency: str
    account: str = ""

    def __post_init__(self) -> None:
        if self.frequency not in FREQUENCY_MONTHS:
            known = ", ".join(FREQUENCY_MONTHS)
            raise ValueError(f"unknown frequency {self.frequency!r}; use one of {known}")
        object.__setattr__(self, "amount", round_cents(self.amount))


def occurrences(item: ScheduleItem, start: date, end: date) -> tuple[Disbursement, ...]:
    """The item's due dates in ``[start, end)``, stepped from its next due date by whole
    months (counted from that date, so a 31st stays the month's last day)."""
    step = FREQUENCY_MONTHS[item.frequency]
    out = []
    k = 0
    while (due := add_months(item.next_due_date, k * step)) < end:
        if due >= start:
            out.append(Disbursement(due, item.amount, item.account))
        k += 1
    return tuple(out)


def expand_schedule(item: ScheduleItem, first_due_date: date) -> tuple[Disbursement, ...]:
    """The item's disbursements in the computation year starting with ``first_due_date``'s
    month (an item next due before that year counts from its first date inside it)."""
    start = month_start(first_due_date)
    return occurrences(item, start, add_months(start, 12))


def project_withdrawals(
    withdrawals: Iterable[Disbursement], *, as_of: date, first_due_date: date
) -> tuple[Disbursement, ...]:
    """An account without a schedule (spec step 1, seed 002: "based on past withdrawals"):
    its actual withdrawals of the 12 months ending ``as_of`` (after ``as_of`` - 12 months,
    up to ``as_of``), each moved forward by whole years into the computation year, so it
    falls due in the same calendar month; 1024.17(c)(7) lets the preceding year's charge
    stand for a charge not known yet. Pass withdrawals net of their reversals.

    A withdrawal moves at least one year, so one already made in the computation year's
    first month (an installment due mid-month) is not counted again."""
    start = month_start(first_due_date)
    window_start = add_months(as_of, -12)
    out = []
    for each in withdrawals:
        if not window_start < each.due_date <= as_of:
            continue
        years = max(1, -(month_index(start, each.due_date) // 12))
        moved = add_months(each.due_date, 12 * years)
        if month_index(start, moved) < 12:
            out.append(Disbursement(moved, each.amount, each.account))
    return tuple(sorted(out, key=lambda d: d.due_date))


def projected_starting_balance(
    balance: Decimal,
    *,
    deposits_due: Iterable[Decimal] = (),
    disbursements_due: Iterable[Decimal] = (),
) -> Decimal:
    """B (spec step 5): today's escrow balance plus the deposits still due and minus the
    disbursements still due before the computation year; may be negative."""
    total = round_cents(balance)
    total += sum((round_cents(to_decimal(d)) for d in deposits_due), ZERO)
    total -= sum((round_cents(to_decimal(d)) for d in disbursements_due), ZERO)
    return total
