"""Default (penal) interest in the replay (spec/accrual.md "Default (penal) interest")."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loans.engine.default_interest import DefaultTerms, default_terms
from loans.engine.replay import Event, LoanTerms, ScheduledRow, opening_state, replay
from loans.engine.schedule import Terms, build_schedule

FUNDED = date(2026, 1, 1)
DUE = date(2026, 2, 1)


def cents(value: D) -> D:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def terms(default: DefaultTerms | None, *, day_count="ACT/360", payments=3) -> LoanTerms:
    rows = build_schedule(
        Terms(D("12000.00"), FUNDED, DUE, payments, D("12"), day_count=day_count)
    ).rows
    return LoanTerms(
        FUNDED,
        D("12000.00"),
        D("12"),
        day_count,
        tuple(ScheduledRow(r.number, r.due_date, r.principal + r.interest) for r in rows),
        default=default,
    )


def pay(ref: str, day: date, amount: str) -> Event:
    return Event(ref, "payment", day, D(amount))


SPREAD = DefaultTerms(rate=D("6"))


def first_bill(state):
    return state.bills[0]


def test_an_installment_90_days_past_due_carries_90_days_of_default_interest():
    loan = terms(SPREAD, payments=1)
    paid_on = DUE + timedelta(days=90)
    state = replay(loan, [pay("p", paid_on, "20000.00")], paid_on)
    base = first_bill(replay(loan, [], DUE)).unpaid  # principal + interest of the row
    assert state.split_of("p")["additional_interest"] == cents(base * 6 * 90 / D(36000))
    assert state.additional_interest == 0
    # 90 days, one row each, adding up to the period's rounded total (no penny drift).
    assert len(state.default_accruals) == 90
    assert state.default_accruals[0][0] == DUE
    assert sum(amount for _, amount in state.default_accruals) == state.default_accrued


def test_a_payment_on_the_due_date_carries_none_and_cured_delinquency_stops_it():
    loan = terms(SPREAD)
    bill = first_bill(replay(loan, [], DUE)).unpaid
    on_time = replay(loan, [pay("p", DUE, str(bill))], DUE + timedelta(days=20))
    assert on_time.default_accrued == 0 and on_time.default is None
    late = DUE + timedelta(days=5)
    cured = replay(loan, [pay("p", late, "5000.00")], late + timedelta(days=20))
    assert cured.default_accrued == cents(bill * 6 * 5 / D(36000))
    assert cured.default_accruals[-1][0] == late - timedelta(days=1)  # nothing after the cure
    assert cured.default is None  # the episode is settled


def test_a_partial_payment_reduces_the_installments_base_from_its_effective_date():
    loan = terms(SPREAD, payments=1)
    base = first_bill(replay(loan, [], DUE)).unpaid
    partial_on, paid_on = DUE + timedelta(days=30), DUE + timedelta(days=90)
    state = replay(loan, [pay("a", partial_on, "1000.00"), pay("b", paid_on, "20000.00")], paid_on)
    first_30 = cents(base * 6 * 30 / D(36000))
    assert state.split_of("a")["additional_interest"] == first_30
    reduced = base - (D("1000.00") - first_30)  # the rest of the partial went to the row
    episode = cents((base * 30 + reduced * 60) * 6 / D(36000))
    assert state.default_accrued == episode
    assert state.split_of("b")["additional_interest"] == episode - first_30


@pytest.mark.parametrize(
    ("grace", "late_days", "expected_days"), [(10, 10, 0), (10, 11, 11), (0, 1, 1), (5, 3, 0)]
)
def test_grace_days(grace, late_days, expected_days):
    loan = terms(DefaultTerms(rate=D("6"), grace_days=grace), payments=1)
    base = first_bill(replay(loan, [], DUE)).unpaid
    paid_on = DUE + timedelta(days=late_days)
    state = replay(loan, [pay("p", paid_on, "20000.00")], paid_on)
    assert state.split_of("p")["additional_interest"] == cents(base * 6 * expected_days / D(36000))


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("missed_principal_interest", lambda bill, principal: bill.unpaid),
        ("missed_installment", lambda bill, principal: bill.unpaid),
        ("missed_principal", lambda bill, principal: bill.unpaid_principal),
        ("unpaid_principal", lambda bill, principal: principal),
    ],
)
@pytest.mark.parametrize("method", ["per_payment", "lump_sum"])
def test_each_base_with_one_installment_past_due(base, expected, method):
    loan = terms(DefaultTerms(rate=D("18"), method=method, base=base))
    opened = replay(loan, [], DUE)
    amount = expected(first_bill(opened), opened.principal)
    state = replay(loan, [], DUE + timedelta(days=19))  # 20 days, the next row not due yet
    assert state.default_accrued == cents(amount * 18 * 20 / D(36000))
    assert state.additional_interest == state.default_accrued


def test_per_payment_runs_each_installment_from_its_own_due_date_and_grace():
    loan = terms(DefaultTerms(rate=D("6"), grace_days=15))
    second_due = date(2026, 3, 1)
    through = second_due + timedelta(days=9)  # row 2 still in its grace
    state = replay(loan, [], through)
    first = first_bill(state).unpaid
    assert state.default_accrued == cents(first * 6 * ((through - DUE).days + 1) / D(36000))


def test_lump_sum_counts_every_past_due_installment_once_the_loan_is_past_grace():
    loan = terms(DefaultTerms(rate=D("6"), method="lump_sum", grace_days=15))
    second_due = date(2026, 3, 1)
    through = second_due + timedelta(days=9)
    state = replay(loan, [], through)
    first, second = state.bills[0].unpaid, state.bills[1].unpaid
    days_one, days_both = (second_due - DUE).days, (through - second_due).days + 1
    assert state.default_accrued == cents(
        (first * days_one + (first + second) * days_both) * 6 / D(36000)
    )


def test_a_default_rate_accrues_at_that_rate_and_30_360_counts_its_days():
    loan = terms(DefaultTerms(rate=D("24")), day_count="30/360", payments=1)
    base = first_bill(replay(loan, [], DUE)).unpaid
    through = date(2026, 3, 31)  # Feb 1 - Mar 31: 30 (Feb completes) + 30 (the 31st is 0)
    state = replay(loan, [], through)
    assert state.default_accrued == cents(base * 24 * 60 / D(36000))
    assert dict(state.default_accruals).get(date(2026, 3, 31)) is None


def test_non_accrual_stops_default_interest_too():
    loan = terms(SPREAD, payments=1)
    stop, resume = DUE + timedelta(days=10), DUE + timedelta(days=40)
    events = [
        Event("s", "accrual_stop", stop, D(0)),
        Event("r", "accrual_resume", resume, D(0)),
    ]
    state = replay(loan, events, DUE + timedelta(days=59))
    base = first_bill(state).unpaid
    assert state.default_accrued == cents(base * 6 * 30 / D(36000))


def test_default_terms_from_settings():
    assert default_terms({}) is None
    assert default_terms({"enabled": False, "spread": "2"}) is None
    assert default_terms({"enabled": True, "spread": "2"}) == DefaultTerms(rate=D("2"))
    assert default_terms(
        {"enabled": True, "default_rate": "18", "method": "lump_sum", "grace_days": 5}
    ) == DefaultTerms(rate=D("18"), method="lump_sum", grace_days=5)
    with pytest.raises(ValueError):
        DefaultTerms(rate=D("1"), base="everything")


@settings(max_examples=60, deadline=None)
@given(
    method=st.sampled_from(["per_payment", "lump_sum"]),
    base=st.sampled_from(
        ["unpaid_principal", "missed_installment", "missed_principal_interest", "missed_principal"]
    ),
    grace=st.integers(0, 20),
    day_count=st.sampled_from(["30/360", "ACT/360", "ACT/365", "ACT/ACT"]),
    payments=st.lists(
        st.tuples(st.integers(0, 150), st.integers(1, 600_000)), min_size=0, max_size=5
    ),
    split_day=st.integers(1, 150),
)
def test_continuing_from_any_opening_equals_the_full_replay(
    method, base, grace, day_count, payments, split_day
):
    """The opening of a day (what ``Loan.carry`` stores) continues exactly like the replay
    from funding, and the daily rows add up to the total."""
    loan = terms(DefaultTerms(D("5.5"), method, base, grace), day_count=day_count, payments=4)
    events = [
        pay(f"p{n}", DUE + timedelta(days=offset), str(D(cents_) / 100))
        for n, (offset, cents_) in enumerate(sorted(payments))
    ]
    through = DUE + timedelta(days=160)
    full = replay(loan, events, through)
    assert sum(amount for _, amount in full.default_accruals) == full.default_accrued
    day = DUE + timedelta(days=split_day)
    at = replay(loan, [e for e in events if e.effective_date <= day], day)
    opened = opening_state(
        day,
        principal=at.principal,
        interest=at.interest - dict(at.accruals).get(day, D(0)),
        additional_interest=at.additional_interest - dict(at.default_accruals).get(day, D(0)),
        fees=at.fees,
        excess=at.excess,
        bills=at.bills,
        opening=at.opening,
    )
    # The day's events are in the opening already; the rest follow.
    after = [e for e in events if e.effective_date > day]
    continued = replay(loan, after, through, since=opened)
    assert continued.default_accrued == full.default_accrued
    assert continued.additional_interest == full.additional_interest
    assert continued.principal == full.principal
    assert continued.default_accruals == tuple((d, a) for d, a in full.default_accruals if d >= day)
