"""Replay step by step and reversals (spec/loans.md "Payments", "Billing")."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loans.engine.mca import McaTerms, build_mca_schedule
from loans.engine.replay import (
    Event,
    mca_replay_terms,
    opening_state,
    replay,
    replay_terms,
)
from loans.engine.schedule import Terms, build_schedule

FUNDED = date(2026, 1, 1)
TERMS = Terms(D("1200.00"), FUNDED, date(2026, 2, 1), 3, D("12"))
LOAN = replay_terms(TERMS, build_schedule(TERMS))
END = date(2026, 6, 30)


def test_worked_example_through_april_first():
    events = [
        Event("p1", "payment", date(2026, 2, 1), D("408.03")),
        Event("p2", "payment", date(2026, 3, 15), D("200.00")),
    ]
    state = replay(LOAN, events, date(2026, 4, 1))
    assert state.principal == D("612.01")
    assert [(b.interest, b.principal) for b in state.bills] == [
        (D("12.00"), D("396.03")),
        (D("8.04"), D("399.99")),
        (D("7.02"), D("403.98")),
    ]
    assert state.bills[1].unpaid == D("208.03") and state.bills[2].unpaid == D("411.00")
    assert state.amount_due == D("619.03") and state.dpd(date(2026, 4, 1)) == 31


def test_a_returned_payment_is_replayed_away():
    paid = Event("p1", "payment", date(2026, 2, 1), D("408.03"))
    returned = Event("r1", "reversal", date(2026, 2, 6), D("408.03"), reverses="p1")
    state = replay(LOAN, [paid, returned], date(2026, 3, 11))
    assert state == replay(LOAN, [], date(2026, 3, 11))
    assert state.dpd(date(2026, 3, 11)) == 38 and state.amount_due == D("816.06")
    # Before its effective date the reversal does not count yet.
    assert replay(LOAN, [paid, returned], date(2026, 2, 5)).principal == D("803.97")


def test_continuing_cannot_reverse_a_payment_already_applied():
    paid = Event("p1", "payment", date(2026, 2, 1), D("408.03"))
    state = replay(LOAN, [paid], date(2026, 2, 10))
    returned = Event("r1", "reversal", date(2026, 2, 11), D("408.03"), reverses="p1")
    with pytest.raises(ValueError, match="replays from before"):
        replay(LOAN, [returned], date(2026, 2, 20), since=state)
    with pytest.raises(ValueError, match="effective before 2026-02-11"):
        replay(LOAN, [paid], date(2026, 2, 20), since=state)


events_strategy = st.lists(
    st.tuples(
        st.sampled_from(
            ["payment", "payment", "payment", "fee", "fee_waiver", "accrual_stop", "accrual_resume"]
        ),
        st.integers(min_value=0, max_value=170),
        st.decimals(min_value=D("0.01"), max_value=D("700"), places=2),
        st.sampled_from(["system", "schedule"]),
    ),
    max_size=10,
)


def to_events(raw) -> list[Event]:
    events = [
        Event(f"e{i}", kind, FUNDED + timedelta(days=offset), amount, hierarchy)
        for i, (kind, offset, amount, hierarchy) in enumerate(raw)
    ]
    return sorted(events, key=lambda e: (e.effective_date, int(e.ref[1:])))


@settings(max_examples=80, deadline=None)
@given(raw=events_strategy, cut=st.integers(min_value=0, max_value=180))
def test_replay_of_all_events_equals_the_state_reached_step_by_step(raw, cut):
    events = to_events(raw)
    middle = FUNDED + timedelta(days=cut)
    before = replay(LOAN, [e for e in events if e.effective_date <= middle], middle)
    after = [e for e in events if e.effective_date > middle]
    assert replay(LOAN, after, END, since=before) == replay(LOAN, events, END)


MONEY_FIELDS = (
    "principal",
    "interest",
    "additional_interest",
    "fees",
    "excess",
    "bills",
    "period_sums",
    "period_posted",
    "accrued",
    "opening",
)


@settings(max_examples=80, deadline=None)
@given(
    raw=events_strategy,
    later=events_strategy,
    cut=st.integers(min_value=0, max_value=180),
    end=st.integers(min_value=0, max_value=60),
)
def test_events_of_a_day_continue_from_its_opening_state(raw, later, cut, end):
    """A same-day payment continues from the stored opening (balances, bills, carry)."""
    day = FUNDED + timedelta(days=cut)
    through = day + timedelta(days=end)
    done = [e for e in to_events(raw) if e.effective_date <= day]
    # More events of ``day`` (posted after the ones done) and later ones.
    new = [
        Event(f"n{i}", e.kind, max(e.effective_date, day), e.amount, e.hierarchy)
        for i, e in enumerate(to_events(later))
    ]
    new.sort(key=lambda e: e.effective_date)
    middle = replay(LOAN, done, day)
    opened = opening_state(
        day,
        principal=middle.principal,
        interest=middle.interest - sum((a for d, a in middle.accruals if d == day), D(0)),
        additional_interest=middle.additional_interest,
        fees=middle.fees,
        excess=middle.excess,
        bills=middle.bills,
        opening=middle.opening,
    )
    continued = replay(LOAN, new, through, since=opened)
    whole = replay(LOAN, done + new, through)
    for name in MONEY_FIELDS:
        assert getattr(continued, name) == getattr(whole, name), name
    assert continued.accruals == tuple((d, a) for d, a in whole.accruals if d >= day)
    assert dict(continued.splits) == {r: s for r, s in whole.splits if r.startswith("n")}


def test_an_opening_state_needs_the_days_bills_billed():
    state = replay(LOAN, [], date(2026, 2, 1))
    with pytest.raises(ValueError, match="only those, must be billed"):
        opening_state(
            date(2026, 1, 31),
            principal=state.principal,
            interest=state.interest,
            additional_interest=D(0),
            fees=D(0),
            excess=D(0),
            bills=state.bills,
            opening=state.opening,
        )


@settings(max_examples=80, deadline=None)
@given(raw=events_strategy, pick=st.integers(min_value=0, max_value=9), delay=st.integers(0, 30))
def test_reversing_a_payment_restores_the_state_without_it(raw, pick, delay):
    events = to_events(raw)
    payments = [e for e in events if e.kind == "payment"]
    if not payments:
        return
    removed = payments[pick % len(payments)]
    reversal = Event(
        "rev",
        "reversal",
        min(removed.effective_date + timedelta(days=delay), END),
        removed.amount,
        reverses=removed.ref,
    )
    without = [e for e in events if e is not removed]
    assert replay(LOAN, [*events, reversal], END) == replay(LOAN, without, END)


def test_mca_rows_bill_their_fixed_finance_charge():
    terms = McaTerms(
        D("1000"), D("1.2"), 4, date(2026, 1, 2), date(2026, 1, 5), allocation="reducing_balance"
    )
    schedule = build_mca_schedule(terms)
    loan = mca_replay_terms(terms, schedule)
    on_time = [Event(f"p{r.number}", "payment", r.due_date, r.total) for r in schedule.rows]
    state = replay(loan, on_time, date(2026, 1, 31))
    assert [(b.principal, b.interest) for b in state.bills] == [
        (r.principal, r.interest) for r in schedule.rows
    ]
    assert state.principal == 0 and state.interest == 0 and state.excess == 0
    # Nothing paid: on the 4th payment date the whole payback is due, 3 business days late.
    missed = replay(loan, [], date(2026, 1, 8))
    assert missed.amount_due == D("1200.00") and missed.dpd(date(2026, 1, 8)) == 3
