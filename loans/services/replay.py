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
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from django.db.models import OuterRef, Q, Subquery, Sum

from loans import ledger
from loans.default_interest import loan_default_terms
from loans.engine.accrual import Window
from loans.engine.default_interest import DefaultCarry
from loans.engine.replay import (
    Bill,
    Event,
    LoanState,
    LoanTerms,
    Opening,
    ScheduledRow,
    opening_state,
    replay,
    reserve_waived_fees,
)
from loans.models import AccrualStatusChange, Installment, LedgerEntry, Loan
from loans.models.ledger import BUCKETS
from loans.registry import ESCROW_LISTENERS
from loans.selectors import current_schedule_version
from servicing.bulk import bulk_update
from servicing.errors import DomainError
from servicing.money import ZERO, round_cents

Kind = LedgerEntry.Kind
PROJECTED_FIELDS = (
    "billed",
    "billed_principal",
    "billed_interest",
    "paid_principal",
    "paid_interest",
    "status",
)
EVENT_KINDS = {
    Kind.PAYMENT: "payment",
    Kind.FEE_ASSESSED: "fee",
    Kind.FEE_WAIVED: "fee_waiver",
    Kind.DRAW: "draw",
    Kind.ESCROW_ASSESSED: "escrow",
}
# Events whose amount is the row's total (a fee or waiver: its fees part; an escrow
# assessment: its escrow part, which is all of it).
WHOLE_AMOUNT = (Kind.PAYMENT, Kind.DRAW, Kind.ESCROW_ASSESSED)


INSTALLMENT_COLUMNS = (
    "number",
    "due_date",
    "principal",
    "interest",
    "interest_only",
    "rate",
    "fixed_interest",
    "kept_billed",
    "pk",
    "total",
    *PROJECTED_FIELDS,
)


@dataclass(frozen=True)
class Schedule:
    """The current schedule version, read once per action: the replay's terms and each
    installment's stored projection ``(pk, total, billed, billed principal, billed
    interest, paid principal, paid interest, status)`` by number."""

    version_id: int
    terms: LoanTerms
    stored: dict[int, tuple]

    def bills(self) -> tuple[Bill, ...]:
        """The installments as the replay's bills (what the last replay wrote)."""
        return tuple(
            Bill(row.number, row.due_date, *self.stored[row.number][2:7]) for row in self.terms.rows
        )


def load_schedule(loan: Loan) -> Schedule:
    version = current_schedule_version(loan)
    # Tuples, not model instances: the 360 rows are read on every payment.
    rows = version.installments.order_by("number").values_list(*INSTALLMENT_COLUMNS)
    scheduled, stored = [], {}
    for number, due, principal, interest, interest_only, rate, fixed, kept, pk, *projection in rows:
        scheduled.append(
            ScheduledRow(
                number=number,
                due_date=due,
                payment=principal + interest,
                interest_only=interest_only,
                rate=rate,
                fixed_interest=interest if fixed else None,
                # billed (principal, interest): projection[2:4]
                kept=(projection[2], projection[3]) if kept else None,
            )
        )
        stored[number] = (pk, *projection)
    terms = LoanTerms(
        funded_date=loan.funded_date,
        principal=loan.loan_amount,
        rate=loan.interest_rate,
        day_count=loan.day_count,
        rows=tuple(scheduled),
        hierarchy=loan.payment_hierarchy,
        prepay_to_principal=loan.prepay_to_principal,
        frequency=loan.payment_frequency,
        regular_start=version.period_start,
        default=loan_default_terms(loan),
    )
    return Schedule(version.pk, terms, stored)


def loan_terms(loan: Loan) -> LoanTerms:
    """The replay's terms from the current schedule version's rows (what boarding stored)."""
    return load_schedule(loan).terms


