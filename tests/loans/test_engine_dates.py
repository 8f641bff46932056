"""Due dates step from the first payment date (spec/loans.md "Day count and periods")."""

from datetime import date

import pytest

from loans.engine.dates import due_dates, period_before
from servicing.dates import BusinessCalendar


def test_a_31st_becomes_the_month_s_last_day_and_returns_to_the_31st():
    assert due_dates(date(2026, 1, 31), 4, "monthly") == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    assert due_dates(date(2023, 11, 30), 4, "quarterly") == [
        date(2023, 11, 30),
        date(2024, 2, 29),
        date(2024, 5, 30),
        date(2024, 8, 30),
    ]


def test_annual_dates_from_a_leap_day():
    assert due_dates(date(2024, 2, 29), 5, "annually")[1::3] == [
        date(2025, 2, 28),
        date(2028, 2, 29),
    ]


def test_weekly_and_biweekly():
    assert due_dates(date(2026, 1, 2), 3, "weekly") == [
        date(2026, 1, 2),
        date(2026, 1, 9),
        date(2026, 1, 16),
    ]
    assert due_dates(date(2026, 1, 2), 2, "biweekly")[-1] == date(2026, 1, 16)


def test_semimonthly_pairs_days_15_apart_and_keeps_the_month_end():
    assert due_dates(date(2026, 1, 15), 4, "semimonthly") == [
        date(2026, 1, 15),
        date(2026, 1, 30),
        date(2026, 2, 15),
        date(2026, 2, 28),
    ]
    assert due_dates(date(2026, 1, 31), 5, "semimonthly") == [
        date(2026, 1, 31),
        date(2026, 2, 16),
        date(2026, 2, 28),
        date(2026, 3, 16),
        date(2026, 3, 31),
    ]
    assert period_before(date(2026, 2, 1), "semimonthly") == date(2026, 1, 16)


def test_daily_due_dates_are_business_days_only():
    # 2026-11-26 is Thanksgiving (a Fed holiday), 11-28/29 a weekend; 11-30 added by ops.
    calendar = BusinessCalendar(extra_holidays=[date(2026, 11, 30)])
    assert due_dates(date(2026, 11, 25), 3, "daily", calendar=calendar) == [
        date(2026, 11, 25),
        date(2026, 11, 27),
        date(2026, 12, 1),
    ]
    assert due_dates(date(2026, 11, 28), 1, "daily") == [date(2026, 11, 30)]


def test_business_day_adjustment_of_due_dates():
    # 2026-02-28 and 2026-03-31 ... Feb 28 2026 is a Saturday.
    first = date(2026, 1, 31)
    assert due_dates(first, 2, "monthly", adjustment="following")[1] == date(2026, 3, 2)
    assert due_dates(first, 2, "monthly", adjustment="preceding")[1] == date(2026, 2, 27)
    assert due_dates(first, 3, "monthly", adjustment="following")[2] == date(2026, 3, 31)


def test_bad_frequency_and_count_are_refused():
    with pytest.raises(ValueError, match="unknown frequency"):
        due_dates(date(2026, 1, 1), 2, "fortnightly")
    with pytest.raises(ValueError):
        due_dates(date(2026, 1, 1), 0, "monthly")
