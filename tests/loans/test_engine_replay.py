"""Replay and allocation: the spec's worked example and money-conservation properties."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loans.engine.allocation import allocate
from loans.engine.replay import Bill, Event, LoanTerms, ScheduledRow, replay
from loans.engine.schedule import Terms, build_schedule

FUNDED = date(2026, 1, 1)


def example_terms(hierarchy="system") -> LoanTerms:
    rows = build_schedule(Terms(D("1200.00"), FUNDED, date(2026, 2, 1), 3, D("12"))).rows
    return LoanTerms(
        FUNDED,
        D("1200.00"),
        D("12"),
        "30/360",
        tuple(ScheduledRow(r.number, r.due_date, r.principal + r.interest) for r in rows),
        hierarchy=hierarchy,
    )


EVENTS = [
    Event("p1", "payment", date(2026, 2, 1), D("408.03")),
    Event("p2", "payment", date(2026, 3, 15), D("200.00")),
]


def test_worked_example_of_spec_loans():
    terms = example_terms()
    on_feb_1 = replay(terms, EVENTS[:1], date(2026, 2, 1))
    assert on_feb_1.split_of("p1")["interest"] == D("12.00")
    assert on_feb_1.split_of("p1")["principal"] == D("396.03")
    assert on_feb_1.principal == D("803.97")

    on_mar_11 = replay(terms, EVENTS, date(2026, 3, 11))
    assert on_mar_11.bills[1].principal == D("399.99") and on_mar_11.bills[1].interest == D("8.04")
    assert on_mar_11.dpd(date(2026, 3, 11)) == 10
    assert on_mar_11.amount_due == D("408.03")

    on_apr_1 = replay(terms, EVENTS, date(2026, 4, 1))
    assert on_apr_1.split_of("p2")["interest"] == D("8.04")
    assert on_apr_1.split_of("p2")["principal"] == D("191.96")
    assert on_apr_1.principal == D("612.01")
    row3 = on_apr_1.bills[2]
    assert (row3.interest, row3.principal) == (D("7.02"), D("403.98"))
    assert on_apr_1.amount_due == D("619.03")
    assert on_apr_1.dpd(date(2026, 4, 1)) == 31


def test_all_on_time_payments_bill_the_projection():
    terms = example_terms()
    rows = build_schedule(Terms(D("1200.00"), FUNDED, date(2026, 2, 1), 3, D("12"))).rows
    events = [Event(f"p{r.number}", "payment", r.due_date, r.total) for r in rows]
    state = replay(terms, events, date(2026, 4, 1))
    assert [(b.principal, b.interest) for b in state.bills] == [
        (r.principal, r.interest) for r in rows
    ]
    assert state.principal == 0 and state.interest == 0 and state.excess == 0
    assert state.dpd(date(2026, 4, 1)) == 0


def test_daily_accruals_add_up_to_the_billed_interest():
    state = replay(example_terms(), EVENTS, date(2026, 3, 31))
    march = sum(a for d, a in state.accruals if d.month == 3)
    assert march == D("7.02")
    feb = sum(a for d, a in state.accruals if d.month == 2)
    assert feb == state.bills[1].interest


def test_schedule_hierarchy_pays_the_oldest_installment_first():
    bills = [
        Bill(1, date(2026, 2, 1), True, D("100"), D("10")),
        Bill(2, date(2026, 3, 1), True, D("100"), D("9")),
    ]
    system = allocate(D("120"), bills=bills, hierarchy="system")
    schedule = allocate(D("120"), bills=bills, hierarchy="schedule")
    assert system.split["interest"] == D("19") and system.split["principal"] == D("101")
    assert schedule.split["interest"] == D("19") and schedule.bills[0].is_paid
    assert schedule.bills[1].paid_interest == D("9") and schedule.bills[1].paid_principal == D("1")


def test_system_hierarchy_pays_fees_and_additional_interest_first_and_holds_the_rest():
    bills = [Bill(1, date(2026, 2, 1), True, D("50"), D("5"))]
    result = allocate(D("100"), bills=bills, fees=D("25"), additional_interest=D("3"))
    assert result.split == {
        "principal": D("50"),
        "interest": D("5"),
        "additional_interest": D("3"),
        "fees": D("25"),
        "escrow": D(0),
        "excess": D("17"),
    }


def test_prepayment_goes_to_principal_when_the_product_says_so():
    result = allocate(D("100"), bills=[], prepay_to_principal=True, principal_outstanding=D("60"))
    assert result.split["principal"] == D("60") and result.split["excess"] == D("40")


@pytest.mark.parametrize("bad", [D("0"), D("-1")])
def test_allocation_refuses_non_positive_amounts(bad):
    with pytest.raises(ValueError):
        allocate(bad, bills=[])


events_strategy = st.lists(
    st.tuples(
        st.sampled_from(["payment", "payment", "fee", "fee_waiver"]),
        st.integers(min_value=0, max_value=150),
        st.decimals(min_value=D("0.01"), max_value=D("900"), places=2),
        st.sampled_from(["system", "schedule"]),
    ),
    max_size=12,
)


@settings(max_examples=120, deadline=None)
@given(raw=events_strategy, day_count=st.sampled_from(["30/360", "ACT/360", "ACT/365", "ACT/ACT"]))
def test_money_is_conserved_and_every_payment_cent_lands_once(raw, day_count):
    rows = build_schedule(Terms(D("1200.00"), FUNDED, date(2026, 2, 1), 3, D("12"), day_count)).rows
    terms = LoanTerms(
        FUNDED,
        D("1200.00"),
        D("12"),
        day_count,
        tuple(ScheduledRow(r.number, r.due_date, r.total) for r in rows),
    )
    events = sorted(
        (
            Event(f"e{i}", kind, FUNDED + timedelta(days=offset), amount, hierarchy)
            for i, (kind, offset, amount, hierarchy) in enumerate(raw)
        ),
        key=lambda e: e.effective_date,
    )
    state = replay(terms, events, FUNDED + timedelta(days=150))
    paid = D(0)
    for event in events:
        if event.kind == "payment":
            split = state.split_of(event.ref)
            assert sum(split.values()) == event.amount
            assert all(v >= 0 for v in split.values())
            paid += event.amount
    accrued = sum(a for _, a in state.accruals)
    assessed = sum(e.amount for e in events if e.kind == "fee")
    waived = (
        assessed
        - state.fees
        - sum(state.split_of(e.ref)["fees"] for e in events if e.kind == "payment")
    )
    owed_before = D("1200.00") + accrued + assessed - waived
    owed_now = state.principal + state.interest + state.fees
    assert paid == owed_before - owed_now + state.excess
    assert state.principal >= 0 and state.interest >= 0 and state.fees >= 0
    for bill in state.bills:
        assert bill.paid_principal <= bill.principal and bill.paid_interest <= bill.interest


@settings(max_examples=60, deadline=None)
@given(raw=events_strategy, drop=st.integers(min_value=0, max_value=11))
def test_reversing_a_payment_restores_the_state_without_it(raw, drop):
    terms = example_terms()
    events = sorted(
        (
            Event(f"e{i}", "payment", FUNDED + timedelta(days=offset), amount, hierarchy)
            for i, (_, offset, amount, hierarchy) in enumerate(raw)
        ),
        key=lambda e: e.effective_date,
    )
    if not events:
        return
    removed = events[drop % len(events)]
    kept = [e for e in events if e is not removed]
    through = FUNDED + timedelta(days=150)
    without = replay(terms, kept, through)
    again = replay(terms, kept, through)
    assert without == again
    with_it = replay(terms, events, through)
    assert with_it.principal <= without.principal
