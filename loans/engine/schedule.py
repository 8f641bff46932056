"""Amortization schedules (spec/loans.md "Schedule math"): equated, interest only, tiered.

``build_schedule(terms)`` returns the boarding projection. Amounts are rounded half-up
to the cent at the points the spec names: the level payment and each row's interest
(once per row, over the row's accrual window: see ``loans.engine.accrual``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from loans.engine.accrual import Window, window_interest
from loans.engine.dates import check_frequency, due_dates, period_before
from loans.engine.daycount import check_convention, periodic_rate
from loans.engine.errors import ScheduleError
from servicing.money import ZERO, round_cents, to_decimal

__all__ = [
    "Row",
    "Schedule",
    "Terms",
    "Tier",
    "build_schedule",
    "first_period_start",
    "level_payment",
    "periodic_rate",
]


@dataclass(frozen=True, slots=True)
class Tier:
    payment_start_date: date
    number_of_payments: int
    schedule_type: str  # fixed_payment | interest_only
    rate: Decimal  # annual %, already index + spread clamped for variable tiers
    payment_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Terms:
    principal: Decimal
    funded_date: date
    first_payment_date: date
    number_of_payments: int
    rate: Decimal
    day_count: str = "30/360"
    frequency: str = "monthly"
    schedule_type: str = "equated"  # equated | interest_only | tiered
    broken_period: str = "merged"  # merged | separate
    tiers: tuple[Tier, ...] = ()
    adjustment: str = "none"


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    balance_after: Decimal
    fees: Decimal = ZERO
    escrow: Decimal = ZERO
    interest_only: bool = False  # billed with no principal (interest-only and stub rows)
    rate: Decimal | None = None  # annual % the row's interest accrues at

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees + self.escrow


@dataclass(frozen=True, slots=True)
class Schedule:
    rows: tuple[Row, ...]
    payment: Decimal  # the level payment of the first fixed-payment rows (0 if none)
    stub_interest: Decimal = ZERO  # broken-period interest (negative: a short first period)
    notes: tuple[str, ...] = field(default=())
    regular_start: date | None = None  # start of the first regular period

    @property
    def maturity_date(self) -> date:
        return self.rows[-1].due_date


def level_payment(rate_per_period: Decimal, n: int, principal: Decimal) -> Decimal:
    """PMT: P x i / (1 - (1 + i)^-n), rounded half-up to the cent (P / n when i = 0)."""
    if n < 1:
        raise ScheduleError("number of payments must be at least 1")
    principal = to_decimal(principal)
    i = to_decimal(rate_per_period)
    if i == 0:
        return round_cents(principal / n)
    return round_cents(principal * i / (1 - (1 + i) ** -n))


def first_period_start(first_payment_date: date, frequency: str) -> date:
    """The regular first period starts one period before the first payment date."""
    return period_before(first_payment_date, frequency)


def _validate(terms: Terms) -> None:
    check_convention(terms.day_count)
    check_frequency(terms.frequency)
    if to_decimal(terms.principal) < 0:  # 0: a line of credit before its first draw
        raise ScheduleError("funded amount cannot be negative")
    if terms.first_payment_date <= terms.funded_date:
        raise ScheduleError("first payment date must be after the funded date")
    if terms.number_of_payments < 1:
        raise ScheduleError("number of payments must be at least 1")
    if to_decimal(terms.rate) < 0:
        raise ScheduleError("interest rate cannot be negative")
    if terms.broken_period not in ("merged", "separate"):
        raise ScheduleError("broken_period must be merged or separate")


def build_schedule(terms: Terms) -> Schedule:
    """The boarding projection of an equated, interest-only or tiered loan."""
    _validate(terms)
    if terms.schedule_type == "tiered":
        from loans.engine.tiers import tier_segments

        segments = tier_segments(terms)
    elif terms.schedule_type in ("equated", "interest_only"):
        segments = [
            Tier(
                payment_start_date=terms.first_payment_date,
                number_of_payments=terms.number_of_payments,
                schedule_type="fixed_payment"
                if terms.schedule_type == "equated"
                else "interest_only",
                rate=to_decimal(terms.rate),
            )
        ]
    else:
        raise ScheduleError(f"schedule type {terms.schedule_type!r} is not amortized here")
    if any(to_decimal(s.rate) < 0 for s in segments):
        raise ScheduleError("interest rate cannot be negative")
    return _amortize(terms, segments)


def _stub_row(terms: Terms, regular_start: date, rate: Decimal) -> Row:
    """spec/loans.md `separate`: the broken period as an extra interest-only installment."""
    balance = to_decimal(terms.principal)
    window = Window(terms.funded_date, regular_start, regular_start)
    interest = window_interest(balance, rate, window, terms.day_count, terms.frequency)
    return Row(
        1, regular_start, ZERO, round_cents(interest), balance, interest_only=True, rate=rate
    )


def _amortize(terms: Terms, segments: list[Tier]) -> Schedule:
    balance = to_decimal(terms.principal)
    regular_start = first_period_start(terms.first_payment_date, terms.frequency)
    # seed 002: `separate` adds a row (n + 1) when the first tier is fixed-payment; after an
    # interest-only first tier the broken period stays merged into its first row.
    separate = (
        terms.broken_period == "separate"
        and terms.funded_date < regular_start
        and segments[0].schedule_type == "fixed_payment"
    )
    rows: list[Row] = [_stub_row(terms, regular_start, segments[0].rate)] if separate else []
    window_start = regular_start if separate else terms.funded_date
    period_start = regular_start
    last_number = len(rows) + sum(s.number_of_payments for s in segments)
    level = ZERO
    for index, segment in enumerate(segments):
        payment = _segment_payment(terms, segment, balance, index == len(segments) - 1)
        level = level or payment
        for due in due_dates(
            segment.payment_start_date,
            segment.number_of_payments,
            terms.frequency,
            adjustment=terms.adjustment,
        ):
            window = Window(window_start, period_start, due)
            row = _row(terms, segment, payment, balance, window, len(rows) + 1, last_number)
            rows.append(row)
            balance = row.balance_after
            window_start = period_start = due
    stub = rows[0].interest if separate else _merged_stub(terms, regular_start, rows[0], segments)
    return Schedule(tuple(rows), level, stub, regular_start=regular_start)


def _row(
    terms: Terms,
    segment: Tier,
    payment: Decimal,
    balance: Decimal,
    window: Window,
    number: int,
    last_number: int,
) -> Row:
    """Interest over the window; principal = payment - regular interest, 0 (IO) or the rest."""
    interest = round_cents(
        window_interest(balance, segment.rate, window, terms.day_count, terms.frequency)
    )
    last = number == last_number
    interest_only = segment.schedule_type == "interest_only"
    if last:
        principal = balance  # spec/loans.md: the last payment clears the balance
    elif interest_only:
        principal = ZERO
    else:
        # A merged broken period adds its interest to the row, not to its principal.
        regular = interest
        if window.start != window.regular_start:
            regular = round_cents(_regular_interest(terms, balance, segment.rate, window))
        principal = min(balance, max(ZERO, payment - regular))
    return Row(
        number,
        window.end,
        principal,
        interest,
        balance - principal,
        ZERO,
        ZERO,
        interest_only and not last,
        segment.rate,
    )


def _regular_interest(terms: Terms, balance: Decimal, rate: Decimal, window: Window) -> Decimal:
    """Interest of the window's regular period alone (without a broken period)."""
    regular = Window(window.regular_start, window.regular_start, window.end)
    return window_interest(balance, rate, regular, terms.day_count, terms.frequency)


def _merged_stub(terms: Terms, regular_start: date, first: Row, segments: list[Tier]) -> Decimal:
    """Broken-period interest inside the first row (negative for a short first period)."""
    balance, rate = to_decimal(terms.principal), segments[0].rate
    window = Window(terms.funded_date, regular_start, first.due_date)
    whole = window_interest(balance, rate, window, terms.day_count, terms.frequency)
    return round_cents(whole - _regular_interest(terms, balance, rate, window))


def _segment_payment(terms: Terms, segment: Tier, balance: Decimal, is_last: bool) -> Decimal:
    if segment.schedule_type == "interest_only":
        return ZERO
    if segment.payment_amount is not None:
        return to_decimal(segment.payment_amount)
    if not is_last and terms.schedule_type == "tiered":
        raise ScheduleError(
            "payment_amount is required on a fixed-payment tier that is not the last"
        )
    # seed 002: the last tier's payment amortizes what is left over that tier
    return level_payment(
        periodic_rate(segment.rate, terms.frequency), segment.number_of_payments, balance
    )
