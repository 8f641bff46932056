"""Merchant cash advance schedules (spec/loans.md "MCA", seed 002).

A factor-rate product: the payback is fixed at boarding and every row's split between
principal and finance charge is fixed by the schedule (accrual only recognizes it).
Rows reuse ``schedule.Row``: ``interest`` holds the row's finance charge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext

from loans.engine.dates import check_frequency, due_dates
from loans.engine.errors import ScheduleError
from loans.engine.schedule import Row
from servicing.dates import BusinessCalendar
from servicing.money import ZERO, round_cents, split_evenly, to_decimal

ALLOCATIONS = ("straight", "reducing_balance", "custom")


@dataclass(frozen=True, slots=True)
class CustomRow:
    """A third party's row (seed 002 "MCA with custom amortization")."""

    due_date: date
    amount: Decimal
    principal: Decimal
    finance_charge: Decimal


@dataclass(frozen=True, slots=True)
class McaTerms:
    funded_amount: Decimal
    factor_rate: Decimal
    number_of_payments: int
    funded_date: date
    first_payment_date: date
    frequency: str = "daily"
    amortised_fees: Decimal = ZERO  # fees marked "Amortised": repaid as principal
    allocation: str = "straight"  # straight | reducing_balance | custom
    custom_rows: tuple[CustomRow, ...] = ()
    adjustment: str = "none"  # business-day adjustment of non-daily due dates
    extra_holidays: tuple[date, ...] = ()  # ops holidays for the daily business calendar


@dataclass(frozen=True, slots=True)
class McaSchedule:
    rows: tuple[Row, ...]
    loan_amount: Decimal
    payback: Decimal
    payment: Decimal  # the regular payment (the last one may differ by the rounding)
    payment_rate: Decimal | None = None  # reducing_balance only: RATE(n, -payment, L)

    @property
    def finance_charge(self) -> Decimal:
        return self.payback - self.loan_amount


def loan_amount(funded_amount: Decimal, amortised_fees: Decimal = ZERO) -> Decimal:
    """Seed 002: loan amount L = funded amount + fees marked amortised."""
    return round_cents(to_decimal(funded_amount) + to_decimal(amortised_fees))


def payback_amount(funded_amount: Decimal, factor_rate: Decimal) -> Decimal:
    """Seed 002: payback = funded amount x factor rate, rounded half-up to the cent."""
    return round_cents(to_decimal(funded_amount) * to_decimal(factor_rate))


def mca_payments(payback: Decimal, n: int) -> list[Decimal]:
    """Payment = round(payback / n) half-up; the last one makes the payments add to payback."""
    return split_evenly(to_decimal(payback), n)


def _annuity_value(rate: Decimal, n: int, payment: Decimal) -> Decimal:
    """Present value of n payments at a rate per payment (n x payment at rate 0)."""
    if rate == 0:
        return payment * n
    return payment * (1 - (1 + rate) ** -n) / rate


def payment_rate(n: int, payment: Decimal, present_value: Decimal) -> Decimal:
    """Excel RATE(n, -payment, pv) by bisection to 1e-30: the rate per payment, >= 0."""
    payment, present_value = to_decimal(payment), to_decimal(present_value)
    if n < 1 or payment <= 0 or present_value <= 0:
        raise ScheduleError("RATE needs a positive number of payments, payment and loan amount")
    if payment * n < present_value:
        raise ScheduleError("the payments add up to less than the loan amount")
    if payment * n == present_value:
        return Decimal(0)
    with localcontext() as ctx:
        ctx.prec = 60
        # The annuity's value falls as the rate rises; at payment / pv it is below pv.
        low, high = Decimal(0), payment / present_value
        while high - low > Decimal("1e-32"):
            middle = (low + high) / 2
            if _annuity_value(middle, n, payment) > present_value:
                low = middle
            else:
                high = middle
        rate = (low + high) / 2
    return +rate  # back to the ambient 28 significant digits


def _dates(terms: McaTerms) -> list[date]:
    calendar = BusinessCalendar(terms.extra_holidays)
    return due_dates(
        terms.first_payment_date,
        terms.number_of_payments,
        terms.frequency,
        calendar=calendar,
        adjustment=terms.adjustment,
    )


def _rows(dates: Sequence[date], payments: Sequence[Decimal], charges: Sequence[Decimal], amount):
    rows, balance = [], amount
    for number, (due, payment, charge) in enumerate(zip(dates, payments, charges, strict=True), 1):
        principal = payment - charge
        if principal < 0:
            raise ScheduleError(f"row {number}: the payment does not cover its finance charge")
        balance -= principal
        rows.append(Row(number, due, principal, charge, balance))
    return tuple(rows)


def straight_charges(finance_charge: Decimal, n: int) -> list[Decimal]:
    """MCA straight: finance charge / n half-up on each row, the remainder on the last."""
    return _absorb_negative_last(split_evenly(finance_charge, n))


