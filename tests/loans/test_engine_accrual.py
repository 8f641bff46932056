"""Accrual windows: billed interest equals the projection when payments are on time.

spec/loans.md "Billing": "With all payments on time and in full, billed rows equal the
boarding projection", for every day count, frequency, broken period and schedule type.
"""

from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from loans.engine.accrual import Window, window_interest
from loans.engine.dates import period_before, step
from loans.engine.replay import Event, replay, replay_terms
from loans.engine.schedule import Terms, Tier, build_schedule


def test_30_360_month_between_month_ends_is_r_over_12():
    # Jan 31 -> Feb 28 holds 27 weights (the 31st earns 0, Feb 28 is due), still r/12.
    window = Window(date(2026, 1, 31), date(2026, 1, 31), date(2026, 2, 28))
    assert window_interest(D("1200"), D("12"), window, "30/360", "monthly") == D("12")


def test_30_360_stub_days_are_actual_days_over_360():
    # Funded Dec 15 for a Jan 1 regular start: 17 actual days (the 31st included).
    window = Window(date(2025, 12, 15), date(2026, 1, 1), date(2026, 1, 1))
    assert window_interest(D("3600"), D("10"), window, "30/360", "monthly") == D("17")


def test_short_first_period_earns_its_share_of_the_month():
    # Funded Jan 16 for Feb 1: 15 of January's 30 weights (the 31st earns nothing).
    window = Window(date(2026, 1, 16), date(2026, 1, 1), date(2026, 2, 1))
    assert window_interest(D("1200"), D("12"), window, "30/360", "monthly") == D("6")


def test_act_windows_count_actual_days():
    window = Window(date(2026, 1, 31), date(2026, 1, 31), date(2026, 2, 28))
    assert window_interest(D("36000"), D("10"), window, "ACT/360", "monthly") == D("280")
    assert window_interest(D("36500"), D("10"), window, "ACT/365", "monthly") == D("280")


def _terms(draw) -> Terms:
    frequency = draw(st.sampled_from(["weekly", "biweekly", "semimonthly", "monthly", "quarterly"]))
    first = draw(st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)))
    regular_start = period_before(first, frequency)
    funded = regular_start - timedelta(days=draw(st.integers(min_value=-5, max_value=40)))
    kind = draw(st.sampled_from(["equated", "interest_only", "tiered"]))
    n = draw(st.integers(min_value=2, max_value=18))
    rate = draw(st.decimals(min_value=D("0"), max_value=D("24"), places=3))
    tiers = ()
    if kind == "tiered":
        io = draw(st.integers(min_value=1, max_value=n - 1))
        second = draw(st.decimals(min_value=D("1"), max_value=D("24"), places=3))
        tiers = (
            Tier(first, io, "interest_only", rate),
            Tier(step(first, io, frequency), n - io, "fixed_payment", second),
        )
    return Terms(
        principal=draw(st.decimals(min_value=D("100"), max_value=D("2000000"), places=2)),
        funded_date=min(funded, first - timedelta(days=1)),
        first_payment_date=first,
        number_of_payments=n,
        rate=rate,
        day_count=draw(st.sampled_from(["30/360", "ACT/360", "ACT/365", "ACT/ACT"])),
        frequency=frequency,
        schedule_type=kind,
        broken_period=draw(st.sampled_from(["merged", "separate"])),
        tiers=tiers,
    )


@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_on_time_payments_bill_the_boarding_projection(data):
    terms = data.draw(st.composite(lambda draw: _terms(draw))())
    schedule = build_schedule(terms)
    rows = [r for r in schedule.rows if r.total]  # at 0 % an interest-only row asks nothing
    events = [Event(f"p{r.number}", "payment", r.due_date, r.total) for r in rows]
    state = replay(replay_terms(terms, schedule), events, schedule.maturity_date)
    billed = [(b.number, b.principal, b.interest) for b in state.bills]
    assert billed == [(r.number, r.principal, r.interest) for r in schedule.rows]
    assert state.principal == 0 and state.interest == 0 and state.excess == 0
    assert sum(r.principal for r in schedule.rows) == terms.principal
