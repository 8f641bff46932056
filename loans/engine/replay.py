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
from decimal import ROUND_HALF_UP, Decimal

from loans.engine.accrual import Window, window_day_units, window_unit_list
from loans.engine.allocation import allocate
from loans.engine.dates import period_before
from loans.engine.daycount import day_units
from loans.engine.default_interest import DefaultCarry, DefaultRun, DefaultTerms
from loans.engine.dues import amount_due, days_past_due
from loans.engine.mca import McaSchedule, McaTerms
from loans.engine.schedule import Schedule, Terms
from servicing.money import CENT, ZERO, to_decimal

_DECIMAL_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


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
    # (principal, interest) a row was billed before a backdated index correction: it keeps
    # them, and the interest it did not bill goes to the next row billed (spec/accrual.md).
    kept: tuple[Decimal, Decimal] | None = None


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
    default: DefaultTerms | None = None  # default (penal) interest; None: not charged


@dataclass(frozen=True, slots=True)
class Event:
    """An event: ``payment``, ``fee``, ``fee_waiver``, ``draw`` (a line of credit's funded
    draw: principal), ``escrow`` (escrow assessed: owed at loan level, paid by the
    hierarchy), ``reversal`` (of ``reverses``), or ``accrual_stop`` /
    ``accrual_resume`` (non-accrual set and lifted: no amount)."""

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
class Opening:
    """Period accrual sums, interest posted in the period, everything accrued so far, and
    the window and annual % the day accrues with (None: past maturity, the per diem)."""

    period_sums: tuple[tuple[int, Decimal], ...]
    period_posted: Decimal
    accrued: Decimal
    window: Window | None = None
    rate: Decimal = ZERO
    accruing: bool = True  # False while the loan is non-accrual
    default: DefaultCarry | None = None  # default interest's running sums (None: none)
    default_accrued: Decimal = ZERO  # every default-interest accrual so far
    carried: Decimal = ZERO  # interest a kept row did not bill, for the next row billed


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
    # Every accrual since funding added up (the daily rows and the fixed charges): with
    # ``accruals``, which lists the days replayed, what the days before them accrued.
    accrued: Decimal = ZERO
    # The accrual state of the day ``through`` before its accrual (after its billing and
    # events): a later event of that day continues from here (see ``opening_state``).
    opening: Opening | None = None
    accruing: bool = True  # spec/accrual.md: a non-accrual loan accrues nothing
    # Default interest (additional_interest bucket), like ``accruals`` and ``accrued``.
    default_accruals: tuple[tuple[date, Decimal], ...] = field(default=())
    default_accrued: Decimal = ZERO
    default: DefaultCarry | None = None
    carried: Decimal = ZERO
    escrow: Decimal = ZERO  # escrow assessed and not paid yet (loan level)

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
            billed,
            self.through,
            fees=self.fees,
            additional_interest=self.additional_interest,
            escrow=self.escrow,
        )

    @property
    def next_unbilled(self) -> Bill | None:
        return next((b for b in self.bills if not b.billed), None)


def accrue_day(
    sums: dict[int, Decimal],
    posted: Decimal,
    principal: Decimal,
    day: date,
    window: Window | None,
    rate: Decimal,
    day_count: str,
    frequency: str,
    *,
    units: tuple[int, int] | None = None,
) -> tuple[Decimal, Decimal]:
    """accrual.md: one day's interest on ``principal``; returns (the day's amount, the
    period's interest posted through the day). ``sums`` (the period's {basis: balance x
    day units}) is updated in place; ``units``: the day's (basis, units) if known.

    Posted through the day = round(rate x sums / (100 x basis), half-up), so the days of a
    period add up to the period's rounded interest. The replay and the close of business
    both accrue with this function.
    """
    if units is None:
        units = (
            day_units(day, day_count)
            if window is None
            else window_day_units(day, window, day_count, frequency)
        )
    basis, count = units
    if count:
        sums[basis] = sums.get(basis, _DECIMAL_ZERO) + principal * count
    exact = _DECIMAL_ZERO  # interest_from_sums: sum of rate x S / (100 x basis)
    for each_basis, total in sums.items():
        exact += rate * total / (_HUNDRED * each_basis)
    through = exact.quantize(CENT, rounding=ROUND_HALF_UP)
    return through - posted, through


