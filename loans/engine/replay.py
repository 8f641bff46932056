"""Replay: a pure function from (terms, events in effective order) to the loan's state.

spec/loans.md "Billing" and spec/accrual.md "Daily interest accrual". For each day D
from the funded date through ``through``:
1. installments due on D are billed (interest = what accrued over their period, principal
   = scheduled payment - interest for level rows, 0 for interest-only rows, what is left
   unbilled for the last row);
2. the events effective on D apply (payments allocated by hierarchy, fees, waivers);
3. day D accrues interest on the principal outstanding after those events, posted as
   round(cumulative exact accrual of the period through D) - round(through D - 1), so
   the daily rows of a period add up to the period's rounded interest (no penny drift).
The same function serves boarding catch-up, payments, backdating and rebuilds; given a
prior state (``since``) it continues from it, which equals replaying from the start.
A ``reversal`` event removes the event it names: the loan is replayed without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from loans.engine.accrual import Window, add_day
from loans.engine.allocation import allocate
from loans.engine.dates import period_before
from loans.engine.daycount import interest_from_sums
from loans.engine.dues import amount_due, days_past_due
from loans.engine.mca import McaSchedule, McaTerms
from loans.engine.schedule import Schedule, Terms
from servicing.money import ZERO, round_cents, to_decimal


@dataclass(frozen=True, slots=True)
class ScheduledRow:
    """A projected installment: its due date, scheduled payment and kind."""

    number: int
    due_date: date
    payment: Decimal  # projected principal + interest (what a level row asks for)
    interest_only: bool = False
    rate: Decimal | None = None  # the row's annual % (tiers); None: the loan's rate
    # spec/loans.md: MCA and custom rows have their finance charge fixed by the schedule.
    fixed_interest: Decimal | None = None


@dataclass(frozen=True, slots=True)
class LoanTerms:
    funded_date: date
    principal: Decimal
    rate: Decimal
    day_count: str
    rows: tuple[ScheduledRow, ...]
    hierarchy: str = "system"
    prepay_to_principal: bool = False
    frequency: str = "monthly"
    # Start of the first regular period (``Schedule.regular_start``): days before it are the
    # broken period. None: one period before the first row's due date.
    regular_start: date | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """A money event: ``payment``, ``fee``, ``fee_waiver`` or ``reversal`` (of ``reverses``)."""

    ref: str
    kind: str
    effective_date: date
    amount: Decimal
    hierarchy: str | None = None
    reverses: str | None = None  # reversal: the ref of the event it removes
    # payment: fees it leaves unpaid because a later waiver forgives them (reserve_waived_fees)
    fees_reserved: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Bill:
    number: int
    due_date: date
    billed: bool = False
    principal: Decimal = ZERO  # billed principal
    interest: Decimal = ZERO  # billed interest
    paid_principal: Decimal = ZERO
    paid_interest: Decimal = ZERO

    @property
    def unpaid_principal(self) -> Decimal:
        return self.principal - self.paid_principal

    @property
    def unpaid_interest(self) -> Decimal:
        return self.interest - self.paid_interest

    @property
    def unpaid(self) -> Decimal:
        return self.unpaid_principal + self.unpaid_interest

    @property
    def is_paid(self) -> bool:
        return self.billed and self.unpaid == 0


@dataclass(frozen=True, slots=True)
class LoanState:
    through: date
    principal: Decimal
    interest: Decimal  # accrued, unpaid (billed or not)
    additional_interest: Decimal
    fees: Decimal
    excess: Decimal
    bills: tuple[Bill, ...]
    accruals: tuple[tuple[date, Decimal], ...] = field(default=())
    splits: tuple[tuple[str, tuple[tuple[str, Decimal], ...]], ...] = field(default=())
    # The accrual of the period not yet billed, so that a later replay can continue from here.
    period_sums: tuple[tuple[int, Decimal], ...] = field(default=())
    period_posted: Decimal = ZERO

    def split_of(self, ref: str) -> dict[str, Decimal]:
        return dict(dict(self.splits)[ref])

    def dpd(self, as_of: date) -> int:
        """Days past due: as_of - due date of the oldest billed installment not fully paid."""
        return days_past_due([b for b in self.bills if b.billed], as_of)

    @property
    def amount_due(self) -> Decimal:
        """Unpaid parts of billed installments + fees + additional interest."""
        billed = [b for b in self.bills if b.billed]
        return amount_due(
            billed, self.through, fees=self.fees, additional_interest=self.additional_interest
        )

    @property
    def next_unbilled(self) -> Bill | None:
        return next((b for b in self.bills if not b.billed), None)


class _Run:
    """Mutable working state of one replay (kept private: callers get a frozen LoanState)."""

    def __init__(self, terms: LoanTerms) -> None:
        self.terms = terms
        self.principal = ZERO
        self.interest = ZERO
        self.additional = ZERO
        self.fees = ZERO
        self.excess = ZERO
        self.bills = [Bill(row.number, row.due_date) for row in terms.rows]
        self.rows = {row.number: row for row in terms.rows}
        self.windows = _windows(terms)
        self.cursor: int | None = 0 if self.bills else None
        self.fixed = any(row.fixed_interest is not None for row in terms.rows)
        self.period_sums: dict[int, Decimal] = {}
        self.period_posted = ZERO
        self.accruals: list[tuple[date, Decimal]] = []
        self.splits: dict[str, tuple[tuple[str, Decimal], ...]] = {}

    @classmethod
    def resume(cls, terms: LoanTerms, state: LoanState) -> _Run:
        """A run that continues from ``state`` (the day after ``state.through``)."""
        run = cls(terms)
        run.principal, run.interest, run.excess = state.principal, state.interest, state.excess
        run.additional, run.fees = state.additional_interest, state.fees
        run.bills = list(state.bills)
        run.cursor = run.current
        run.period_sums, run.period_posted = dict(state.period_sums), state.period_posted
        run.accruals, run.splits = list(state.accruals), dict(state.splits)
        return run

    def state(self, through: date) -> LoanState:
        return LoanState(
            through=through,
            principal=self.principal,
            interest=self.interest,
            additional_interest=self.additional,
            fees=self.fees,
            excess=self.excess,
            bills=tuple(self.bills),
            accruals=tuple(self.accruals),
            splits=tuple(self.splits.items()),
            period_sums=tuple(sorted(self.period_sums.items())),
            period_posted=self.period_posted,
        )

    @property
    def current(self) -> int | None:
        """Index of the first installment not billed yet (rows are in due-date order)."""
        return next((i for i, b in enumerate(self.bills) if not b.billed), None)

    def bill_due(self, day: date) -> None:
        while self.cursor is not None and self.bills[self.cursor].due_date <= day:
            index, bill = self.cursor, self.bills[self.cursor]
            row = self.rows[bill.number]
            interest = self.period_posted  # spec: billed interest = interest accrued in the period
            if row.fixed_interest is not None:
                interest = row.fixed_interest  # recognized when billed, never accrued daily
                self.interest += interest
                self._recognize(day, interest)
            unbilled = self.principal - sum(
                (b.unpaid_principal for b in self.bills if b.billed), ZERO
            )
            if index == len(self.bills) - 1:
                principal = unbilled  # the last row takes what is left
            elif row.interest_only:
                principal = ZERO
            else:
                principal = min(unbilled, max(ZERO, row.payment - interest))
            self.bills[index] = replace(bill, billed=True, principal=principal, interest=interest)
            self.period_sums = {}
            self.period_posted = ZERO
            self.cursor = self.current

    def _recognize(self, day: date, amount: Decimal) -> None:
        """A fixed finance charge is the day's accrual (rows due the same day add up)."""
        if self.accruals and self.accruals[-1][0] == day:
            amount += self.accruals.pop()[1]
        self.accruals.append((day, amount))

    def apply(self, event: Event) -> None:
        amount = to_decimal(event.amount)
        if event.kind == "fee":
            self.fees += amount
            return
        if event.kind == "fee_waiver":
            self.fees -= min(amount, self.fees)
            return
        if event.kind != "payment":
            raise ValueError(f"unknown event kind {event.kind!r}")
        result = allocate(
            amount,
            bills=self.bills,
            fees=max(ZERO, self.fees - to_decimal(event.fees_reserved)),
            additional_interest=self.additional,
            hierarchy=event.hierarchy or self.terms.hierarchy,
            prepay_to_principal=self.terms.prepay_to_principal,
            principal_outstanding=self.principal,
        )
        self.bills = list(result.bills)
        self.fees -= result.split["fees"]
        self.additional -= result.split["additional_interest"]
        self.interest -= result.split["interest"]
        self.principal -= result.split["principal"]
        self.excess += result.split["excess"]
        self.splits[event.ref] = tuple(result.split.items())

    def accrue(self, day: date) -> None:
        """accrual.md: the day's interest on the principal after the day's events."""
        index = self.cursor
        window = None if index is None else self.windows[index]
        # Past maturity the last row's rate goes on (a tiered loan ends on its last tier).
        row = self.terms.rows[-1 if index is None else index] if self.terms.rows else None
        rate = None if row is None else row.rate
        terms = self.terms
        add_day(self.period_sums, self.principal, day, window, terms.day_count, terms.frequency)
        exact = interest_from_sums(terms.rate if rate is None else rate, self.period_sums)
        posted_through = round_cents(exact)
        amount = posted_through - self.period_posted
        self.period_posted = posted_through
        self.interest += amount
        self.accruals.append((day, amount))


