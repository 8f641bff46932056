"""Reverse-replay (ARCHITECTURE.md "Backdating") and inline catch-up.

``sync_loan`` replays the loan from its funding with every event in force and makes the
ledger and the projections agree with the result, without rewriting history:
- a payment whose split changed is reversed and re-posted with its new split, the pair
  linked as replayed;
- accrual days not yet posted are posted (through the last closed date); an already
  posted day whose amount changed is corrected by one accrual adjustment dated the
  business date;
- installments (billed/paid), DPD, amount due and next due are rewritten from the state;
- the loan's ``carry`` keeps the replay's accrual state at the opening of the business
  date, so that an event of that day (the common payment) continues from the stored
  balances and installments instead of replaying from the funding (``opened_state``).
The caller holds the loan row lock inside a transaction.
"""

from __future__ import annotations

import datetime as dt

from loans.engine.replay import Event, LoanState, LoanTerms, opening_state, replay
from loans.models import Loan
from loans.services.carry import opening_from_json
from loans.services.replay_inputs import Schedule, events_in_force, load_schedule, loan_terms
from loans.services.replay_writes import (
    finish,
    post_accruals,
    posted_through,
    repost_changed_payments,
    repost_payments,
    reverse_changed_payments,
)
from servicing.errors import DomainError


def replay_loan(loan: Loan, *, through: dt.date, extra: list[Event] = ()) -> LoanState:
    events, _ = events_in_force(loan, extra=extra)
    return replay(loan_terms(loan), events, through)


def sync_loan(
    loan: Loan, *, business_date: dt.date, actor=None, terms: LoanTerms | None = None
) -> LoanState:
    """Bring the ledger and projections in line with a replay (see the module docstring).

    Days up to the day before the business date are closed (accrued); the business
    date's own accrual belongs to its close of business. ``terms``: the loan's
    ``loan_terms`` when the caller already has them (boarding builds them in memory).
    """
    if loan.status != Loan.Status.OPEN:
        raise DomainError(
            "loan_not_open", f"Loan {loan.loan_number} is {loan.get_status_display().lower()}."
        )
    if loan.last_closed_date < business_date - dt.timedelta(days=1) and may_reprice(loan):
        # Inline catch-up, steps 1-4: the reprice events of the days it opens come first.
        from loans.services.reprice import apply_reprices

        since = loan.last_closed_date + dt.timedelta(days=2)
        if apply_reprices(loan, since=since, through=business_date, actor=actor):
            terms = None  # a new schedule version
    schedule = None if terms is not None else load_schedule(loan)
    terms = terms or schedule.terms
    events, rows = events_in_force(loan)
    state = replay(terms, events, business_date)
    # Reversals first (they only add back), then the accrual true-up, then the re-posts
    # (they only take off, down to the replayed state): no balance goes below zero.
    changed = reverse_changed_payments(loan, state, rows, business_date, actor)
    post_accruals(loan, state, posted_through(loan, terms, business_date), business_date, actor)
    repost_payments(loan, state, changed, business_date, actor)
    return finish(loan, state, schedule, business_date, actor)


def may_reprice(loan: Loan) -> bool:
    """A variable-rate loan or a tiered one (its tiers may be variable)."""
    return loan.rate_type == Loan.RateType.VARIABLE or loan.schedule_type == "tiered"


def resplit_payments(
    loan: Loan,
    *,
    business_date: dt.date,
    extra: list[Event],
    actor=None,
    terms: LoanTerms | None = None,
) -> LoanState:
    """Re-post the payments whose split changes once ``extra`` events are added.

    Done before the new event is posted, so no bucket ever goes below zero on the way.
    """
    events, rows = events_in_force(loan, extra=extra)
    state = replay(terms or loan_terms(loan), events, business_date)
    repost_changed_payments(loan, state, rows, business_date, actor)
    return state


def opened_state(loan: Loan, schedule: Schedule, business_date: dt.date) -> LoanState | None:
    """The replay's state at the business date's opening, from the stored balances,
    installments and carry; None when they may not be current (then replay in full).

    Valid while nothing changed the loan's past since the last full replay wrote the
    carry: the carry is of this business date and schedule version, and the loan is
    closed through the day before.
    """
    carry = loan.carry
    if (
        not carry
        or carry["date"] != business_date.isoformat()
        or carry["version"] != schedule.version_id
        or loan.status != Loan.Status.OPEN
        or loan.last_closed_date != business_date - dt.timedelta(days=1)
    ):
        return None
    return opening_state(
        business_date,
        principal=loan.principal_balance,
        interest=loan.interest_balance,
        additional_interest=loan.additional_interest_balance,
        fees=loan.fees_balance,
        excess=loan.excess_balance,
        bills=schedule.bills(),
        opening=opening_from_json(carry),
        escrow=loan.escrow_balance,
    )


def write_state(
    loan: Loan,
    state: LoanState,
    schedule: Schedule,
    *,
    business_date: dt.date,
    actor=None,
    since: dt.date | None = None,
) -> LoanState:
    """Accruals and projections from ``state`` (its changed payments already re-posted):
    what ``sync_loan`` would write after a payment, without a second replay.

    ``since``: the replay changed nothing before that date (a same-day event).
    """
    closed_through = posted_through(loan, schedule.terms, business_date)
    post_accruals(loan, state, closed_through, business_date, actor, since=since)
    return finish(loan, state, schedule, business_date, actor)
