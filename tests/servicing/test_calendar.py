from datetime import date

import pytest

from servicing.calendar import get_calendar
from servicing.dates import BusinessCalendar, federal_reserve_holidays
from servicing.models import Holiday

cal = BusinessCalendar()


def test_fed_holidays_of_2026():
    assert federal_reserve_holidays(2026) == {
        date(2026, 1, 1),
        date(2026, 1, 19),
        date(2026, 2, 16),
        date(2026, 5, 25),
        date(2026, 6, 19),
        date(2026, 7, 4),
        date(2026, 9, 7),
        date(2026, 10, 12),
        date(2026, 11, 11),
        date(2026, 11, 26),
        date(2026, 12, 25),
    }


def test_saturday_holiday_is_not_moved_to_friday():
    # 2026-07-04 is a Saturday: the Fed stays open on Friday the 3rd.
    assert cal.is_business_day(date(2026, 7, 3))
    assert not cal.is_business_day(date(2026, 7, 4))


def test_sunday_holiday_is_observed_on_monday():
    # 2022-06-19 (Juneteenth) was a Sunday: Monday the 20th is closed.
    assert not cal.is_business_day(date(2022, 6, 20))
    assert cal.is_business_day(date(2022, 6, 21))


def test_weekends_are_not_business_days():
    assert not cal.is_business_day(date(2026, 11, 21))
    assert not cal.is_business_day(date(2026, 11, 22))
    assert cal.is_business_day(date(2026, 11, 23))


def test_business_day_arithmetic_skips_weekends_and_holidays():
    # Wed 2026-11-25 + 1 = Fri 27 (Thanksgiving on the 26th); + 2 = Mon 30.
    assert cal.add_business_days(date(2026, 11, 25), 1) == date(2026, 11, 27)
    assert cal.add_business_days(date(2026, 11, 25), 2) == date(2026, 11, 30)
    assert cal.add_business_days(date(2026, 11, 30), -2) == date(2026, 11, 25)
    assert cal.business_days_between(date(2026, 11, 25), date(2026, 11, 30)) == 2
    assert cal.business_days_between(date(2026, 11, 30), date(2026, 11, 25)) == -2


def test_due_date_adjustments():
    saturday = date(2026, 11, 21)
    assert cal.adjust(saturday, "none") == saturday
    assert cal.adjust(saturday, "following") == date(2026, 11, 23)
    assert cal.adjust(saturday, "preceding") == date(2026, 11, 20)
    with pytest.raises(ValueError):
        cal.adjust(saturday, "modified")


@pytest.mark.django_db
def test_holidays_added_by_ops_close_the_day():
    day = date(2026, 12, 24)
    assert get_calendar().is_business_day(day)
    Holiday.objects.create(date=day, name="Christmas Eve (bank closed)")
    assert not get_calendar().is_business_day(day)
    assert get_calendar().add_business_days(date(2026, 12, 23), 1) == date(2026, 12, 28)
