"""Pure calendar arithmetic: business days with US Federal Reserve holidays.

No Django here: the set of extra (ops-added) holidays is passed in by the caller,
``servicing.calendar`` reads it from the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=256)
def federal_reserve_holidays(year: int) -> frozenset[date]:
    """Federal Reserve (XFED) holidays of a year.

    spec/loans.md: a holiday on a Saturday is not moved to Friday; one on a Sunday
    is observed on Monday. The ``holidays`` package ships no XFED market any more, so
    the Fed calendar is built from its US federal holidays (the Fed closes on the same
    eleven days) with the Fed's own observance rule instead of the federal one.
    """
    days = set(holidays.US(years=year, observed=False).keys())
    # A Sunday holiday is observed on the Monday after; a Saturday one is not moved.
    days |= {day + timedelta(days=1) for day in days if day.weekday() == 6}
    return frozenset(days)


class BusinessCalendar:
    """Business-day checks and arithmetic: weekdays that are not holidays."""

    def __init__(self, extra_holidays: Iterable[date] = ()) -> None:
        self.extra_holidays = frozenset(extra_holidays)

    def is_holiday(self, day: date) -> bool:
        return day in self.extra_holidays or day in federal_reserve_holidays(day.year)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and not self.is_holiday(day)

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after ``day``."""
        return self.add_business_days(day, 1)

    def previous_business_day(self, day: date) -> date:
        """The last business day strictly before ``day``."""
        return self.add_business_days(day, -1)

    def following(self, day: date) -> date:
        """``day`` if a business day, else the next one (the 'following' adjustment)."""
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def preceding(self, day: date) -> date:
        """``day`` if a business day, else the one before (the 'preceding' adjustment)."""
        while not self.is_business_day(day):
            day -= timedelta(days=1)
        return day

    def adjust(self, day: date, convention: str) -> date:
        """Adjust a due date: ``none``, ``following`` or ``preceding``."""
        if convention == "none":
            return day
        if convention == "following":
            return self.following(day)
        if convention == "preceding":
            return self.preceding(day)
        raise ValueError(f"unknown business-day convention: {convention!r}")

    def add_business_days(self, day: date, count: int) -> date:
        """Move ``count`` business days forward (or backward when negative)."""
        step = timedelta(days=1 if count >= 0 else -1)
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_business_day(day):
                remaining -= 1
        return day

    def business_days_between(self, start: date, end: date) -> int:
        """Business days in (start, end]: how many business days ``end`` is after ``start``."""
        if end < start:
            return -self.business_days_between(end, start)
        return sum(
            1
            for offset in range(1, (end - start).days + 1)
            if self.is_business_day(start + timedelta(days=offset))
        )
