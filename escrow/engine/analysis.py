"""Escrow analysis, aggregate method (spec/escrow.md "Escrow analysis"; 12 CFR 1024.17(c),
(d), (f), (i) and Appendix E to Part 1024, "Arithmetic Steps", Example I).

``analyze(AnalysisInput) -> Analysis`` runs the spec's seven steps on the accounts that
take part (the caller gathers their projected disbursements, see ``projection``):

1. D: the disbursements of the computation year (12 months from the month of the first
   installment due after the effective date), by month.
2. P = D / 12 rounded half-up to the cent; the twelfth deposit absorbs the rounding so
   the 12 deposits add up to D exactly (1024.17(c)(1)(i): one-twelfth of the year's
   disbursements).
3. C = min(cushion months x P, D / 6 rounded down to the cent): two months' payments by
   default (1024.17(d)(1)(i)(C)), never above one-sixth of D (1024.17(c)(1)(ii),
   (d)(1)(ii)); rounding down keeps it within the limit.
4. Step 1: a trial balance from 0, each month's deposit then its disbursement, month-end
   balances (Appendix E, 1024.17(d)(1)(i)(A)). Step 2: A, the amount that lifts the
   lowest month-end balance to zero (0 if none is negative; the earliest month is the low
   point on ties) (1024.17(d)(1)(i)(B)). Step 3: targets = Step 1 + A + C
   (1024.17(d)(1)(i)(C)); the required starting balance is A + C.
5. B, the projected balance at the start of the year (``projection``):
   B > A + C is a surplus, B < A + C a shortage; B < 0 is a deficiency of -B and the
   shortage is then measured from 0 (deficiency first, HUD's 1995 guidance).
6. Handling by 1024.17(f)(2)-(f)(4), "one month's payment" being the new P.
7. Exempt from the annual statement when more than 30 days past due, in foreclosure or
   in bankruptcy (1024.17(i)(2)); such loans are analyzed all the same.

Cents: every amount has two places. P, shortage / months, deficiency / months and a
credited surplus / 12 are rounded half-up and their last month absorbs the rounding, so
each set of instalments adds up to its total exactly (``servicing.money.split_evenly``).
With D under 0.66 the rounding can leave the twelfth deposit negative; escrow items are
never that small.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal

from escrow.engine.projection import Disbursement, month_index, month_label, month_start
from loans.engine.dates import add_months
from servicing.money import CENT, ZERO, round_cents, split_evenly

SMALL_SURPLUS = ("refund", "credit")  # 1024.17(f)(2)(i): under $50, refund or credit
SMALL_SHORTAGE = ("spread", "demand")  # 1024.17(f)(3)(i): under one month's payment
SMALL_DEFICIENCY = ("spread", "demand")  # 1024.17(f)(4)(i): under one month's payment
REFUND_THRESHOLD = Decimal("50.00")  # 1024.17(f)(2)(i)
PAST_DUE_LIMIT_DAYS = 30  # 1024.17(f)(2)(ii) "current"; (i)(2) exemption
WITHIN_DAYS = 30  # refunds and demands: within 30 days of the analysis
MONTHS = 12


@dataclass(frozen=True, slots=True)
class AnalysisOptions:
    """Product (or loan) settings of the analysis."""

    cushion_months: int = 2  # 0 allowed; C never exceeds D / 6 whatever the months
    small_surplus: str = "refund"  # a surplus under $50: refund | credit
    small_shortage: str = "spread"  # a shortage under one month's payment: spread | demand
    shortage_months: int = 12  # 1024.17(f)(3): at least 12
    small_deficiency: str = "spread"  # a deficiency under one month's payment: spread | demand
    deficiency_months: int = 2  # 1024.17(f)(4): two or more

    def __post_init__(self) -> None:
        for name, allowed in (
            ("small_surplus", SMALL_SURPLUS),
            ("small_shortage", SMALL_SHORTAGE),
            ("small_deficiency", SMALL_DEFICIENCY),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}")
        if self.cushion_months < 0:
            raise ValueError("cushion months cannot be negative")
        if self.shortage_months < MONTHS:
            raise ValueError("a shortage is spread over at least 12 months (1024.17(f)(3))")
        if self.deficiency_months < 2:
            raise ValueError("a deficiency is spread over 2 or more months (1024.17(f)(4))")


@dataclass(frozen=True, slots=True)
class AnalysisInput:
    """What the analysis needs: dates, the year's disbursements, B, the loan's status."""

    effective_date: date
    first_due_date: date  # the first installment due after the effective date
    disbursements: tuple[Disbursement, ...]  # all inside the computation year
    starting_balance: Decimal  # B (``projection.projected_starting_balance``)
    current_payment: Decimal = ZERO  # today's monthly escrow payment
    days_past_due: int = 0
    in_foreclosure: bool = False
    in_bankruptcy: bool = False
    options: AnalysisOptions = field(default_factory=AnalysisOptions)

    def __post_init__(self) -> None:
        if self.first_due_date <= self.effective_date:
            raise ValueError("the first due date must be after the effective date")
        if self.days_past_due < 0:
            raise ValueError("days past due cannot be negative")
        object.__setattr__(self, "disbursements", tuple(self.disbursements))
        object.__setattr__(self, "starting_balance", round_cents(self.starting_balance))
        object.__setattr__(self, "current_payment", round_cents(self.current_payment))
        for each in self.disbursements:
            if not 0 <= month_index(self.first_due_date, each.due_date) < MONTHS:
                raise ValueError(f"disbursement on {each.due_date} is outside the year")


@dataclass(frozen=True, slots=True)
class Row:
    """One row of Appendix E's table; row 0 is the start (no deposit or disbursement)."""

    number: int
    month: str  # YYYY-MM; row 0 is the month before the computation year
    deposit: Decimal
    disbursement: Decimal
    step1: Decimal  # trial balance from 0
    step2: Decimal  # step1 + A
    step3: Decimal  # step1 + A + C: the target balance
    projected: Decimal  # B + deposits - disbursements to date


