"""Default (penal) interest: spec/accrual.md "Default (penal) interest".

A past-due loan earns *additional interest* (its own bucket) on a base, at a rate: the
spread over the loan's rate, or an absolute default rate. Day count as the loan's.

- ``per_payment``: every unpaid billed installment accrues on its own base from its due
  date, once it is past due by more than ``grace_days`` (an installment 90 days past due
  carries 90 days); the days of the grace are counted when it ends, dropped if the
  installment is paid within it.
- ``lump_sum``: once the loan's days past due exceed ``grace_days``, the loan-level base
  (the bases of all past-due installments added up, or the principal outstanding)
  accrues for each day the loan is past due.
- The base ``unpaid_principal`` (the loan's principal outstanding) is counted once a day
  whatever the method.

A day accrues on the base left after that day's events (a partial payment reduces its
installment's base from its effective date). No penny drift, as for regular interest:
the amount posted for a day is round(exact accrual of the episode through the day) -
round(through the day before). An episode ends when no installment is past due any more
(the delinquency is cured): its sums are settled and the next episode starts from zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from loans.engine.daycount import day_units
from servicing.money import CENT, ZERO

METHODS = ("per_payment", "lump_sum")
BASES = ("unpaid_principal", "missed_installment", "missed_principal_interest", "missed_principal")
LOAN_LEVEL = -1  # the pending key of a loan-level base (installments are numbered from 0)
_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class DefaultTerms:
    """How a past-due loan earns default interest."""

    rate: Decimal  # annual %: the spread, or the absolute default rate
    method: str = "per_payment"
    base: str = "missed_principal_interest"
    grace_days: int = 0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown default-interest method {self.method!r}")
        if self.base not in BASES:
            raise ValueError(f"unknown default-interest base {self.base!r}")
        if self.grace_days < 0:
            raise ValueError("grace days cannot be negative")


Sums = tuple[tuple[int, Decimal], ...]


@dataclass(frozen=True, slots=True)
class DefaultCarry:
    """The running episode: {basis: base x day units} accruing, the interest posted
    through the last day, and the sums of bases still in their grace, by key."""

    sums: Sums = ()
    posted: Decimal = ZERO
    pending: tuple[tuple[int, Sums], ...] = ()


def installment_base(bill, base: str) -> Decimal:
    """An installment's unpaid base (bills carry principal and interest only, so
    ``missed_installment`` and ``missed_principal_interest`` agree until escrow is billed)."""
    if base == "missed_principal":
        return bill.unpaid_principal
    return bill.unpaid


class DefaultRun:
    """Mutable default-interest state of one replay (``_Run.default``)."""

    def __init__(self, terms: DefaultTerms, day_count: str) -> None:
        self.terms = terms
        self.day_count = day_count
        self.sums: dict[int, Decimal] = {}
        self.posted = ZERO
        self.pending: dict[int, dict[int, Decimal]] = {}
        self.accrued = ZERO
        self.accruals: list[tuple[date, Decimal]] = []

    def resume(
        self, carry: DefaultCarry | None, accrued: Decimal, accruals: tuple[tuple[date, Decimal]]
    ) -> None:
        if carry is not None:
            self.sums = dict(carry.sums)
            self.posted = carry.posted
            self.pending = {key: dict(sums) for key, sums in carry.pending}
        self.accrued = accrued
        self.accruals = list(accruals)

    def carry(self) -> DefaultCarry | None:
        if not (self.sums or self.pending or self.posted):
            return None
        return DefaultCarry(
            tuple(sorted(self.sums.items())),
            self.posted,
            tuple((key, tuple(sorted(sums.items()))) for key, sums in sorted(self.pending.items())),
        )

    @property
    def live(self) -> bool:
        """An episode is running (it must be settled even if nothing is past due)."""
        return bool(self.sums or self.pending or self.posted)

    def accrue(self, day: date, billed: list, principal: Decimal) -> Decimal:
        """Accrue ``day`` given the billed installments and the principal after the
        day's events; returns the day's amount."""
        late = [bill for bill in billed if bill.billed and bill.unpaid > 0]
        if not late:  # cured: the episode ends (days still in their grace are dropped)
            self.sums, self.posted, self.pending = {}, ZERO, {}
            return ZERO
        terms = self.terms
        if terms.method == "lump_sum" or terms.base == "unpaid_principal":
            base = (
                principal
                if terms.base == "unpaid_principal"
                else sum((installment_base(b, terms.base) for b in late), ZERO)
            )
            parts = [(LOAN_LEVEL, late[0].due_date, base)]
        else:
            parts = [(b.number, b.due_date, installment_base(b, terms.base)) for b in late]
        keys = {key for key, _, _ in parts}
        for key in [key for key in self.pending if key not in keys]:
            del self.pending[key]  # paid within its grace: no default interest
        basis, units = day_units(day, self.day_count)
        for key, due, base in parts:
            # Past due by more than the grace once a payment tomorrow would find it so.
            if (day - due).days + 1 > terms.grace_days:
                for each_basis, total in self.pending.pop(key, {}).items():
                    self.sums[each_basis] = self.sums.get(each_basis, ZERO) + total
                target = self.sums
            else:
                target = self.pending.setdefault(key, {})
            if units and base:
                target[basis] = target.get(basis, ZERO) + base * units
        exact = sum(
            (terms.rate * total / (_HUNDRED * each) for each, total in self.sums.items()),
            Decimal(0),
        )
        through = exact.quantize(CENT, rounding=ROUND_HALF_UP)
        amount, self.posted = through - self.posted, through
        if amount:
            self.accrued += amount
            self.accruals.append((day, amount))
        return amount


def default_terms(settings: dict | None) -> DefaultTerms | None:
    """The engine's terms from a loan's resolved settings (None: not charged)."""
    if not settings or not settings.get("enabled"):
        return None
    rate = settings.get("spread")
    if rate is None:
        rate = settings.get("default_rate")
    if rate is None:
        return None
    return DefaultTerms(
        rate=Decimal(str(rate)),
        method=settings.get("method") or "per_payment",
        base=settings.get("base") or "missed_principal_interest",
        grace_days=int(settings.get("grace_days") or 0),
    )
