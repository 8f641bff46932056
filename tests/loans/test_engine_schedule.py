"""Schedule math against published figures and spec/loans.md's worked example."""

from datetime import date
from decimal import Decimal as D

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loans.engine.dates import due_dates
from loans.engine.daycount import accrual_days, daily_interest, period_interest
from loans.engine.errors import ScheduleError
from loans.engine.schedule import Terms, Tier, build_schedule, level_payment, periodic_rate
from loans.engine.tiers import tier_rate


def terms(**kw) -> Terms:
    base = dict(
        principal=D("1200.00"),
        funded_date=date(2026, 1, 1),
        first_payment_date=date(2026, 2, 1),
        number_of_payments=3,
        rate=D("12"),
    )
    base.update(kw)
    return Terms(**base)


def test_published_30_year_mortgage():
    s = build_schedule(terms(principal=D("200000"), number_of_payments=360, rate=D("6")))
    assert s.payment == D("1199.10")
    assert (s.rows[0].interest, s.rows[0].principal) == (D("1000.00"), D("199.10"))
    assert sum(r.principal for r in s.rows) == D("200000")
    assert s.rows[-1].balance_after == 0
    assert s.maturity_date == date(2056, 1, 1)


def test_level_payment_matches_numpy_financial():
    for rate, n, p in [
        (D("6"), 360, D("200000")),
        (D("7.25"), 60, D("35000")),
        (D("0.5"), 12, D("999")),
    ]:
        expected = -npf.pmt(float(rate) / 1200, n, float(p))
        assert abs(level_payment(periodic_rate(rate, "monthly"), n, p) - D(str(expected))) < D(
            "0.006"
        )
    assert level_payment(D(0), 4, D("100.01")) == D("25.00")


def test_spec_worked_example():
    rows = build_schedule(terms()).rows
    assert [(r.interest, r.principal, r.balance_after) for r in rows] == [
        (D("12.00"), D("396.03"), D("803.97")),
        (D("8.04"), D("399.99"), D("403.98")),
        (D("4.04"), D("403.98"), D("0.00")),
    ]
    assert [r.total for r in rows] == [D("408.03"), D("408.03"), D("408.02")]


def test_act_360_rows_use_actual_days():
    rows = build_schedule(
        terms(principal=D("100000"), day_count="ACT/360", number_of_payments=12, rate=D("7.2"))
    ).rows
    # January has 31 days: 100,000 x 7.2% x 31 / 360 = 620.00; February 28 days on the rest.
    assert rows[0].interest == D("620.00")
    expected_feb = (rows[0].balance_after * D("0.072") * 28 / 360).quantize(D("0.01"))
    assert rows[1].interest == expected_feb


def test_act_365_rows_use_actual_days():
    rows = build_schedule(terms(principal=D("36500"), day_count="ACT/365", rate=D("10"))).rows
    assert rows[0].interest == D("310.00")  # 36,500 x 10% x 31 / 365


def test_interest_only_with_balloon():
    rows = build_schedule(
        terms(
            principal=D("120000"), schedule_type="interest_only", number_of_payments=12, rate=D("6")
        )
    ).rows
    assert all(r.principal == 0 and r.interest == D("600.00") for r in rows[:-1])
    assert rows[-1].principal == D("120000") and rows[-1].total == D("120600.00")


def test_tiers_interest_only_then_computed_amortizing_tier():
    s = build_schedule(
        terms(
            principal=D("100000"),
            number_of_payments=12,
            schedule_type="tiered",
            rate=D("6"),
            tiers=(
                Tier(date(2026, 2, 1), 6, "interest_only", D("6")),
                Tier(date(2026, 8, 1), 6, "fixed_payment", D("6")),
            ),
        )
    )
    assert all(r.principal == 0 and r.interest == D("500.00") for r in s.rows[:6])
    amortizing = s.rows[6:]
    payment = level_payment(periodic_rate(D("6"), "monthly"), 6, D("100000"))
    assert all(r.total == payment for r in amortizing[:-1])
    assert sum(r.principal for r in s.rows) == D("100000")


