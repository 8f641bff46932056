"""Reverse-replay (ARCHITECTURE.md "Backdating") and inline catch-up.

``sync_loan`` replays the loan from its funding with every event in force and makes the
ledger and the projections agree with the result, without rewriting history:
- a payment whose split changed is reversed and re-posted with its new split, the pair
  linked as replayed;
- accrual days not yet posted are posted (through the last closed date); an already
  posted day whose amount changed is corrected by one accrual adjustment dated the
  business date;
- installments (billed/paid), DPD, amount due and next due are rewritten from the state.
The caller holds the loan row lock inside a transaction.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, Sum

from loans import ledger
from loans.engine.replay import (
    Event,
    LoanState,
    LoanTerms,
    ScheduledRow,
    replay,
    reserve_waived_fees,
)
from loans.models import Installment, LedgerEntry, Loan
from loans.selectors import current_schedule_version
from servicing.bulk import bulk_update
from servicing.errors import DomainError
from servicing.money import ZERO

Kind = LedgerEntry.Kind
PROJECTED_FIELDS = (
    "billed",
    "billed_principal",
    "billed_interest",
    "paid_principal",
    "paid_interest",
    "status",
)
EVENT_KINDS = {Kind.PAYMENT: "payment", Kind.FEE_ASSESSED: "fee", Kind.FEE_WAIVED: "fee_waiver"}


def loan_terms(loan: Loan) -> LoanTerms:
    """The replay's terms from the current schedule version's rows (what boarding stored)."""
    version = current_schedule_version(loan)
    # Tuples, not model instances: the 360 rows are read on every payment.
    rows = version.installments.order_by("number").values_list(
        "number", "due_date", "principal", "interest", "interest_only", "rate", "fixed_interest"
    )
    return LoanTerms(
        funded_date=loan.funded_date,
        principal=loan.loan_amount,
        rate=loan.interest_rate,
        day_count=loan.day_count,
        rows=tuple(
            ScheduledRow(
                number=number,
                due_date=due_date,
                payment=principal + interest,
                interest_only=interest_only,
                rate=rate,
                fixed_interest=interest if fixed_interest else None,
            )
            for number, due_date, principal, interest, interest_only, rate, fixed_interest in rows
        ),
        hierarchy=loan.payment_hierarchy,
        prepay_to_principal=loan.prepay_to_principal,
        frequency=loan.payment_frequency,
        regular_start=version.period_start,
    )


def events_in_force(loan: Loan, *, extra: list[Event] = ()) -> tuple[list[Event], dict]:
    """Payments not reversed, fees and waivers, in (effective date, posted, id) order.

    A re-posted (replayed) payment keeps the place of the payment it replaces.
    Returns the events and the ledger rows they came from, by ref.
    """
    rows = list(
        loan.ledger_entries.filter(kind__in=EVENT_KINDS, reversed_by__isnull=True).order_by("id")
    )
    by_id = {row.pk: row for row in loan.ledger_entries.filter(kind=Kind.PAYMENT)}

    def root(row: LedgerEntry) -> LedgerEntry:
        while row.replayed_from_id and row.replayed_from_id in by_id:
            row = by_id[row.replayed_from_id]
        return row

    keyed = []
    for row in rows:
        first = root(row)
        keyed.append(((row.effective_date, first.posted_at, first.pk), row))
    keyed.sort(key=lambda pair: pair[0])
    events = [
        Event(
            ref=str(row.pk),
            kind=EVENT_KINDS[row.kind],
            effective_date=row.effective_date,
            amount=row.fees if row.kind != Kind.PAYMENT else row.amount,
            hierarchy=row.details.get("hierarchy"),
        )
        for _, row in keyed
    ]
    events.extend(extra)
    events.sort(key=lambda e: e.effective_date)  # stable: same-day order is kept
    events = reserve_waived_fees(events)  # a posted waiver's amount never changes
    return events, {str(row.pk): row for _, row in keyed}


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
    closed_through = max(loan.last_closed_date, business_date - dt.timedelta(days=1))
    events, rows = events_in_force(loan)
    terms = terms or loan_terms(loan)
    state = replay(terms, events, business_date)
    # Reversals first (they only add back), then the accrual true-up, then the re-posts
    # (they only take off, down to the replayed state): no balance goes below zero.
    changed = _reverse_changed_payments(loan, state, rows, business_date, actor)
    # A factor-rate charge is recognized when billed, before that day's payments apply
    # to it; daily interest of a day belongs to that day's close of business.
    fixed = any(row.fixed_interest is not None for row in terms.rows)
    _post_accruals(loan, state, business_date if fixed else closed_through, business_date, actor)
    _repost_payments(loan, state, changed, business_date, actor)
    _write_projections(loan, state, business_date)
    loan.last_closed_date = closed_through
    loan.save()
    return state


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
    _repost_changed_payments(loan, state, rows, business_date, actor)
    return state


def write_state(
    loan: Loan, state: LoanState, terms: LoanTerms, *, business_date: dt.date, actor=None
) -> LoanState:
    """Accruals and projections from ``state`` (its changed payments already re-posted):
    what ``sync_loan`` would write after a payment, without a second replay."""
    closed_through = max(loan.last_closed_date, business_date - dt.timedelta(days=1))
    fixed = any(row.fixed_interest is not None for row in terms.rows)
    _post_accruals(loan, state, business_date if fixed else closed_through, business_date, actor)
    _write_projections(loan, state, business_date)
    loan.last_closed_date = closed_through
    loan.save()
    return state


def _repost_changed_payments(loan, state: LoanState, rows: dict, business_date, actor) -> None:
    changed = _reverse_changed_payments(loan, state, rows, business_date, actor)
    _repost_payments(loan, state, changed, business_date, actor)


def _reverse_changed_payments(loan, state: LoanState, rows: dict, business_date, actor) -> dict:
    """Reverse every payment whose split the replay changed; return them by ref.

    All are reversed before any is re-posted: a re-post may take what another payment's
    old split still holds (or interest the true-up has not posted yet) and, taken one
    at a time, would make a balance negative on the way.
    """
    changed = {
        ref: row
        for ref, row in rows.items()
        if row.kind == Kind.PAYMENT and state.split_of(ref) != row.split()
    }
    # One INSERT; the reversed rows come from events_in_force (not reversed yet) and the
    # one-to-one reversal_of column refuses a second reversal of any of them.
    ledger.post_entries(
        loan,
        [
            ledger.reversal_of(
                row,
                business_date=business_date,
                actor=actor,
                note="Replayed: split changed by a backdated event",
            )
            for row in changed.values()
        ],
    )
    return changed


def _repost_payments(loan, state: LoanState, changed: dict, business_date, actor) -> None:
    """Post the reversed payments again with their replayed split, linked as replayed."""
    ledger.post_entries(
        loan,
        [
            {
                "kind": Kind.PAYMENT,
                "effective_date": row.effective_date,
                "business_date": business_date,
                "split": state.split_of(ref),
                "actor": actor,
                "note": row.note,
                "external_reference": row.external_reference,
                "details": row.details,
                "replayed_from": row,
            }
            for ref, row in changed.items()
        ],
    )


def _post_accruals(loan, state: LoanState, closed_through, business_date, actor) -> None:
    wanted = {day: amount for day, amount in state.accruals if day <= closed_through}
    posted = dict(
        loan.ledger_entries.filter(kind=Kind.INTEREST_ACCRUAL).values_list(
            "effective_date", "interest"
        )
    )
    new_rows = [
        (day, amount) for day, amount in sorted(wanted.items()) if day not in posted and amount
    ]
    for day, amount in new_rows:
        ledger.post_entry(
            loan,
            kind=Kind.INTEREST_ACCRUAL,
            effective_date=day,
            business_date=business_date,
            split={"interest": amount},
            actor=actor,
        )
    adjusted = (
        loan.ledger_entries.filter(kind=Kind.ACCRUAL_ADJUSTMENT).aggregate(total=Sum("interest"))[
            "total"
        ]
        or ZERO
    )
    difference = (
        sum((wanted.get(day, ZERO) - amount for day, amount in posted.items()), ZERO) - adjusted
    )
    if difference:
        ledger.post_entry(
            loan,
            kind=Kind.ACCRUAL_ADJUSTMENT,
            effective_date=business_date,
            business_date=business_date,
            split={"interest": difference},
            actor=actor,
            note="Accrual recomputed by a backdated event",
        )


def _write_projections(loan: Loan, state: LoanState, business_date: dt.date) -> None:
    version = current_schedule_version(loan)
    upcoming = state.next_unbilled
    # A row unbilled in the replay and in the table is unchanged (nothing is paid on an
    # unbilled row): only billed rows and the next one are read, as tuples, and only the
    # rows whose projection changed are written.
    wanted = {bill.number for bill in state.bills if bill.billed}
    if upcoming:
        wanted.add(upcoming.number)
    installments = {
        row[0]: row
        for row in version.installments.filter(Q(billed=True) | Q(number__in=wanted)).values_list(
            "number", "pk", "total", *PROJECTED_FIELDS
        )
    }
    changed = []
    for bill in state.bills:
        if bill.number not in installments:
            continue  # unbilled on both sides
        _number, pk, _total, *current = installments[bill.number]
        values = (
            bill.billed,
            bill.principal,
            bill.interest,
            bill.paid_principal,
            bill.paid_interest,
            _status(bill),
        )
        if tuple(current) != values:
            changed.append((pk, *values))
    if changed:
        bulk_update(Installment, PROJECTED_FIELDS, changed)
    loan.dpd = state.dpd(business_date)
    loan.amount_due = state.amount_due
    loan.next_due_date = upcoming.due_date if upcoming else None
    loan.next_due_amount = installments[upcoming.number][2] if upcoming else ZERO


def _status(bill) -> str:
    if not bill.billed:
        return Installment.Status.PROJECTED
    if bill.is_paid:
        return Installment.Status.PAID
    if bill.paid_principal or bill.paid_interest:
        return Installment.Status.PARTIAL
    return Installment.Status.DUE


def check_balances(loan: Loan, state: LoanState) -> None:
    """The cached balances must equal the ledger's (an internal error otherwise)."""
    rebuilt = ledger.rebuild_balances(loan)
    cached = ledger.cached_balances(loan)
    if rebuilt != cached:
        raise AssertionError(f"loan {loan.loan_number}: cached {cached} != ledger {rebuilt}")