class _Run:
    """Mutable working state of one replay (kept private: callers get a frozen LoanState)."""

    def __init__(self, terms: LoanTerms) -> None:
        self.terms = terms
        self.principal = ZERO
        self.interest = ZERO
        self.additional = ZERO
        self.fees = ZERO
        self.excess = ZERO
        self.escrow = ZERO
        self.bills = [Bill(row.number, row.due_date) for row in terms.rows]
        self.rows = {row.number: row for row in terms.rows}
        self.windows = _Windows(terms)
        self.cursor: int | None = 0 if self.bills else None
        self.fixed = any(row.fixed_interest is not None for row in terms.rows)
        self.accruing = True
        self.period_sums: dict[int, Decimal] = {}
        self.period_posted = ZERO
        self.accrued = ZERO
        self.accruals: list[tuple[date, Decimal]] = []
        self.splits: dict[str, tuple[tuple[str, Decimal], ...]] = {}
        self._convention = (terms.day_count, terms.frequency)
        self._window_units: dict[int, tuple[tuple[int, int], ...]] = {}
        self.default = DefaultRun(terms.default, terms.day_count) if terms.default else None
        self.carried = ZERO
        self._settled = 0  # bills before this index are billed and owe nothing (``open_bills``)
        self._settled_principal = ZERO  # their unpaid principal added up

    @classmethod
    def resume(cls, terms: LoanTerms, state: LoanState) -> _Run:
        """A run that continues from ``state`` (the day after ``state.through``)."""
        run = cls(terms)
        run.principal, run.interest, run.excess = state.principal, state.interest, state.excess
        run.additional, run.fees = state.additional_interest, state.fees
        run.escrow = state.escrow
        run.bills = list(state.bills)
        run.cursor = run.current
        run.period_sums, run.period_posted = dict(state.period_sums), state.period_posted
        run.accrued = state.accrued
        run.accruing = state.accruing
        run.accruals, run.splits = list(state.accruals), dict(state.splits)
        if run.default is not None:
            run.default.resume(state.default, state.default_accrued, state.default_accruals)
        run.carried = state.carried
        return run

    def opening(self) -> Opening:
        window, rate = self.accrual_terms()
        return Opening(
            tuple(sorted(self.period_sums.items())),
            self.period_posted,
            self.accrued,
            window,
            rate,
            self.accruing,
            *self._default_carry(),
            self.carried,
        )

    def _default_carry(self) -> tuple[DefaultCarry | None, Decimal]:
        if self.default is None:
            return None, ZERO
        return self.default.carry(), self.default.accrued

    def state(self, through: date, opening: Opening | None = None) -> LoanState:
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
            accrued=self.accrued,
            opening=opening,
            accruing=self.accruing,
            default_accruals=tuple(self.default.accruals) if self.default else (),
            default_accrued=self.default.accrued if self.default else ZERO,
            default=self.default.carry() if self.default else None,
            carried=self.carried,
            escrow=self.escrow,
        )

    def open_bills(self) -> tuple[int, list[Bill]]:
        """(start, the bills from ``start`` a payment or default interest may look at).

        Every bill before ``start`` is billed and owes nothing (``unpaid > 0`` is false)
        and never will again in this run: money only goes to a bill that owes, and only
        the bill at the cursor is billed next. So a payment on a long schedule looks at
        the bills still owing, not at every bill paid years ago (nor at those not billed).
        """
        bills = self.bills
        if not SETTLED_BILLS:
            return 0, list(bills)
        end = len(bills) if self.cursor is None else self.cursor
        start = self._settled
        while start < end and bills[start].billed and not bills[start].unpaid > 0:
            self._settled_principal += bills[start].unpaid_principal
            start += 1
        self._settled = start
        return start, bills[start:end]

    @property
    def current(self) -> int | None:
        """Index of the first installment not billed yet (rows are in due-date order)."""
        return next((i for i, b in enumerate(self.bills) if not b.billed), None)

    def bill_due(self, day: date) -> None:
        while self.cursor is not None and self.bills[self.cursor].due_date <= day:
            index, bill = self.cursor, self.bills[self.cursor]
            row = self.rows[bill.number]
            # spec: billed interest = interest accrued in the period; a kept row's difference
            # is added to the next row billed (its principal stays the payment's).
            carried_in, self.carried = self.carried, ZERO
            interest = self.period_posted + carried_in
            if row.kept is not None:
                principal, billed = row.kept
                self.carried = interest - billed
                self.bills[index] = replace(bill, billed=True, principal=principal, interest=billed)
                self._next_period(index)
                continue
            if interest < 0:  # a correction lowered more than the period accrued: carry on
                self.carried, interest = interest, ZERO
            if row.fixed_interest is not None:
                interest = row.fixed_interest  # recognized when billed, never accrued daily
                self.interest += interest
                self._recognize(day, interest)
            # Billed rows are the ones before the cursor (rows bill in order); the settled
            # ones' unpaid principal is kept added up (exact: cents in Decimal).
            owing = self.open_bills()[1]
            unbilled = self.principal - (
                self._settled_principal + sum((b.unpaid_principal for b in owing if b.billed), ZERO)
            )
            if index == len(self.bills) - 1:
                principal = unbilled  # the last row takes what is left
            elif row.interest_only:
                principal = ZERO
            else:
                principal = min(unbilled, max(ZERO, row.payment - (interest - carried_in)))
            # Bill(...), not dataclasses.replace: the same bill, built without the generic copy
            self.bills[index] = Bill(
                bill.number,
                bill.due_date,
                True,
                principal,
                interest,
                bill.paid_principal,
                bill.paid_interest,
            )
            self._next_period(index)

    def _next_period(self, index: int) -> None:
        self.period_sums = {}
        self.period_posted = ZERO
        self.cursor = next(
            (i for i in range(index + 1, len(self.bills)) if not self.bills[i].billed), None
        )

    def _recognize(self, day: date, amount: Decimal) -> None:
        """A fixed finance charge is the day's accrual (rows due the same day add up)."""
        self.accrued += amount
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
        if event.kind == "draw":  # spec/loc.md: accrues from its funded date
            self.principal += amount
            return
        if event.kind == "escrow":
            self.escrow += amount
            return
        if event.kind in ("accrual_stop", "accrual_resume"):
            self.accruing = event.kind == "accrual_resume"
            return
        if event.kind != "payment":
            raise ValueError(f"unknown event kind {event.kind!r}")
        # Only billed bills that owe take money: the same allocation as over all the bills.
        start, owing = self.open_bills()
        result = allocate(
            amount,
            bills=owing,
            fees=max(ZERO, self.fees - to_decimal(event.fees_reserved)),
            additional_interest=self.additional,
            escrow=self.escrow,
            hierarchy=event.hierarchy or self.terms.hierarchy,
            prepay_to_principal=self.terms.prepay_to_principal,
            principal_outstanding=self.principal,
        )
        self.bills[start : start + len(owing)] = result.bills
        self.fees -= result.split["fees"]
        self.additional -= result.split["additional_interest"]
        self.interest -= result.split["interest"]
        self.principal -= result.split["principal"]
        self.escrow -= result.split["escrow"]
        self.excess += result.split["excess"]
        self.splits[event.ref] = tuple(result.split.items())

    def accrue(self, day: date) -> None:
        """accrual.md: the day's interest on the principal after the day's events.

        Days with an event or a bill; the quiet days between go through ``accrue_quiet``.
        """
        index = self.cursor
        if index is None:  # past maturity: the per diem, at the last row's rate
            window, rate = None, self.rate(-1)
        else:
            window, rate = self.windows[index], self.rate(index)
        amount, self.period_posted = accrue_day(
            self.period_sums,
            self.period_posted,
            self.principal,
            day,
            window,
            rate,
            self.terms.day_count,
            self.terms.frequency,
            units=None if index is None else self._units_of(index, day),
        )
        self.interest += amount
        self.accrued += amount
        self.accruals.append((day, amount))

    def accrual_terms(self) -> tuple[Window | None, Decimal]:
        """The window and annual % the next accrual day uses."""
        index = self.cursor
        return (None, self.rate(-1)) if index is None else (self.windows[index], self.rate(index))

    @property
    def accrues(self) -> bool:
        """Daily interest runs: principal owed, not a factor-rate loan, not non-accrual."""
        return self.principal > 0 and not self.fixed and self.accruing

    @property
    def defaults(self) -> bool:
        """Default interest may accrue today: charged, accruing, and a bill is unpaid or
        a running default sum is left to settle."""
        run = self.default
        if run is None or not self.accruing:
            return False
        return run.live or any(b.billed and b.unpaid > 0 for b in self.open_bills()[1])

    def accrue_default(self, day: date) -> None:
        """accrual.md "Default (penal) interest": the day's additional interest."""
        amount = self.default.accrue(day, self.open_bills()[1], self.principal)
        self.additional += amount

    def rate(self, index: int) -> Decimal:
        """Row ``index``'s annual % (tiers); the loan's rate for a row without one, or
        past maturity (-1: the last row's) when there are no rows."""
        rows = self.terms.rows
        rate = rows[index].rate if rows else None
        return to_decimal(self.terms.rate if rate is None else rate)

    def _units_of(self, index: int, day: date) -> tuple[int, int]:
        """(basis, units) of ``day`` in window ``index``, from a per-window list."""
        window = self.windows[index]
        offset = (day - window.start).days
        units = self._units_list(index)
        if 0 <= offset < len(units):
            return units[offset]
        return window_day_units(day, window, *self._convention)

    def _units_list(self, index: int) -> tuple[tuple[int, int], ...]:
        units = self._window_units.get(index)
        if units is None:
            units = self._window_units[index] = window_unit_list(
                self.windows[index], *self._convention
            )
        return units

    def next_due(self) -> date | None:
        return None if self.cursor is None else self.bills[self.cursor].due_date

    def accrue_quiet(self, start: date, stop: date) -> None:
        """Accrue the days [start, stop): nothing is billed and no event applies on them.

        The same figures as ``accrue`` day by day. On a balance in cents and a rate in
        millionths of a percent, a period's accrual through a day in cents is the
        rational ``rate x S / (10^8 x basis)`` (S: sum of balance cents x day units);
        ``accrue`` rounds it to 28 digits before rounding half-up to the cent, and that
        first rounding cannot cross a half cent (the rational is either exactly on one,
        where Decimal is exact too, or at least 1/(2 x 10^8 x 366) cents away, far more
        than 28 digits' error). So the days are summed in integers here, when the period
        has a single day-count basis (two, e.g. across an ACT/ACT year end or a stub of
        another basis, go day by day).
        """
        fast = self._integer_span(start, stop)
        if fast is None:
            day = start
            while day < stop:
                self.accrue(day)
                day += timedelta(days=1)
            return
        basis, units, rate_units = fast
        cents = self.principal.scaleb(2)
        summed = self.period_sums.get(basis, _DECIMAL_ZERO).scaleb(2)
        posted = self.period_posted.scaleb(2)
        if not (_integral(cents) and _integral(summed) and _integral(posted)):
            day = start
            while day < stop:
                self.accrue(day)
                day += timedelta(days=1)
            return
        cents, summed, posted = int(cents), int(summed), int(posted)
        denominator = 10**8 * basis
        twice_rate, twice_denominator = 2 * rate_units, 2 * denominator
        posted_before = posted
        amounts = []
        for unit in units:
            summed += cents * unit
            through = (twice_rate * summed + denominator) // twice_denominator
            amounts.append(through - posted)
            posted = through
        total = posted - posted_before
        if summed or basis in self.period_sums:
            self.period_sums[basis] = Decimal(summed).scaleb(-2)
        self.period_posted = Decimal(posted).scaleb(-2)
        self.interest += Decimal(total).scaleb(-2)
        self.accrued += Decimal(total).scaleb(-2)
        decimals: dict[int, Decimal] = {}  # a span's daily amounts take few values
        for amount in set(amounts):
            decimals[amount] = Decimal(amount).scaleb(-2)
        first = start.toordinal()
        days = map(date.fromordinal, range(first, first + len(amounts)))
        self.accruals.extend(zip(days, map(decimals.__getitem__, amounts), strict=True))

    def _integer_span(self, start: date, stop: date) -> tuple[int, list[int], int] | None:
        """(basis, each day's units, rate in millionths of a percent) when [start, stop)
        can be summed in integers (see ``accrue_quiet``); else None."""
        index = self.cursor
        if index is None or not INTEGER_SPANS:
            return None
        window = self.windows[index]
        first, last = (start - window.start).days, (stop - window.start).days
        listed = self._units_list(index)
        if first < 0 or last > len(listed):
            return None
        span = listed[first:last]
        bases = {basis for basis, units in span if units} | set(self.period_sums)
        rate = self.rate(index).scaleb(6)
        if len(bases) != 1 or rate < 0 or not _integral(rate):
            return None
        return bases.pop(), [units for _, units in span], int(rate)