def test_tier_payment_required_unless_last_and_tiers_must_follow():
    with pytest.raises(ScheduleError, match="payment_amount is required"):
        build_schedule(
            terms(
                number_of_payments=4,
                schedule_type="tiered",
                tiers=(
                    Tier(date(2026, 2, 1), 2, "fixed_payment", D("6")),
                    Tier(date(2026, 4, 1), 2, "fixed_payment", D("6")),
                ),
            )
        )
    with pytest.raises(ScheduleError, match="should start on 2026-04-01"):
        build_schedule(
            terms(
                number_of_payments=4,
                schedule_type="tiered",
                tiers=(
                    Tier(date(2026, 2, 1), 2, "interest_only", D("6")),
                    Tier(date(2026, 5, 1), 2, "fixed_payment", D("6")),
                ),
            )
        )


def test_variable_tier_rate_is_clamped():
    assert tier_rate(rate_type="variable", index_value=D("2"), spread=D("1.5"), floor=D("4")) == D(
        "4"
    )
    assert tier_rate(rate_type="variable", index_value=D("8"), spread=D("3"), cap=D("10")) == D(
        "10"
    )
    assert tier_rate(rate_type="variable", index_value=D("5"), spread=D("2.25")) == D("7.25")


def test_broken_period_merged_adds_stub_interest_to_first_row():
    # Funded Dec 15 for a Feb 1 first payment: the regular period starts Jan 1, so a
    # 17-day stub (Dec 15..31) of 1,200 x 12% / 360 x 17 = 6.80 joins row 1.
    rows = build_schedule(terms(funded_date=date(2025, 12, 15))).rows
    assert len(rows) == 3
    assert rows[0].interest == D("18.80") and rows[0].principal == D("396.03")


def test_broken_period_separate_is_an_extra_installment():
    rows = build_schedule(terms(funded_date=date(2025, 12, 15), broken_period="separate")).rows
    assert len(rows) == 4
    assert (rows[0].due_date, rows[0].interest, rows[0].principal) == (
        date(2026, 1, 1),
        D("6.80"),
        0,
    )
    assert rows[1].interest == D("12.00")


def test_end_of_month_rule_returns_to_the_31st():
    assert due_dates(date(2026, 1, 31), 3, "monthly") == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
    ]


def test_daily_frequency_skips_weekends_and_holidays():
    assert due_dates(date(2026, 11, 25), 3, "daily") == [
        date(2026, 11, 25),
        date(2026, 11, 27),
        date(2026, 11, 30),
    ]


def test_thirty_360_accrual_days():
    assert accrual_days(date(2026, 1, 1), date(2026, 2, 1), "30/360") == 30  # 31st counts 0
    assert accrual_days(date(2026, 2, 1), date(2026, 3, 1), "30/360") == 30  # Feb 28 completes
    assert accrual_days(date(2024, 2, 1), date(2024, 3, 1), "30/360") == 30  # leap year too


def test_act_act_uses_the_days_of_each_year():
    interest = period_interest(D("36600"), D("10"), date(2023, 12, 31), date(2024, 1, 2), "ACT/ACT")
    assert interest == D("36600") * D("0.1") / 365 + D("36600") * D("0.1") / 366


def test_floats_are_refused():
    with pytest.raises(TypeError):
        daily_interest(1000.0, D("5"), date(2026, 1, 1), "ACT/360")


@settings(max_examples=150, deadline=None)
@given(
    principal=st.decimals(min_value=D("100"), max_value=D("5000000"), places=2),
    rate=st.decimals(min_value=D("0"), max_value=D("30"), places=3),
    n=st.integers(min_value=1, max_value=120),
    day_count=st.sampled_from(["30/360", "ACT/360", "ACT/365", "ACT/ACT"]),
    frequency=st.sampled_from(["weekly", "biweekly", "semimonthly", "monthly", "quarterly"]),
    schedule_type=st.sampled_from(["equated", "interest_only"]),
    stub_days=st.integers(min_value=0, max_value=25),
)
def test_principal_of_all_rows_is_the_amount_boarded(
    principal, rate, n, day_count, frequency, schedule_type, stub_days
):
    first = date(2026, 3, 1)
    from loans.engine.dates import period_before

    funded = date.fromordinal(period_before(first, frequency).toordinal() - stub_days)
    s = build_schedule(
        Terms(principal, funded, first, n, rate, day_count, frequency, schedule_type)
    )
    assert sum(r.principal for r in s.rows) == principal
    assert all(r.principal >= 0 and r.interest >= 0 for r in s.rows)
    assert s.rows[-1].balance_after == 0
    assert [r.due_date for r in s.rows] == sorted(r.due_date for r in s.rows)


