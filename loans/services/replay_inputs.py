"""What a replay reads of a loan: the current schedule version as the engine's terms (and
each installment's stored projection), and the ledger's events in force in replay order.
A payment reads these on every post, so they are read as tuples, not model instances."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db.models import OuterRef, Subquery

from loans.default_interest import loan_default_terms
from loans.engine.replay import Bill, Event, LoanTerms, ScheduledRow, reserve_waived_fees
from loans.models import AccrualStatusChange, Installment, LedgerEntry, Loan
from loans.models.ledger import BUCKETS
from loans.selectors import current_schedule_version
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
    # Tuples, not model instances, and the version's own columns on each row (one query,
    # not two): the 360 rows are read on every payment.
    rows = list(
        Installment.objects.filter(schedule_version__loan=loan, schedule_version__is_current=True)
        .order_by("number")
        .values_list(*INSTALLMENT_COLUMNS, "schedule_version_id", "schedule_version__period_start")
    )
    if rows:
        version_id, period_start = rows[0][-2:]
    else:  # a version with no rows yet (a line of credit before its first draw)
        version = current_schedule_version(loan)
        version_id, period_start = version.pk, version.period_start
    scheduled, stored = [], {}
    for number, due, principal, interest, interest_only, rate, fixed, kept, pk, *rest in rows:
        projection = rest[:-2]  # the version's two columns end each row
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
        regular_start=period_start,
        default=loan_default_terms(loan),
    )
    return Schedule(version_id, terms, stored)


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