class EventRow(NamedTuple):
    """An event's ledger row as the replay reads it (a tuple, not a model instance: a
    backdated replay reads every payment of the loan): what it applies, its split, and
    what a re-post copies. ``reversal_id``: the row reversing it, None while it stands."""

    pk: int
    kind: str
    effective_date: dt.date
    posted_at: dt.datetime
    replayed_from_id: int | None
    amount: Decimal
    principal: Decimal
    interest: Decimal
    additional_interest: Decimal
    fees: Decimal
    escrow: Decimal
    excess: Decimal
    note: str
    external_reference: str
    details: dict
    reversal_id: int | None

    def split(self) -> dict[str, Decimal]:
        """As ``LedgerEntry.split``."""
        return {bucket: getattr(self, bucket) for bucket in BUCKETS}


def events_in_force(loan: Loan, *, extra: list[Event] = ()) -> tuple[list[Event], dict]:
    """Payments not reversed, fees and waivers, in (effective date, posted, id) order.

    A re-posted (replayed) payment keeps the place of the payment it replaces.
    Returns the events and the ledger rows they came from (``EventRow``), by ref.
    """
    # One query: every event row with whether it was reversed (reversed payments are
    # still needed to find a re-posted payment's first posting).
    rows = list(
        map(
            EventRow._make,
            loan.ledger_entries.filter(kind__in=EVENT_KINDS)
            .annotate(reversal_id=ledger_reversal_id())
            .order_by("id")
            .values_list(*EventRow._fields),
        )
    )
    by_id = {row.pk: row for row in rows if row.kind == Kind.PAYMENT}

    def root(row: EventRow) -> EventRow:
        while row.replayed_from_id and row.replayed_from_id in by_id:
            row = by_id[row.replayed_from_id]
        return row

    keyed = []
    for row in rows:
        if row.reversal_id is None:
            first = root(row)
            keyed.append(((row.effective_date, first.posted_at, first.pk), row))
    # Non-accrual set and lifted: events of their day, in the order they happened.
    for change in loan.accrual_status_changes.all():
        keyed.append(((change.effective_date, change.created_at, 0), change))
    keyed.sort(key=lambda pair: pair[0])
    events = [_event(row) for _, row in keyed]
    events.extend(extra)
    events.sort(key=lambda e: e.effective_date)  # stable: same-day order is kept
    events = reserve_waived_fees(events)  # a posted waiver's amount never changes
    return events, {str(row.pk): row for _, row in keyed if isinstance(row, EventRow)}


def _event(row: EventRow | AccrualStatusChange) -> Event:
    if isinstance(row, AccrualStatusChange):
        kind = "accrual_stop" if row.non_accrual else "accrual_resume"
        return Event(
            ref=f"accrual-{row.pk}", kind=kind, effective_date=row.effective_date, amount=ZERO
        )
    return Event(
        ref=str(row.pk),
        kind=EVENT_KINDS[row.kind],
        effective_date=row.effective_date,
        amount=row.amount if row.kind in WHOLE_AMOUNT else row.fees,
        hierarchy=row.details.get("hierarchy"),
    )


def ledger_reversal_id() -> Subquery:
    """The id of the row reversing each row (None when it stands): a subquery."""
    return Subquery(LedgerEntry.objects.filter(reversal_of=OuterRef("pk")).values("pk")[:1])


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
    changed = _reverse_changed_payments(loan, state, rows, business_date, actor)
    _post_accruals(loan, state, _closed_through(loan, terms, business_date), business_date, actor)
    _repost_payments(loan, state, changed, business_date, actor)
    return _finish(loan, state, schedule, business_date, actor)


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
    _repost_changed_payments(loan, state, rows, business_date, actor)
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


def carry_json(
    opening: Opening, business_date: dt.date, version_id: int, *, charged: bool = False
) -> dict:
    """``Loan.carry``: the opening of ``business_date`` (the close of business reads it).
    ``charged``: the loan is charged default interest."""
    window = opening.window
    return {
        "date": business_date.isoformat(),
        "version": version_id,
        "sums": [[basis, str(total)] for basis, total in opening.period_sums],
        "posted": str(opening.period_posted),
        "accrued": str(opening.accrued),
        "window": window
        and [window.start.isoformat(), window.regular_start.isoformat(), window.end.isoformat()],
        "rate": str(opening.rate),
        "accruing": opening.accruing,
        # Default interest: charged on this loan ("di"), its running episode, its total.
        "di": charged,
        "default": default_json(opening.default),
        "default_accrued": str(opening.default_accrued),
        "carried": str(opening.carried),
    }