def _windows(terms: LoanTerms) -> list[Window]:
    """Each row's accrual window: from the funded date, then from the previous due date."""
    if not terms.rows:
        return []
    regular_start = terms.regular_start or period_before(terms.rows[0].due_date, terms.frequency)
    windows, start, period_start = [], terms.funded_date, regular_start
    for row in terms.rows:
        windows.append(Window(start, period_start, row.due_date))
        start = period_start = row.due_date
    return windows


def reserve_waived_fees(events: list[Event]) -> list[Event]:
    """``events`` (in applying order) with each payment's ``fees_reserved`` set.

    A posted waiver's amount is fixed (its ledger row never changes) and was at most the
    fees outstanding when it was posted. A payment replayed before it (backdated, or
    re-split) must not pay fees that waiver forgives, or the waiver would forgive more
    than is owed: it leaves them unpaid and its money goes to the next buckets.
    For events in posting order (no backdating) the reserve never binds.
    """
    out: list[Event] = []
    needed = ZERO  # max over later waivers w of (waived through w - assessed through w)
    for event in reversed(events):
        if event.kind == "fee_waiver":
            needed += to_decimal(event.amount)
        elif event.kind == "fee":
            needed = max(ZERO, needed - to_decimal(event.amount))
        elif event.kind == "payment":
            event = replace(event, fees_reserved=needed)
        out.append(event)
    return out[::-1]


