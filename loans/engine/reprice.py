"""Repricing (spec/accrual.md "Variable rates"): the new rate and the re-amortized rest of
the schedule from a reprice date.

At a reprice on schedule date S the rows due after S take the new rate (their accrual
windows start at S or later, so the daily accrual uses it from S) and are projected again
on the balance not yet billed: level rows pay the level payment of the new rate over the
rows left, interest-only rows their interest, the last row what is left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loans.engine.accrual import Window, window_interest
from loans.engine.daycount import periodic_rate
from loans.engine.schedule import Row, level_payment
from servicing.money import ZERO, round_cents, to_decimal


def clamp_rate(
    index_value: Decimal, spread: Decimal, floor: Decimal | None, cap: Decimal | None
) -> Decimal:
    """Index value + spread, within [floor, cap]."""
    rate = to_decimal(index_value) + to_decimal(spread)
    if floor is not None:
        rate = max(rate, to_decimal(floor))
    if cap is not None:
        rate = min(rate, to_decimal(cap))
    return rate


@dataclass(frozen=True, slots=True)
class RemainingRow:
    """A row due after the reprice date, as the new projection needs it."""

    number: int
    due_date: date
    rate: Decimal  # annual %: the new rate for the repriced rows, the row's own otherwise
    interest_only: bool = False


def reamortize(
    rows: Sequence[RemainingRow],
    *,
    balance: Decimal,
    start: date,
    day_count: str,
    frequency: str,
) -> tuple[Row, ...]:
    """The rows after the reprice date ``start``, projected on ``balance`` (the principal
    not billed yet). The level payment is that of the first level row's rate over the level
    rows left; the last row clears the balance."""
    if not rows:
        return ()
    balance = to_decimal(balance)
    level_rows = [row for row in rows if not row.interest_only]
    payment = ZERO
    if level_rows:
        payment = level_payment(
            periodic_rate(level_rows[0].rate, frequency), len(level_rows), balance
        )
    out = []
    previous = start
    for index, row in enumerate(rows):
        window = Window(previous, previous, row.due_date)
        interest = round_cents(window_interest(balance, row.rate, window, day_count, frequency))
        last = index == len(rows) - 1
        if last:
            principal = balance
        elif row.interest_only:
            principal = ZERO
        else:
            principal = min(balance, max(ZERO, payment - interest))
        balance -= principal
        out.append(
            Row(
                row.number,
                row.due_date,
                principal,
                interest,
                balance,
                interest_only=row.interest_only and not last,
                rate=row.rate,
            )
        )
        previous = row.due_date
    return tuple(out)
