"""Client rules of the escrow analysis (spec/escrow.md "Client rules"): pluggable
functions named in ``settings.ESCROW_ANALYSIS_RULES`` (dotted paths), run per loan on the
engine's result before anything is applied.

A rule is ``rule(loan, analysis) -> RuleOutcome``; ``analysis`` is the engine's
``Analysis``. An outcome that applies may change the decision: skip the update, cap the
new payment, or suppress the surplus refund. Every outcome (applied or not) is stored with
the analysis and shown in the batch report.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from escrow.engine.analysis import Analysis
from servicing.money import ZERO, round_cents, to_decimal


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    name: str
    applied: bool
    message: str = ""
    skip_update: bool = False
    capped_payment: Decimal | None = None
    suppress_refund: bool = False

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "applied": self.applied,
            "message": self.message,
            "skip_update": self.skip_update,
            "capped_payment": None if self.capped_payment is None else str(self.capped_payment),
            "suppress_refund": self.suppress_refund,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """What the rules together decided: all applied outcomes combined."""

    skip_update: bool = False
    capped_payment: Decimal | None = None  # the lowest cap of the rules that capped
    suppress_refund: bool = False


def skip_foreclosure(loan, analysis: Analysis) -> RuleOutcome:
    """No update for a loan in foreclosure. The loan has no foreclosure status yet: the flag
    is ``custom_fields["in_foreclosure"]`` (true, "true", "yes", "1")."""
    name = "skip_foreclosure"
    if not is_flag_set(loan.custom_fields, "in_foreclosure"):
        return RuleOutcome(name, False, "Not in foreclosure.")
    return RuleOutcome(name, True, "Loan in foreclosure: analyzed, not updated.", skip_update=True)


def cap_payment_increase(loan, analysis: Analysis) -> RuleOutcome:
    """The new escrow payment rises by at most ``ESCROW_PAYMENT_INCREASE_CAP_PERCENT`` % of
    the current one (a loan paying no escrow yet has nothing to cap from)."""
    name = "cap_payment_increase"
    percent = getattr(settings, "ESCROW_PAYMENT_INCREASE_CAP_PERCENT", None)
    current, new = analysis.current_payment, analysis.new_payment
    if percent is None or current <= 0 or new <= current:
        return RuleOutcome(name, False, "No increase to cap.")
    cap = round_cents(current * (1 + to_decimal(percent) / 100))
    if new <= cap:
        return RuleOutcome(name, False, f"Increase within {percent}%.")
    return RuleOutcome(
        name,
        True,
        f"Increase from {current} to {new} capped at {percent}%: {cap}.",
        capped_payment=cap,
    )


def suppress_small_refund(loan, analysis: Analysis) -> RuleOutcome:
    """No refund under ``ESCROW_REFUND_MINIMUM``: the surplus stays in escrow for the next
    analysis. RESPA requires refunding $50 or more (1024.17(f)(2)(i)), so the threshold
    only ever suppresses refunds below $50."""
    name = "suppress_small_refund"
    minimum = min(to_decimal(getattr(settings, "ESCROW_REFUND_MINIMUM", ZERO)), Decimal("50"))
    refund = next((a for a in analysis.actions if a.code == "refund_surplus"), None)
    if refund is None or refund.amount >= minimum:
        return RuleOutcome(name, False, "No refund under the minimum.")
    return RuleOutcome(
        name,
        True,
        f"Refund of {refund.amount} under {minimum}: kept in escrow.",
        suppress_refund=True,
    )


def is_flag_set(fields: dict | None, key: str) -> bool:
    value = (fields or {}).get(key)
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y"}
    return bool(value)


@cache
def _load(paths: tuple[str, ...]):
    return tuple(import_string(path) for path in paths)


def run_rules(loan, analysis: Analysis) -> tuple[list[RuleOutcome], Decision]:
    """Every configured rule's outcome, and the decision they make together."""
    outcomes = [rule(loan, analysis) for rule in _load(tuple(settings.ESCROW_ANALYSIS_RULES))]
    applied = [o for o in outcomes if o.applied]
    caps = [o.capped_payment for o in applied if o.capped_payment is not None]
    return outcomes, Decision(
        skip_update=any(o.skip_update for o in applied),
        capped_payment=min(caps) if caps else None,
        suppress_refund=any(o.suppress_refund for o in applied),
    )