@dataclass(frozen=True, slots=True)
class Action:
    """What to do about a surplus, shortage or deficiency, and the rule behind it."""

    code: str  # refund_surplus credit_surplus retain_surplus spread_shortage ...
    amount: Decimal
    rule: str  # the paragraph of 12 CFR 1024.17
    within_days: int = 0  # refund or demand: within 30 days of the analysis
    installments: tuple[Decimal, ...] = ()  # a spread or credit: month by month


@dataclass(frozen=True, slots=True)
class NewPayment:
    """The new monthly escrow payment of one month of the computation year."""

    number: int  # 1..12
    month: str
    base: Decimal  # the month's deposit (P; the twelfth absorbs the rounding)
    shortage: Decimal
    deficiency: Decimal
    credit: Decimal  # a small surplus credited against the payment (subtracted)
    total: Decimal


@dataclass(frozen=True, slots=True)
class Analysis:
    """The analysis: the figures, Appendix E's 13 rows, the actions and the new payment."""

    first_month: str
    total_disbursements: Decimal  # D
    base_payment: Decimal  # P
    cushion: Decimal  # C
    adjustment: Decimal  # A (Step 2)
    low_point_month: str
    required_balance: Decimal  # A + C
    starting_balance: Decimal  # B
    surplus: Decimal
    shortage: Decimal
    deficiency: Decimal
    rows: tuple[Row, ...]
    actions: tuple[Action, ...]
    payments: tuple[NewPayment, ...]  # the 12 months of the computation year
    new_payment: Decimal  # P + shortage / months - credit / 12 (first month's shares)
    deficiency_payment: Decimal  # new_payment + deficiency / n during its first n months
    deficiency_months: int  # n (0: no deficiency spread)
    current_payment: Decimal
    current: bool  # no payment more than 30 days late (1024.17(f)(2)(ii))
    exempt: bool  # no annual statement (1024.17(i)(2))


def base_deposits(total: Decimal) -> list[Decimal]:
    """P = D / 12 half-up, 12 deposits adding up to D (the twelfth absorbs the rounding)."""
    return split_evenly(total, MONTHS)


def cushion(base_payment: Decimal, total: Decimal, months: int) -> Decimal:
    """C = min(months x P, D / 6 rounded down): 1024.17(c)(1)(ii), (d)(1)(i)(C)."""
    return min(months * base_payment, (total / 6).quantize(CENT, rounding=ROUND_DOWN))


def trial_balance(deposits: Iterable[Decimal], disbursements: Iterable[Decimal]) -> list[Decimal]:
    """Step 1: month-end balances from 0, the month's deposit then its disbursement."""
    out, running = [], ZERO
    for deposit, paid in zip(deposits, disbursements, strict=True):
        running += deposit - paid
        out.append(running)
    return out


def low_point(balances: list[Decimal]) -> tuple[int, Decimal]:
    """Step 2: the low point (earliest month on ties) and A, the amount lifting it to 0."""
    lowest = min(balances)
    return balances.index(lowest), max(ZERO, -lowest)


