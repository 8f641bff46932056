"""The engine's shortcuts give exactly the plain computation: quiet days summed in
integers equal the day-by-day Decimal accrual, and payments, billing and default interest
that skip the settled bills equal the same over every bill."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from loans.engine import replay as engine
from loans.engine.default_interest import BASES, METHODS, DefaultTerms
from loans.engine.schedule import Terms, build_schedule

FREQUENCIES = ["monthly", "weekly", "biweekly", "quarterly", "daily"]


@st.composite
def loans_and_events(draw, *, most_events: int = 8):
    frequency = draw(st.sampled_from(FREQUENCIES))
    funded = date(2023, 1, 1) + timedelta(days=draw(st.integers(0, 900)))
    step = {"monthly": 31, "weekly": 7, "biweekly": 14, "quarterly": 92, "daily": 1}[frequency]
    terms = Terms(
        principal=draw(st.decimals(D("100.00"), D("2000000.00"), places=2)),
        funded_date=funded,
        first_payment_date=funded + timedelta(days=step + draw(st.integers(-2, 6))),
        number_of_payments=draw(st.integers(2, 30)),
        rate=draw(st.decimals(D("0.000001"), D("36"), places=6)),
        day_count=draw(st.sampled_from(["30/360", "ACT/360", "ACT/365", "ACT/ACT"])),
        frequency=frequency,
        broken_period=draw(st.sampled_from(["merged", "separate"])),
    )
    events = [
        engine.Event(
            f"e{i}",
            draw(st.sampled_from(["payment", "payment", "fee", "accrual_stop", "accrual_resume"])),
            funded + timedelta(days=draw(st.integers(0, 1200))),
            draw(st.decimals(D("0.01"), D("50000"), places=2)),
        )
        for i in range(draw(st.integers(0, most_events)))
    ]
    events.sort(key=lambda e: e.effective_date)
    return terms, events, funded + timedelta(days=draw(st.integers(0, 1300)))


@settings(max_examples=150, deadline=None)
@given(case=loans_and_events())
def test_integer_spans_equal_the_daily_decimal_accrual(case):
    terms, events, through = case
    try:
        loan = engine.replay_terms(terms, build_schedule(terms))
    except ValueError:
        return  # terms the schedule refuses
    fast = engine.replay(loan, events, through)
    engine.INTEGER_SPANS = False
    try:
        slow = engine.replay(loan, events, through)
    finally:
        engine.INTEGER_SPANS = True
    assert fast == slow


default_terms = st.one_of(
    st.none(),
    st.builds(
        DefaultTerms,
        rate=st.decimals(D("0.5"), D("24"), places=2),
        method=st.sampled_from(METHODS),
        base=st.sampled_from(BASES),
        grace_days=st.integers(0, 15),
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    case=loans_and_events(most_events=40),
    default=default_terms,
    hierarchies=st.lists(st.sampled_from([None, "system", "schedule"]), min_size=40),
    waivers=st.lists(st.booleans(), min_size=40),
    prepay=st.booleans(),
)
def test_skipping_settled_bills_equals_looking_at_every_bill(
    case, default, hierarchies, waivers, prepay
):
    """Partial, whole and over-payments under both hierarchies, fees and waivers, default
    interest: a bill that owes nothing is left out of every later payment and day."""
    terms, events, through = case
    try:
        loan = engine.replay_terms(
            terms, build_schedule(terms), default=default, prepay_to_principal=prepay
        )
    except ValueError:
        return  # terms the schedule refuses
    # Each event gets a hierarchy (payments use it); some fees become waivers instead.
    events = [
        replace(event, hierarchy=hierarchy, kind="fee_waiver" if waive else event.kind)
        if event.kind == "fee"
        else replace(event, hierarchy=hierarchy)
        for event, hierarchy, waive in zip(events, hierarchies, waivers, strict=False)
    ]
    events = engine.reserve_waived_fees(events)
    fast = engine.replay(loan, events, through)
    engine.SETTLED_BILLS = False
    try:
        slow = engine.replay(loan, events, through)
    finally:
        engine.SETTLED_BILLS = True
    assert fast == slow