def test_act_360_row_by_hand_for_a_mid_month_period():
    # Funded 2026-03-15, due on the 15th: Mar 15 -> Apr 15 is 31 days, Apr 15 -> May 15 30.
    s = build_schedule(
        terms(
            principal=D("50000"),
            funded_date=date(2026, 3, 15),
            first_payment_date=date(2026, 4, 15),
            number_of_payments=24,
            rate=D("8.5"),
            day_count="ACT/360",
        )
    )
    first = (D("50000") * D("0.085") * 31 / 360).quantize(D("0.01"))  # 365.97
    assert s.rows[0].interest == first == D("365.97")
    second = (s.rows[0].balance_after * D("0.085") * 30 / 360).quantize(D("0.01"))
    assert s.rows[1].interest == second
    assert s.rows[0].principal == s.payment - D("365.97")


def test_act_365_row_by_hand_over_february():
    s = build_schedule(
        terms(
            principal=D("73000"),
            funded_date=date(2026, 1, 31),
            first_payment_date=date(2026, 2, 28),
            rate=D("5"),
            day_count="ACT/365",
        )
    )
    assert s.rows[0].interest == D("280.00")  # 73,000 x 5% x 28 / 365


def test_30_360_end_of_month_rows_are_r_over_12():
    s = build_schedule(
        terms(
            principal=D("120000"),
            funded_date=date(2025, 12, 31),
            first_payment_date=date(2026, 1, 31),
            schedule_type="interest_only",
            number_of_payments=4,
            rate=D("6"),
        )
    )
    assert [r.due_date.day for r in s.rows] == [31, 28, 31, 30]
    assert all(r.interest == D("600.00") for r in s.rows)


def test_fixed_tier_then_computed_last_tier():
    s = build_schedule(
        terms(
            principal=D("100000"),
            number_of_payments=12,
            schedule_type="tiered",
            rate=D("6"),
            tiers=(
                Tier(date(2026, 2, 1), 4, "fixed_payment", D("6"), D("1000.00")),
                Tier(date(2026, 6, 1), 8, "fixed_payment", D("9")),
            ),
        )
    )
    assert all(r.total == D("1000.00") for r in s.rows[:4])
    assert s.rows[0].interest == D("500.00")
    left = s.rows[3].balance_after
    computed = level_payment(periodic_rate(D("9"), "monthly"), 8, left)
    assert all(r.total == computed for r in s.rows[4:-1])
    assert s.rows[4].interest == (left * D("0.09") / 12).quantize(D("0.01"))
    assert sum(r.principal for r in s.rows) == D("100000")


def test_variable_tier_rate_floor_and_cap_drive_the_rows():
    floor_rate = tier_rate(rate_type="variable", index_value=D("1"), spread=D("2"), floor=D("4"))
    cap_rate = tier_rate(rate_type="variable", index_value=D("9"), spread=D("3"), cap=D("10"))
    s = build_schedule(
        terms(
            principal=D("60000"),
            number_of_payments=4,
            schedule_type="tiered",
            tiers=(
                Tier(date(2026, 2, 1), 2, "interest_only", floor_rate),
                Tier(date(2026, 4, 1), 2, "interest_only", cap_rate),
            ),
        )
    )
    assert [r.interest for r in s.rows] == [D("200.00"), D("200.00"), D("500.00"), D("500.00")]
    assert [r.rate for r in s.rows] == [D("4"), D("4"), D("10"), D("10")]


def test_separate_broken_period_after_an_interest_only_first_tier_stays_merged():
    # seed 002: tenure n + 1 only when the first tier is fixed-payment.
    s = build_schedule(
        terms(
            funded_date=date(2025, 12, 15),
            broken_period="separate",
            number_of_payments=3,
            schedule_type="tiered",
            tiers=(
                Tier(date(2026, 2, 1), 1, "interest_only", D("12")),
                Tier(date(2026, 3, 1), 2, "fixed_payment", D("12")),
            ),
        )
    )
    assert len(s.rows) == 3
    assert s.rows[0].interest == D("18.80") and s.stub_interest == D("6.80")


def test_short_first_period_lowers_the_first_interest():
    # Funded Jan 16 for Feb 1 (30/360): 15 of January's 30 weights, 6.00 instead of 12.00.
    s = build_schedule(terms(funded_date=date(2026, 1, 16)))
    assert s.rows[0].interest == D("6.00") and s.stub_interest == D("-6.00")
    assert s.rows[0].principal == D("396.03")  # the level payment's principal is unchanged


def test_float_terms_are_refused():
    with pytest.raises(TypeError):
        build_schedule(terms(principal=1200.0))
