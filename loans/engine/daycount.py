"""Day-count conventions and daily interest (spec/accrual.md "Daily interest accrual").

Interest accrues for every calendar day in [start, end): a period's interest is the sum
of its days. Rates are annual percentages (7.25 means 7.25 %). Nothing here rounds.

A day earns ``units / basis`` of a year: ACT/360 1/360, ACT/365 1/365, ACT/ACT 1/(days in
that day's year) and 30/360 ``thirty_360_weight(day)``/360 (the 31st earns nothing,
February's last day completes the month to 30). Sums are kept per basis so that a
month of 30/360 days is exactly r/12 in Decimal.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from loans.engine.dates import PERIODS_PER_YEAR, check_frequency
from servicing.money import to_decimal

CONVENTIONS = ("30/360", "ACT/360", "ACT/365", "ACT/ACT")
_HUNDRED = Decimal(100)


def check_convention(convention: str) -> str:
    if convention not in CONVENTIONS:
        raise ValueError(f"unknown day count {convention!r}; use one of {', '.join(CONVENTIONS)}")
    return convention


def thirty_360_weight(day: date) -> int:
    """30/360: a day is 1/30 of the month; the 31st counts 0; February's last day completes it."""
    if day.day == 31:
        return 0
    if day.month == 2 and day.day == calendar.monthrange(day.year, 2)[1]:
        return 30 - day.day + 1
    return 1


@lru_cache(maxsize=4096)
def thirty_360_days(start: date, end: date) -> int:
    """30/360 days in [start, end): the sum of the days' weights (30 for any whole month)."""
    return sum(thirty_360_weight(start + timedelta(days=k)) for k in range((end - start).days))


def day_basis(day: date, convention: str) -> Decimal:
    """Days in the year the per diem divides by: 360, 365, or the year's days (ACT/ACT)."""
    if convention in ("30/360", "ACT/360"):
        return Decimal(360)
    if convention == "ACT/365":
        return Decimal(365)
    check_convention(convention)
    return Decimal(366 if calendar.isleap(day.year) else 365)


def day_units(day: date, convention: str) -> tuple[int, int]:
    """(basis, units) of one day's per diem: 30/360 -> (360, weight); ACT -> (basis, 1)."""
    check_convention(convention)
    if convention == "30/360":
        return 360, thirty_360_weight(day)
    return int(day_basis(day, convention)), 1


def interest_from_sums(rate_percent: Decimal, sums: Mapping[int, Decimal]) -> Decimal:
    """Interest of {basis: sum of balance x day units}: sum of rate x S / (100 x basis)."""
    rate = to_decimal(rate_percent)
    return sum((rate * total / (_HUNDRED * basis) for basis, total in sums.items()), Decimal(0))


def daily_interest(balance: Decimal, rate_percent: Decimal, day: date, convention: str) -> Decimal:
    """One day's interest: balance x rate / basis (30/360: x the day's 30/360 weight)."""
    basis, units = day_units(day, convention)
    return interest_from_sums(rate_percent, {basis: to_decimal(balance) * units})


def accrual_days(start: date, end: date, convention: str) -> int:
    """Day count of [start, end): actual days, or 30/360 weights summed."""
    check_convention(convention)
    if convention != "30/360":
        return (end - start).days
    return thirty_360_days(start, end) if end > start else 0


def _unit_sums(start: date, end: date, convention: str) -> dict[int, int]:
    """{basis: units} over [start, end) (ACT/ACT splits at year ends)."""
    if end <= start:
        return {}
    if convention != "ACT/ACT":
        basis, _ = day_units(start, convention)
        return {basis: accrual_days(start, end, convention)}
    sums: dict[int, int] = {}
    day = start
    while day < end:
        year_end = min(end, date(day.year + 1, 1, 1))
        basis = int(day_basis(day, convention))
        sums[basis] = sums.get(basis, 0) + (year_end - day).days
        day = year_end
    return sums


def day_count_fraction(start: date, end: date, convention: str) -> Decimal:
    """Year fraction of [start, end): 30/360 weights / 360, days / 360 or 365, ACT/ACT per year."""
    check_convention(convention)
    return sum(
        (Decimal(units) / basis for basis, units in _unit_sums(start, end, convention).items()),
        Decimal(0),
    )


def period_interest(
    balance: Decimal, rate_percent: Decimal, start: date, end: date, convention: str
) -> Decimal:
    """Interest on a constant balance over [start, end): the sum of its days' interest."""
    check_convention(convention)
    balance = to_decimal(balance)
    sums = {basis: balance * units for basis, units in _unit_sums(start, end, convention).items()}
    return interest_from_sums(rate_percent, sums)


def periodic_rate(rate_percent: Decimal, frequency: str) -> Decimal:
    """Rate per period for level-payment math: annual rate / periods per year (r/12 monthly)."""
    return to_decimal(rate_percent) / _HUNDRED / PERIODS_PER_YEAR[check_frequency(frequency)]