def reducing_balance_charges(
    payments: Sequence[Decimal], amount: Decimal, rate: Decimal
) -> list[Decimal]:
    """MCA reducing balance: charge = round(ending principal of the row before x i).

    The first row uses the loan amount; the last row takes the rest of the finance charge.
    """
    finance_charge = sum(payments, ZERO) - amount
    charges, ending = [], amount
    for payment in payments[:-1]:
        charge = round_cents(ending * rate)
        charges.append(charge)
        ending -= payment - charge
    charges.append(finance_charge - sum(charges, ZERO))
    return _absorb_negative_last(charges)


def _absorb_negative_last(charges: list[Decimal]) -> list[Decimal]:
    """Keep every charge >= 0 when rounding up leaves the last row less than nothing.

    When each share was rounded up, "the rest of the finance charge" for the last row can
    fall below zero; the shortfall is taken back from the rows before it, latest first
    (their principal grows by as much), so every sum is unchanged.
    """
    shortfall = -charges[-1] if charges[-1] < 0 else ZERO
    if not shortfall:
        return charges
    charges = [*charges[:-1], ZERO]
    for index in range(len(charges) - 2, -1, -1):
        taken = min(shortfall, charges[index])
        charges[index] -= taken
        shortfall -= taken
        if not shortfall:
            break
    return charges


def validate_custom_rows(
    rows: Sequence[CustomRow], payback: Decimal, amount: Decimal, funded_date: date
) -> None:
    """Custom MCA rows: cents, amount = principal + charge, dates rising, sums = payback and L."""
    if not rows:
        raise ScheduleError("a custom MCA schedule needs at least one row")
    previous = funded_date
    for number, row in enumerate(rows, 1):
        values = (to_decimal(row.amount), to_decimal(row.principal), to_decimal(row.finance_charge))
        if any(value != round_cents(value) for value in values):
            raise ScheduleError(f"row {number}: amounts must be in whole cents")
        if values[1] < 0 or values[2] < 0:
            raise ScheduleError(f"row {number}: principal and finance charge cannot be negative")
        if values[0] != values[1] + values[2]:
            raise ScheduleError(
                f"row {number}: amount {values[0]} is not principal {values[1]} "
                f"+ finance charge {values[2]}"
            )
        if row.due_date <= previous:
            raise ScheduleError(f"row {number}: dates must be after the funded date and rising")
        previous = row.due_date
    total = sum((to_decimal(r.amount) for r in rows), ZERO)
    principal = sum((to_decimal(r.principal) for r in rows), ZERO)
    if total != payback:
        raise ScheduleError(f"the rows add up to {total}, not the payback {payback}")
    if principal != amount:
        raise ScheduleError(f"the rows' principal adds up to {principal}, not the loan {amount}")


def _check(terms: McaTerms) -> None:
    check_frequency(terms.frequency)
    if terms.allocation not in ALLOCATIONS:
        raise ScheduleError(f"MCA allocation must be one of {', '.join(ALLOCATIONS)}")
    if to_decimal(terms.funded_amount) <= 0:
        raise ScheduleError("funded amount must be positive")
    if to_decimal(terms.factor_rate) < 1:
        raise ScheduleError("the factor rate must be at least 1")
    if terms.allocation == "custom":
        if terms.custom_rows and len(terms.custom_rows) != terms.number_of_payments:
            raise ScheduleError(
                f"{len(terms.custom_rows)} custom rows for {terms.number_of_payments} payments"
            )
        return
    if terms.number_of_payments < 1:
        raise ScheduleError("number of payments must be at least 1")
    if terms.first_payment_date <= terms.funded_date:
        raise ScheduleError("first payment date must be after the funded date")


def build_mca_schedule(terms: McaTerms) -> McaSchedule:
    """The MCA schedule for straight, reducing_balance or custom allocation."""
    _check(terms)
    amount = loan_amount(terms.funded_amount, terms.amortised_fees)
    payback = payback_amount(terms.funded_amount, terms.factor_rate)
    if payback < amount:
        raise ScheduleError(f"payback {payback} is less than the loan amount {amount}")
    if terms.allocation == "custom":
        custom = terms.custom_rows
        validate_custom_rows(custom, payback, amount, terms.funded_date)
        dates = [r.due_date for r in custom]
        payments = [to_decimal(r.amount) for r in custom]
        rows = _rows(dates, payments, [to_decimal(r.finance_charge) for r in custom], amount)
        return McaSchedule(rows, amount, payback, payments[0])
    payments = mca_payments(payback, terms.number_of_payments)
    rate = None
    if terms.allocation == "straight":
        charges = straight_charges(payback - amount, terms.number_of_payments)
    else:
        rate = payment_rate(terms.number_of_payments, payments[0], amount)
        charges = reducing_balance_charges(payments, amount, rate)
    rows = _rows(_dates(terms), payments, charges, amount)
    return McaSchedule(rows, amount, payback, payments[0], rate)
