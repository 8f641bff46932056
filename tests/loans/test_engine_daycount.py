"""Day-count conventions: spec/accrual.md "Daily interest accrual" ([start, end) per day)."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loans.engine.daycount import (
    accrual_days,
    daily_interest,
    day_count_fraction,
    period_interest,
    periodic_rate,
    thirty_360_weight,
)


def days(start: date, end: date):
    return (start + timedelta(days=k) for k in range((end - start).days))


def test_act_360_day_is_balance_times_rate_over_360():
    assert daily_interest(D("36000"), D("10"), date(2026, 5, 3), "ACT/360") == D("10")


def test_act_365_uses_a_fixed_365_even_in_leap_years():
    assert daily_interest(D("36500"), D("10"), date(2024, 2, 29), "ACT/365") == D("10")


def test_act_act_divides_by_the_days_of_that_day_s_year():
    assert daily_interest(D("36600"), D("10"), date(2024, 7, 1), "ACT/ACT") == D("10")
    assert daily_interest(D("36500"), D("10"), date(2025, 7, 1), "ACT/ACT") == D("10")


def test_thirty_360_earns_nothing_on_the_31st_and_february_s_last_day_completes_the_month():
    assert thirty_360_weight(date(2026, 1, 31)) == 0
    assert thirty_360_weight(date(2026, 2, 28)) == 3
    assert thirty_360_weight(date(2024, 2, 29)) == 2
    assert thirty_360_weight(date(2024, 2, 28)) == 1
    assert daily_interest(D("36000"), D("10"), date(2026, 1, 31), "30/360") == 0
    assert daily_interest(D("36000"), D("10"), date(2026, 2, 28), "30/360") == D("30")


@given(
    month=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 1)).map(
        lambda d: d.replace(day=1)
    )
)
def test_a_whole_30_360_month_is_exactly_r_over_12(month):
    nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    total = sum(daily_interest(D("1200"), D("12"), d, "30/360") for d in days(month, nxt))
    assert total == D("12")  # 1,200 x 12% / 12
    assert accrual_days(month, nxt, "30/360") == 30
    assert day_count_fraction(month, nxt, "30/360") == D(30) / D(360)


def test_period_interest_is_the_sum_of_its_days():
    start, end = date(2023, 12, 20), date(2024, 1, 10)
    for convention in ("ACT/360", "ACT/365", "ACT/ACT", "30/360"):
        by_day = sum(daily_interest(D("5000"), D("7.25"), d, convention) for d in days(start, end))
        whole = period_interest(D("5000"), D("7.25"), start, end, convention)
        assert abs(whole - by_day) < D("1e-20")


def test_day_count_fractions():
    jan, apr = date(2026, 1, 1), date(2026, 4, 1)
    assert day_count_fraction(jan, apr, "ACT/360") == D(90) / 360
    assert day_count_fraction(jan, apr, "ACT/365") == D(90) / 365
    assert day_count_fraction(jan, apr, "30/360") == D(90) / 360
    # ACT/ACT across a year end: 12 days of 2023 over 365 + 9 days of 2024 over 366.
    assert day_count_fraction(date(2023, 12, 20), date(2024, 1, 10), "ACT/ACT") == (
        D(12) / 365 + D(9) / 366
    )
    assert day_count_fraction(apr, jan, "ACT/360") == 0


def test_periodic_rate_is_the_annual_rate_over_periods_per_year():
    assert periodic_rate(D("6"), "monthly") == D("0.005")
    assert periodic_rate(D("8"), "quarterly") == D("0.02")
    assert periodic_rate(D("5.2"), "weekly") == D("0.001")


def test_unknown_convention_and_floats_are_refused():
    with pytest.raises(ValueError, match="unknown day count"):
        daily_interest(D("1"), D("1"), date(2026, 1, 1), "30E/360")
    with pytest.raises(TypeError):
        daily_interest(D("1000"), 5.0, date(2026, 1, 1), "ACT/360")
    with pytest.raises(TypeError):
        period_interest(1000.0, D("5"), date(2026, 1, 1), date(2026, 2, 1), "ACT/365")
