"""Due dates: calendar steps from the first payment date (spec/loans.md "Day count and periods")."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from servicing.dates import BusinessCalendar

FREQUENCIES = ("daily", "weekly", "biweekly", "semimonthly", "monthly", "quarterly", "annually")
PERIODS_PER_YEAR = {
    "daily": 365,
    "weekly": 52,
    "biweekly": 26,
    "semimonthly": 24,
    "monthly": 12,
    "quarterly": 4,
    "annually": 1,
}


def check_frequency(frequency: str) -> str:
    if frequency not in FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r}; use one of {', '.join(FREQUENCIES)}")
    return frequency


def step(first: date, k: int, frequency: str) -> date:
    """The k-th date after ``first`` (k may be negative).

    Months are always counted from the first date, never from the previous one, so a
    31st becomes the month's last day and returns to the 31st when the month allows.
    """
    check_frequency(frequency)
    return _step(first, k, frequency)


def _step(first: date, k: int, frequency: str) -> date:
    if frequency == "monthly":
        return add_months(first, k)
    if frequency == "quarterly":
        return add_months(first, 3 * k)
    if frequency == "annually":
        return add_months(first, 12 * k)
    if frequency == "semimonthly":
        return _semimonthly(first, k)
    if frequency == "weekly":
        return first + timedelta(weeks=k)
    if frequency == "biweekly":
        return first + timedelta(weeks=2 * k)
    return first + timedelta(days=k)  # daily without a calendar


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, its day kept or cut to the month's last day (as
    dateutil's ``relativedelta(months=...)`` does; a ``ValueError`` past year 9999)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    last = _DAYS_IN_MONTH[month] if month != 2 or not calendar.isleap(year) else 29
    return date(year, month, min(day.day, last))


_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _semimonthly(first: date, k: int) -> date:
    """Two dates a month, days d and d + 15 (d <= 15); d + 15 past the month's end is its
    last day (15 -> 30, Feb 28; 16 -> 31, Apr 30) and returns when the month allows.

    A first date after the 15th is the later date of its month's pair.
    """
    low = first.day if first.day <= 15 else first.day - 15
    shift = 0 if first.day <= 15 else 1
    months, odd = divmod(k + shift, 2)
    month = add_months(date(first.year, first.month, 1), months)
    last_day = calendar.monthrange(month.year, month.month)[1]
    return month.replace(day=min(low + 15, last_day) if odd else low)


def due_dates(
    first: date,
    count: int,
    frequency: str,
    *,
    calendar: BusinessCalendar | None = None,
    adjustment: str = "none",
) -> list[date]:
    """``count`` due dates from ``first``; daily ones fall on business days only."""
    if count < 1:
        raise ValueError("number of payments must be at least 1")
    if frequency == "daily":
        calendar = calendar or BusinessCalendar()
        day = calendar.following(first)
        dates = [day]
        for _ in range(count - 1):
            day = calendar.next_business_day(day)
            dates.append(day)
        return dates
    check_frequency(frequency)
    dates = [_step(first, k, frequency) for k in range(count)]
    if adjustment != "none":
        calendar = calendar or BusinessCalendar()
        dates = [calendar.adjust(d, adjustment) for d in dates]
    return dates


def period_before(first: date, frequency: str) -> date:
    """The start of the regular first period: one period before the first due date."""
    return step(first, -1, frequency)
