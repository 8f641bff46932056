"""Rebuild a loan's projections from its ledger (ARCHITECTURE.md "The ledger is the truth").

The cached balances are set to what the ledger sums to, then the loan is replayed so the
installments (billed, paid), DPD, amount due and next due follow. Nothing in the ledger
changes. Used after an incident, a data fix or a migration; on a healthy loan it is a
no-op, and it says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from loans import ledger
from loans.locks import lock_loan
from loans.models import Loan
from loans.services.replay import sync_loan
from servicing.activity import record_activity
from servicing.business_date import get_business_date
from servicing.transactions import service_atomic

PROJECTED = ("amount_due", "next_due_date", "next_due_amount", "dpd")


@dataclass(frozen=True)
class RebuildResult:
    loan_number: str
    changed: dict  # field -> (before, after), empty when the loan was already right

    @property
    def was_consistent(self) -> bool:
        return not self.changed


def _snapshot(loan: Loan) -> dict:
    return {**ledger.cached_balances(loan), **{f: getattr(loan, f) for f in PROJECTED}}


def rebuild_loan(loan: Loan, *, actor=None) -> RebuildResult:
    """Recompute the loan's cached figures from its ledger; record what moved."""
    with service_atomic():
        loan = lock_loan(loan.pk)
        before = _snapshot(loan)
        for field, value in ledger.rebuild_balances(loan).items():
            setattr(loan, field, value)
        if loan.status == Loan.Status.OPEN:
            sync_loan(loan, business_date=get_business_date(), actor=actor)
        else:
            loan.save()
        after = _snapshot(loan)
        changed = {f: (before[f], after[f]) for f in before if before[f] != after[f]}
        record_activity(
            actor=actor,
            action="loan.rebuilt",
            summary=f"Loan {loan.loan_number} rebuilt from its ledger: "
            + ("no difference" if not changed else f"{len(changed)} figure(s) corrected"),
            target=loan,
            before={f: v[0] for f, v in changed.items()},
            after={f: v[1] for f, v in changed.items()},
        )
    return RebuildResult(loan.loan_number, changed)