def _integral(value: Decimal) -> bool:
    return value == value.to_integral_value()


# Off: every day through ``accrue`` (tests compare the two).
INTEGER_SPANS = True
# Off: payments, billing and default interest look at every bill (tests compare the two).
SETTLED_BILLS = True


class _Windows:
    """Each row's accrual window: from the funded date, then from the previous due date.

    Built when asked for (a same-day payment needs one of 360).
    """

    def __init__(self, terms: LoanTerms) -> None:
        self.terms = terms
        self.built: dict[int, Window] = {}

    def __getitem__(self, index: int) -> Window:
        window = self.built.get(index)
        if window is None:
            rows = self.terms.rows
            if index == 0:
                regular_start = self.terms.regular_start or period_before(
                    rows[0].due_date, self.terms.frequency
                )
                window = Window(self.terms.funded_date, regular_start, rows[0].due_date)
            else:
                start = rows[index - 1].due_date
                window = Window(start, start, rows[index].due_date)
            self.built[index] = window
        return window


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
        elif event.kind == "payment" and event.fees_reserved != needed:
            event = replace(event, fees_reserved=needed)  # (most reserve nothing: kept as is)
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
    event_days = sorted(by_day)
    upcoming = 0  # index of the next event day in event_days
    day, opening = first_day, (since.opening if since is not None else None)
    one_day = timedelta(days=1)
    while day <= through:
        run.bill_due(day)
        for event in by_day.get(day, ()):
            run.apply(event)
        if day == through:
            opening = run.opening()
        if run.accrues:
            run.accrue(day)
        if run.defaults:
            run.accrue_default(day)
        day += one_day
        # The days before the next event, bill or ``through`` are quiet: accrued at once.
        while upcoming < len(event_days) and event_days[upcoming] < day:
            upcoming += 1
        stop = min(
            d
            for d in (
                through,
                event_days[upcoming] if upcoming < len(event_days) else None,
                run.next_due(),
            )
            if d is not None
        )
        if stop > day:
            if run.defaults:  # day by day (grace ends, the base's days): before the regular
                quiet = day  # accrual, which does not change what default interest sees
                while quiet < stop:
                    run.accrue_default(quiet)
                    quiet += one_day
            if run.accrues:
                run.accrue_quiet(day, stop)
            day = stop
    return run.state(through, opening)


