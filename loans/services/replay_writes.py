"""What a replay writes: payments whose split changed reversed and re-posted (linked as
replayed), accrual days posted and trued up, the installments' projections, DPD, amount
due and next due, and the carry. Nothing posted is updated or deleted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q, Sum

from loans import ledger
from loans.default_interest import loan_default_terms
from loans.engine.replay import LoanState, LoanTerms
from loans.models import Installment, LedgerEntry, Loan
from loans.registry import ESCROW_LISTENERS
from loans.selectors import current_schedule_version
from loans.services.carry import carry_json
from loans.services.replay_inputs import PROJECTED_FIELDS, Schedule
from servicing.bulk import bulk_update
from servicing.money import ZERO, round_cents

Kind = LedgerEntry.Kind


def posted_through(loan: Loan, terms: LoanTerms, business_date: dt.date) -> dt.date:
    """The last day whose accrual is posted: the day before the business date; a
    factor-rate charge is recognized when billed, before that day's payments apply to it
    (daily interest of a day belongs to that day's close of business)."""
    if any(row.fixed_interest is not None for row in terms.rows):
        return business_date
    return max(loan.last_closed_date, business_date - dt.timedelta(days=1))


def finish(
    loan: Loan, state: LoanState, schedule: Schedule | None, business_date: dt.date, actor=None
) -> LoanState:
    version_id = _write_projections(loan, state, business_date, schedule)
    opening = state.opening if state.through == business_date else None
    charged = loan_default_terms(loan) is not None
    loan.carry = opening and carry_json(opening, business_date, version_id, charged=charged)
    loan.last_closed_date = max(loan.last_closed_date, business_date - dt.timedelta(days=1))
    loan.save_changed()  # the balances, projections and carry: not the loan's ~40 terms
    if getattr(loan, "escrow_moved", False):  # a payment's escrow part moved (loans.ledger)
        loan.escrow_moved = False
        for listener in ESCROW_LISTENERS:
            listener(loan, business_date=business_date, actor=actor)
    return state


def repost_changed_payments(loan, state: LoanState, rows: dict, business_date, actor) -> None:
    """Reverse and re-post the payments whose split the replay changed: one INSERT, every
    reversal before any re-post (see ``reverse_changed_payments``)."""
    changed = _changed_payments(state, rows)
    ledger.post_entries(
        loan,
        [
            *_reversals(changed, business_date, actor),
            *_reposts(state, changed, business_date, actor),
        ],
    )


def _changed_payments(state: LoanState, rows: dict) -> dict:
    """The payment rows (by ref) whose split the replay changed."""
    splits = dict(state.splits)  # ``split_of`` once per payment would rebuild it each time
    return {
        ref: row
        for ref, row in rows.items()
        if row.kind == Kind.PAYMENT and dict(splits[ref]) != row.split()
    }


def reverse_changed_payments(loan, state: LoanState, rows: dict, business_date, actor) -> dict:
    """Reverse every payment whose split the replay changed; return them by ref.

    All are reversed before any is re-posted: a re-post may take what another payment's
    old split still holds (or interest the true-up has not posted yet) and, taken one
    at a time, would make a balance negative on the way.
    """
    changed = _changed_payments(state, rows)
    ledger.post_entries(loan, _reversals(changed, business_date, actor))
    return changed


def _reversals(changed: dict, business_date, actor) -> list[dict]:
    # The reversed rows come from events_in_force (not reversed yet) and the one-to-one
    # reversal_of column refuses a second reversal of any of them.
    return [
        ledger.reversal_of(
            row,
            business_date=business_date,
            actor=actor,
            note="Replayed: split changed by a backdated event",
        )
        for row in changed.values()
    ]


def repost_payments(loan, state: LoanState, changed: dict, business_date, actor) -> None:
    """Post the reversed payments again with their replayed split, linked as replayed."""
    ledger.post_entries(loan, _reposts(state, changed, business_date, actor))


def _reposts(state: LoanState, changed: dict, business_date, actor) -> list[dict]:
    splits = dict(state.splits)
    return [
        {
            "kind": Kind.PAYMENT,
            "effective_date": row.effective_date,
            "business_date": business_date,
            "split": dict(splits[ref]),
            "actor": actor,
            "note": row.note,
            "external_reference": row.external_reference,
            "details": row.details,
            "replayed_from": row,
        }
        for ref, row in changed.items()
    ]


# (ledger kind, bucket, the state's daily rows, the state's total, adjustment note)
REGULAR = (
    Kind.INTEREST_ACCRUAL,
    "interest",
    "accruals",
    "accrued",
    "Accrual recomputed by a backdated event",
)
DEFAULT = (
    Kind.DEFAULT_INTEREST_ACCRUAL,
    "additional_interest",
    "default_accruals",
    "default_accrued",
    "Default interest recomputed by a backdated event",
)


def post_accruals(
    loan, state: LoanState, closed_through, business_date, actor, *, since=None
) -> None:
    """Post the replay's accrual days not posted yet, regular and default interest; true
    up the posted ones.

    Each kind up to its closed day. The true-up is one adjustment: what the replay accrued
    through that day (the state's total less the days after) minus what the ledger's
    accrual rows and earlier adjustments hold, less the rows posted now. ``since``: days
    before it are settled (posted, and adjusted by earlier true-ups); a same-day event
    (``since`` after the closed day) changes no posted day. Both kinds' totals are read
    in one pass, before anything is posted (what is posted now is added here), and every
    row goes in one INSERT, in the order: regular days, their adjustment, default days,
    theirs.
    """
    kinds = [(REGULAR, closed_through)]
    if loan_default_terms(loan) is not None or state.default_accrued:
        # Default interest of a day is always that day's close of business (no fixed charge).
        kinds.append((DEFAULT, max(loan.last_closed_date, business_date - dt.timedelta(days=1))))
    plans = [
        (accrual, closed, _recent_days(getattr(state, accrual[2]), closed, since))
        for accrual, closed in kinds
        if since is None or since <= closed
    ]
    if not plans:
        return
    posted = _posted_days(loan, plans)
    totals = _accrual_totals(loan, [accrual for accrual, _, _ in plans])
    rows = []
    for accrual, closed, recent in plans:
        kind, bucket, rows_name, total_name, note = accrual
        new_rows = [(day, amount) for day, amount in recent if amount and day not in posted[kind]]
        rows.extend(
            {
                "kind": kind,
                "effective_date": day,
                "business_date": business_date,
                "split": {bucket: amount},
                "actor": actor,
            }
            for day, amount in new_rows
        )
        wanted = getattr(state, total_name) - sum(
            (amount for day, amount in getattr(state, rows_name) if day > closed), ZERO
        )
        # What the ledger will hold of this kind once the new days are in.
        ledger_total = sum((round_cents(amount) for _, amount in new_rows), totals[kind])
        difference = wanted - ledger_total
        if difference:
            rows.append(
                {
                    "kind": Kind.ACCRUAL_ADJUSTMENT,
                    "effective_date": business_date,
                    "business_date": business_date,
                    "split": {bucket: difference},
                    "actor": actor,
                    "note": note,
                }
            )
    ledger.post_entries(loan, rows)


def _recent_days(days, closed_through, since) -> list[tuple[dt.date, Decimal]]:
    """The replay's accrual days up to ``closed_through``, from ``since`` when given."""
    return [
        (day, amount)
        for day, amount in days
        if day <= closed_through and (since is None or day >= since)
    ]


def _posted_days(loan, plans) -> dict[str, set[dt.date]]:
    """The days each kind has an accrual row for, from its first recent day on."""
    posted = {}
    for (kind, *_), _closed, recent in plans:
        posted[kind] = set()
        if recent:  # else no day to post: nothing to look up
            rows = loan.ledger_entries.filter(kind=kind, effective_date__gte=recent[0][0])
            posted[kind].update(rows.values_list("effective_date", flat=True))
    return posted


def _accrual_totals(loan, accruals) -> dict[str, Decimal]:
    """What the ledger holds of each kind of accrual: its rows plus the adjustments of
    its bucket (one pass over the loan's rows)."""
    sums = {}
    for kind, bucket, *_ in accruals:  # each kind has its own bucket
        sums[f"{bucket}_posted"] = Sum(bucket, filter=Q(kind=kind))
        sums[f"{bucket}_adjusted"] = Sum(bucket, filter=Q(kind=Kind.ACCRUAL_ADJUSTMENT))
    totals = loan.ledger_entries.aggregate(**sums)
    # Cents in, cents out (SQLite sums decimals as floats: rounding restores the cents).
    return {
        kind: round_cents(totals[f"{bucket}_posted"] or ZERO)
        + round_cents(totals[f"{bucket}_adjusted"] or ZERO)
        for kind, bucket, *_ in accruals
    }


def _write_projections(
    loan: Loan, state: LoanState, business_date: dt.date, schedule: Schedule | None
) -> int:
    """Installments (billed, paid, status), DPD, amount due and next due from ``state``;
    returns the schedule version's id."""
    upcoming = state.next_unbilled
    if schedule is not None:
        version_id, installments = schedule.version_id, schedule.stored
    else:
        version = current_schedule_version(loan)
        # A row unbilled in the replay and in the table is unchanged (nothing is paid on
        # an unbilled row): only billed rows and the next one are read.
        wanted = {bill.number for bill in state.bills if bill.billed}
        if upcoming:
            wanted.add(upcoming.number)
        version_id = version.pk
        installments = {
            row[0]: row[1:]
            for row in version.installments.filter(
                Q(billed=True) | Q(number__in=wanted)
            ).values_list("number", "pk", "total", *PROJECTED_FIELDS)
        }
    changed = []
    for bill in state.bills:
        if bill.number not in installments:
            continue  # unbilled on both sides
        pk, _total, *current = installments[bill.number]
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
    loan.oldest_unpaid_due = oldest_unpaid_due(state)
    # The business date's default interest is its close's (like its regular accrual).
    loan.amount_due = state.amount_due - (
        dict(state.default_accruals).get(business_date, ZERO)
        if state.through >= business_date
        else ZERO
    )
    loan.next_due_date = upcoming.due_date if upcoming else None
    loan.next_due_amount = installments[upcoming.number][1] if upcoming else ZERO
    return version_id


def oldest_unpaid_due(state: LoanState) -> dt.date | None:
    """Due date of the oldest billed installment not fully paid (DPD counts from it)."""
    return next((bill.due_date for bill in state.bills if bill.billed and bill.unpaid > 0), None)


def _status(bill) -> str:
    if not bill.billed:
        return Installment.Status.PROJECTED
    if bill.is_paid:
        return Installment.Status.PAID
    if bill.paid_principal or bill.paid_interest:
        return Installment.Status.PARTIAL
    return Installment.Status.DUE