def in_force(events: list[Event], through: date) -> list[Event]:
    """The events without reversals effective by ``through`` and the events they remove."""
    reversals = [e for e in events if e.kind == "reversal" and e.effective_date <= through]
    removed = {e.reverses for e in reversals}
    return [e for e in events if e.kind != "reversal" and e.ref not in removed]


def replay(
    terms: LoanTerms, events: list[Event], through: date, *, since: LoanState | None = None
) -> LoanState:
    """Apply ``events`` (in effective date, posted, id order) day by day through ``through``.

    ``since``: continue from that state with the events effective after its date.
    """
    if since is None:
        run, first_day = _Run(terms), terms.funded_date
        run.principal = to_decimal(terms.principal)
    else:
        run, first_day = _Run.resume(terms, since), since.through + timedelta(days=1)
        if any(e.reverses in run.splits for e in events if e.kind == "reversal"):
            raise ValueError("a reversal replays from before the event it removes")
    by_day: dict[date, list[Event]] = {}
    for event in in_force(events, through):
        if event.effective_date < first_day:
            raise ValueError(f"event {event.ref} is effective before {first_day.isoformat()}")
        by_day.setdefault(event.effective_date, []).append(event)
    day = first_day
    while day <= through:
        run.bill_due(day)
        for event in by_day.get(day, ()):
            run.apply(event)
        if run.principal > 0 and not run.fixed:
            run.accrue(day)
        day += timedelta(days=1)
    return run.state(through)


def replay_terms(terms: Terms, schedule: Schedule, **options) -> LoanTerms:
    """LoanTerms for a boarded projection (``options``: hierarchy, prepay_to_principal)."""
    rows = tuple(
        ScheduledRow(row.number, row.due_date, row.total, row.interest_only, row.rate)
        for row in schedule.rows
    )
    return LoanTerms(
        funded_date=terms.funded_date,
        principal=to_decimal(terms.principal),
        rate=to_decimal(terms.rate),
        day_count=terms.day_count,
        rows=rows,
        frequency=terms.frequency,
        regular_start=schedule.regular_start,
        **options,
    )


def mca_replay_terms(terms: McaTerms, schedule: McaSchedule, **options) -> LoanTerms:
    """LoanTerms for an MCA: the loan amount, rows with their fixed finance charge."""
    rows = tuple(
        ScheduledRow(row.number, row.due_date, row.total, fixed_interest=row.interest)
        for row in schedule.rows
    )
    return LoanTerms(
        funded_date=terms.funded_date,
        principal=schedule.loan_amount,
        rate=ZERO,
        day_count="ACT/360",
        rows=rows,
        frequency=terms.frequency,
        **options,
    )
