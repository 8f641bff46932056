"""Non-accrual: a supervisor sets it or lifts it (spec/accrual.md "Daily interest accrual").

From the business date on, a non-accrual loan accrues nothing; lifting it resumes the daily
accrual from that date. Each change is recorded (with its reason) as an event the replay
applies, so rebuilds and backdated events keep the non-accrual days, and in the activity log.
"""

from __future__ import annotations

from loans.locks import lock_loan
from loans.models import AccrualStatusChange, Loan
from loans.services.replay import sync_loan
from servicing.activity import actor_label, record_activity
from servicing.business_date import get_business_date
from servicing.errors import DomainError, InvalidInput
from servicing.transactions import service_atomic


def set_non_accrual(
    loan: Loan, *, non_accrual: bool, reason: str, actor=None
) -> AccrualStatusChange:
    """Mark the loan non-accrual (``non_accrual=True``) or lift it, from the business date."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give the reason.", field="reason")
    with service_atomic():
        loan = lock_loan(loan.pk)
        if loan.status != Loan.Status.OPEN:
            raise DomainError(
                "loan_not_open", f"Loan {loan.loan_number} is {loan.get_status_display().lower()}."
            )
        if loan.non_accrual == non_accrual:
            raise DomainError(
                "non_accrual_unchanged",
                f"Loan {loan.loan_number} is already "
                + ("non-accrual." if non_accrual else "accruing."),
            )
        business_date = get_business_date()
        sync_loan(loan, business_date=business_date, actor=actor)  # caught up first
        change = AccrualStatusChange.objects.create(
            loan=loan,
            effective_date=business_date,
            non_accrual=non_accrual,
            reason=reason[:500],
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=actor_label(actor),
        )
        loan.non_accrual = non_accrual
        sync_loan(loan, business_date=business_date, actor=actor)  # the carry stops/resumes
        record_activity(
            actor=actor,
            action="loan.non_accrual_set" if non_accrual else "loan.non_accrual_lifted",
            summary=(
                f"Non-accrual from {business_date.isoformat()}: {reason}"
                if non_accrual
                else f"Accrual resumed from {business_date.isoformat()}: {reason}"
            ),
            target=loan,
            details={"reason": reason, "change": change.pk},
            business_date=business_date,
        )
    return change