def default_json(carry: DefaultCarry | None) -> dict | None:
    if carry is None:
        return None
    return {
        "sums": [[basis, str(total)] for basis, total in carry.sums],
        "posted": str(carry.posted),
        "pending": [
            [key, [[basis, str(total)] for basis, total in sums]] for key, sums in carry.pending
        ],
    }


def _default_carry(data: dict | None) -> DefaultCarry | None:
    if not data:
        return None
    return DefaultCarry(
        _sums(data["sums"]),
        Decimal(data["posted"]),
        tuple((int(key), _sums(sums)) for key, sums in data["pending"]),
    )


def _sums(pairs: list) -> tuple[tuple[int, Decimal], ...]:
    return tuple((int(basis), Decimal(total)) for basis, total in pairs)


def opening_from_json(carry: dict) -> Opening:
    window = carry["window"]
    return Opening(
        tuple((int(basis), Decimal(total)) for basis, total in carry["sums"]),
        Decimal(carry["posted"]),
        Decimal(carry["accrued"]),
        window and window_from_json(*window),
        _rate(carry["rate"]),
        carry.get("accruing", True),
        _default_carry(carry.get("default")),
        Decimal(carry.get("default_accrued", "0")),
        Decimal(carry.get("carried", "0")),
    )


@lru_cache(maxsize=4096)
def window_from_json(start: str, regular_start: str, end: str) -> Window:
    """Windows recur across a portfolio's carries (the close of business reads them all)."""
    return Window(*map(dt.date.fromisoformat, (start, regular_start, end)))


@lru_cache(maxsize=4096)
def _rate(text: str) -> Decimal:
    return Decimal(text)


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
    closed_through = _closed_through(loan, schedule.terms, business_date)
    _post_accruals(loan, state, closed_through, business_date, actor, since=since)
    return _finish(loan, state, schedule, business_date, actor)


def _closed_through(loan: Loan, terms: LoanTerms, business_date: dt.date) -> dt.date:
    """The last day whose accrual is posted: the day before the business date; a
    factor-rate charge is recognized when billed, before that day's payments apply to it
    (daily interest of a day belongs to that day's close of business)."""
    if any(row.fixed_interest is not None for row in terms.rows):
        return business_date
    return max(loan.last_closed_date, business_date - dt.timedelta(days=1))


def _finish(
    loan: Loan, state: LoanState, schedule: Schedule | None, business_date: dt.date, actor=None
) -> LoanState:
    version_id = _write_projections(loan, state, business_date, schedule)
    opening = state.opening if state.through == business_date else None
    charged = loan_default_terms(loan) is not None
    loan.carry = opening and carry_json(opening, business_date, version_id, charged=charged)
    loan.last_closed_date = max(loan.last_closed_date, business_date - dt.timedelta(days=1))
    loan.save()
    if getattr(loan, "escrow_moved", False):  # a payment's escrow part moved (loans.ledger)
        loan.escrow_moved = False
        for listener in ESCROW_LISTENERS:
            listener(loan, business_date=business_date, actor=actor)
    return state


def _repost_changed_payments(loan, state: LoanState, rows: dict, business_date, actor) -> None:
    """Reverse and re-post the payments whose split the replay changed: one INSERT, every
    reversal before any re-post (see ``_reverse_changed_payments``)."""
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


def _reverse_changed_payments(loan, state: LoanState, rows: dict, business_date, actor) -> dict:
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


def _repost_payments(loan, state: LoanState, changed: dict, business_date, actor) -> None:
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


def _post_accruals(
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


def check_balances(loan: Loan, state: LoanState) -> None:
    """The cached balances must equal the ledger's (an internal error otherwise)."""
    rebuilt = ledger.rebuild_balances(loan)
    cached = ledger.cached_balances(loan)
    if rebuilt != cached:
        raise AssertionError(f"loan {loan.loan_number}: cached {cached} != ledger {rebuilt}")