def opening_state(
    day: date,
    *,
    principal: Decimal,
    interest: Decimal,
    additional_interest: Decimal,
    fees: Decimal,
    excess: Decimal,
    bills: tuple[Bill, ...],
    opening: Opening,
    escrow: Decimal = ZERO,
) -> LoanState:
    """The state in the middle of ``day``: billed and its events applied, not accrued.

    ``replay(terms, new_events_of_day, through, since=opening_state(...))`` applies more
    events of ``day`` after the ones already in the balances, then goes on as a replay from
    the start would: the rows due on ``day`` are already billed, so they are not billed
    twice.
    """
    if any(b.billed != (b.due_date <= day) for b in bills):
        raise ValueError(f"the bills due by {day.isoformat()}, and only those, must be billed")
    return LoanState(
        through=day - timedelta(days=1),
        principal=principal,
        interest=interest,
        additional_interest=additional_interest,
        fees=fees,
        excess=excess,
        bills=bills,
        period_sums=opening.period_sums,
        period_posted=opening.period_posted,
        accrued=opening.accrued,
        accruing=opening.accruing,
        default=opening.default,
        default_accrued=opening.default_accrued,
        carried=opening.carried,
        escrow=escrow,
    )


def replay_terms(terms: Terms, schedule: Schedule, **options) -> LoanTerms:
    """LoanTerms for a boarded projection (``options``: hierarchy, prepay_to_principal,
    default)."""
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