def split_balance(starting: Decimal, required: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """(surplus, shortage, deficiency) of B against A + C; below 0, the deficiency comes
    first and the shortage is measured from 0 (spec step 5)."""
    if starting < 0:
        return ZERO, required, -starting
    if starting < required:
        return ZERO, required - starting, ZERO
    return starting - required, ZERO, ZERO


def analyze(inputs: AnalysisInput) -> Analysis:
    """The aggregate escrow analysis of ``inputs`` (spec steps 1-7)."""
    options = inputs.options
    first = month_start(inputs.first_due_date)
    paid = [ZERO] * MONTHS
    for each in inputs.disbursements:
        paid[month_index(first, each.due_date)] += each.amount
    total = sum(paid, ZERO)
    deposits = base_deposits(total)
    base = deposits[0]
    cush = cushion(base, total, options.cushion_months)
    step1 = trial_balance(deposits, paid)
    low, lift = low_point(step1)
    required = lift + cush
    starting = inputs.starting_balance
    surplus, shortage, deficiency = split_balance(starting, required)
    current = inputs.days_past_due <= PAST_DUE_LIMIT_DAYS
    actions = _handle(surplus, shortage, deficiency, base=base, current=current, options=options)
    months = [month_label(add_months(first, k)) for k in range(-1, MONTHS)]
    payments = _payments(months[1:], deposits, actions)
    spread = next((a for a in actions if a.code == "spread_deficiency"), None)
    first_payment = payments[0]
    regular = first_payment.total - first_payment.deficiency
    return Analysis(
        first_month=months[1],
        total_disbursements=total,
        base_payment=base,
        cushion=cush,
        adjustment=lift,
        low_point_month=months[low + 1],
        required_balance=required,
        starting_balance=starting,
        surplus=surplus,
        shortage=shortage,
        deficiency=deficiency,
        rows=_rows(months, deposits, paid, step1, lift, cush, starting),
        actions=actions,
        payments=payments,
        new_payment=regular,
        deficiency_payment=first_payment.total,
        deficiency_months=len(spread.installments) if spread else 0,
        current_payment=inputs.current_payment,
        current=current,
        exempt=(
            inputs.days_past_due > PAST_DUE_LIMIT_DAYS
            or inputs.in_foreclosure
            or inputs.in_bankruptcy
        ),
    )


def _rows(months, deposits, paid, step1, lift, cush, starting) -> tuple[Row, ...]:
    rows = [Row(0, months[0], ZERO, ZERO, ZERO, lift, lift + cush, starting)]
    projected = starting
    for k in range(MONTHS):
        projected += deposits[k] - paid[k]
        balance = step1[k]
        rows.append(
            Row(
                k + 1,
                months[k + 1],
                deposits[k],
                paid[k],
                balance,
                balance + lift,
                balance + lift + cush,
                projected,
            )
        )
    return tuple(rows)


def _handle(
    surplus: Decimal,
    shortage: Decimal,
    deficiency: Decimal,
    *,
    base: Decimal,
    current: bool,
    options: AnalysisOptions,
) -> tuple[Action, ...]:
    """1024.17(f)(2)-(f)(4): the deficiency's action first, then the shortage's.

    "Allow it to exist and do nothing" ((f)(3)(i)(A), (f)(4)(i)(A)) is not offered. For a
    borrower not current (f)(4)(iii) leaves a deficiency to the loan documents: the same
    actions are proposed and ``Analysis.current`` tells the caller."""
    actions = []
    if surplus > 0:
        actions.append(_surplus_action(surplus, current=current, options=options))
    if deficiency > 0:
        if deficiency < base and options.small_deficiency == "demand":
            actions.append(
                Action("demand_deficiency", deficiency, "1024.17(f)(4)(i)(B)", WITHIN_DAYS)
            )
        else:
            rule = "1024.17(f)(4)(i)(C)" if deficiency < base else "1024.17(f)(4)(ii)"
            parts = tuple(split_evenly(deficiency, options.deficiency_months))
            actions.append(Action("spread_deficiency", deficiency, rule, installments=parts))
    if shortage > 0:
        if shortage < base and options.small_shortage == "demand":
            actions.append(Action("demand_shortage", shortage, "1024.17(f)(3)(i)(B)", WITHIN_DAYS))
        else:
            rule = "1024.17(f)(3)(i)(C)" if shortage < base else "1024.17(f)(3)(ii)(B)"
            parts = tuple(split_evenly(shortage, options.shortage_months))
            actions.append(Action("spread_shortage", shortage, rule, installments=parts))
    return tuple(actions)


def _surplus_action(surplus: Decimal, *, current: bool, options: AnalysisOptions) -> Action:
    """1024.17(f)(2): refund within 30 days when $50 or more (a borrower not current:
    the servicer may retain it); under $50, refund or credit it against next year's
    payments (spread over the year's 12 payments)."""
    if not current:
        return Action("retain_surplus", surplus, "1024.17(f)(2)(ii)")
    if surplus >= REFUND_THRESHOLD or options.small_surplus == "refund":
        return Action("refund_surplus", surplus, "1024.17(f)(2)(i)", WITHIN_DAYS)
    return Action(
        "credit_surplus",
        surplus,
        "1024.17(f)(2)(i)",
        installments=tuple(split_evenly(surplus, MONTHS)),
    )


def _payments(
    months: list[str], deposits: list[Decimal], actions: tuple[Action, ...]
) -> tuple[NewPayment, ...]:
    """The new payment month by month: P + shortage share + deficiency share - credit."""
    shares = {a.code: a.installments for a in actions if a.installments}

    def share(code: str, k: int) -> Decimal:
        parts = shares.get(code, ())
        return parts[k] if k < len(parts) else ZERO

    out = []
    for k in range(MONTHS):
        shortage = share("spread_shortage", k)
        deficiency = share("spread_deficiency", k)
        credit = share("credit_surplus", k)
        total = deposits[k] + shortage + deficiency - credit
        out.append(NewPayment(k + 1, months[k], deposits[k], shortage, deficiency, credit, total))
    return tuple(out)
