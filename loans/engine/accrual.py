"""An installment's interest window, shared by the schedule and the replay.

spec/loans.md "Billing": billed interest = interest accrued over the installment's period,
and with payments on time the billed rows equal the boarding projection. Both therefore
compute a row's interest here, from the same day units, and round once per row.

- Days before ``regular_start`` are the broken (stub) period: actual days, a 30/360
  loan counting them over 360 (spec/loans.md "Broken (stub) period").
- Regular days accrue by the loan's day count. For 30/360 (any frequency but daily) the
  regular period is worth r / periods-per-year (spec/loans.md: B x r/12 monthly) and its
  days share it by their 30/360 weights (spec/accrual.md: nothing on the 31st,
  February's last day completes the month). A period from the 1st is 30 weights, so a
  day is exactly 1/360; a period between end-of-month dates (Jan 31 -> Feb 28) still
  bills r/12.
- Days after the last due date accrue the plain per diem (never billed by a row).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from loans.engine.dates import PERIODS_PER_YEAR
from loans.engine.daycount import (
    day_units,
    interest_from_sums,
    thirty_360_days,
    thirty_360_weight,
)
from servicing.money import to_decimal


@dataclass(frozen=True, slots=True)
class Window:
    """The days [start, end) of one installment; days before ``regular_start`` are stub days."""

    start: date
    regular_start: date
    end: date


def stub_units(day: date, day_count: str) -> tuple[int, int]:
    """Broken period: actual days; 30/360 counts them over 360 (spec/loans.md)."""
    return day_units(day, "ACT/360" if day_count == "30/360" else day_count)


@lru_cache(maxsize=1 << 16)
def window_day_units(day: date, window: Window, day_count: str, frequency: str) -> tuple[int, int]:
    """(basis, units) day ``day`` earns inside ``window`` (see the module docstring)."""
    if day < window.regular_start:
        return stub_units(day, day_count)
    if day_count == "30/360" and frequency != "daily":
        weights = thirty_360_days(window.regular_start, window.end)
        if weights:  # 30/360: the period is r / periods-per-year, shared by weights
            return PERIODS_PER_YEAR[frequency] * weights, thirty_360_weight(day)
    return day_units(day, day_count)


def add_day(
    sums: dict[int, Decimal],
    balance: Decimal,
    day: date,
    window: Window | None,
    day_count: str,
    frequency: str,
) -> None:
    """Add one day's balance x units to ``sums`` (no window: past maturity, the per diem)."""
    if window is None:
        basis, units = day_units(day, day_count)
    else:
        basis, units = window_day_units(day, window, day_count, frequency)
    if units:
        sums[basis] = sums.get(basis, Decimal(0)) + balance * units


def window_interest(
    balance: Decimal, rate_percent: Decimal, window: Window, day_count: str, frequency: str
) -> Decimal:
    """Interest on a constant balance over a window, unrounded."""
    balance = to_decimal(balance)
    # The balance is constant: add up the day units (ints) and multiply once per basis.
    # Exact, so the result equals the day-by-day sum of balance x units.
    units = window_units(window, day_count, frequency)
    return interest_from_sums(rate_percent, {basis: balance * n for basis, n in units})


@lru_cache(maxsize=1 << 14)
def window_units(window: Window, day_count: str, frequency: str) -> tuple[tuple[int, int], ...]:
    """{basis: day units} of a window, in first-day order (windows recur across loans)."""
    units: dict[int, int] = {}
    day = window.start
    while day < window.end:
        basis, n = window_day_units(day, window, day_count, frequency)
        if n:
            units[basis] = units.get(basis, 0) + n
        day += timedelta(days=1)
    return tuple(units.items())


@lru_cache(maxsize=1 << 12)
def window_unit_list(window: Window, day_count: str, frequency: str) -> tuple[tuple[int, int], ...]:
    """``window_day_units`` of each day of the window, in order.

    ACT/360 and ACT/365 days (stub or regular) are all (basis, 1): built at once; 30/360
    and ACT/ACT days one by one.
    """
    days = (window.end - window.start).days
    if day_count in ("ACT/360", "ACT/365"):
        return (day_units(window.start, day_count),) * days
    return tuple(
        window_day_units.__wrapped__(window.start + timedelta(days=k), window, day_count, frequency)
        for k in range(days)
    )
