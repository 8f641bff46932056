"""Lines of credit (spec/loc.md "The line", "LOC status"): boarding the line, its
availability, Suspend / Activate / Cancel, closure after the valid-till date (a COB step)
and the payoff of a non-revolving line at zero.

Every action locks the loan row first (``lock_loan``): the line and its draws change only
under that lock, so two actions on one line run one after the other.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum

from loans.engine.draws import available_amount
from loans.locks import lock_loan
from loans.models import CreditLine, Draw, DrawEvent, Loan
from servicing.activity import actor_label, record_activity
from servicing.business_date import get_business_date
from servicing.errors import DomainError
from servicing.money import ZERO
from servicing.transactions import service_atomic

Status = CreditLine.Status


def board_line(loan: Loan, block: dict) -> CreditLine:
    """The line of a ``loc`` loan being boarded (the onboarding's ``loc`` block)."""
    return CreditLine.objects.create(
        loan=loan,
        credit_limit=block["credit_limit"],
        revolving=block["revolving"],
        term_type=block["term_type"],
        valid_till_date=block.get("valid_till_date"),
        draw_term_payments=block.get("draw_term_payments"),
        status_changed_on=loan.funded_date,
    )


def line_of(loan: Loan) -> CreditLine:
    line = CreditLine.objects.filter(loan=loan).first()
    if line is None:
        raise DomainError("not_a_line", f"Loan {loan.loan_number} is not a line of credit.")
    return line


def draw_totals(line: CreditLine) -> dict[str, Decimal]:
    """Approved amounts of the draws approved and not funded, and of every draw approved
    or funded (one query)."""
    totals = line.draws.aggregate(
        approved=Sum("approved_amount", filter=Q(status=Draw.Status.APPROVED)),
        drawn=Sum("approved_amount", filter=Q(status__in=[Draw.Status.APPROVED, "funded"])),
    )
    return {key: value or ZERO for key, value in totals.items()}


def available(line: CreditLine, loan: Loan | None = None) -> Decimal:
    """spec/loc.md: what a new draw may take now (``loan``: the caller's locked row)."""
    loan = loan or line.loan
    totals = draw_totals(line)
    return available_amount(
        credit_limit=line.credit_limit,
        revolving=line.revolving,
        principal_outstanding=loan.principal_balance,
        approved_not_funded=totals["approved"],
        drawn=loan.loan_amount + totals["drawn"],
    )


def line_summary(line: CreditLine, loan: Loan | None = None) -> dict:
    """Limit, used, available, status, dates: the loan page's and the API's line."""
    loan = loan or line.loan
    free = available(line, loan)
    return {
        "loc_status": line.status,
        "loc_status_label": line.get_status_display(),
        "credit_limit": line.credit_limit,
        "revolving": line.revolving,
        "term_type": line.term_type,
        "valid_till_date": line.valid_till_date,
        "draw_term_payments": line.draw_term_payments,
        "principal_outstanding": loan.principal_balance,
        "used": line.credit_limit - free,
        "available_amount": free,
        "maturity_date": loan.maturity_date,
    }


def _locked_line(loan: Loan) -> tuple[Loan, CreditLine]:
    loan = lock_loan(loan.pk)
    if loan.status != Loan.Status.OPEN:
        raise DomainError(
            "loan_not_open",
            f"Loan {loan.loan_number} is {loan.get_status_display().lower()}: its line "
            "cannot change.",
        )
    return loan, line_of(loan)


def _has_draw_in_verification(line: CreditLine) -> bool:
    return line.draws.filter(status=Draw.Status.VERIFICATION).exists()


def _set_status(loan, line, status, *, actor, action, reason="", business_date=None) -> None:
    business_date = business_date or get_business_date()
    before = line.status
    line.status = status
    line.status_changed_on = business_date
    line.status_reason = reason[:300]
    line.save(update_fields=["status", "status_changed_on", "status_reason"])
    record_activity(
        actor=actor,
        action=action,
        summary=f"Line {Status(before).label} -> {Status(status).label}"
        + (f": {reason}" if reason else ""),
        target=loan,
        before={"loc_status": before},
        after={"loc_status": status},
        business_date=business_date,
    )


def suspend_line(loan: Loan, *, reason: str = "", actor=None) -> CreditLine:
    """Active -> Suspended: no new draws; refused while a draw is in Verification."""
    with service_atomic():
        loan, line = _locked_line(loan)
        if line.status != Status.ACTIVE:
            raise DomainError(
                "loc_not_active", f"Only an active line can be suspended; it is {line.status}."
            )
        _refuse_verification(line, "suspended")
        _set_status(
            loan, line, Status.SUSPENDED, actor=actor, action="loc.suspended", reason=reason
        )
    return line


def activate_line(loan: Loan, *, reason: str = "", actor=None) -> CreditLine:
    """Suspended -> Active. Canceled and closed lines are final."""
    with service_atomic():
        loan, line = _locked_line(loan)
        if line.status != Status.SUSPENDED:
            raise DomainError(
                "loc_not_suspended",
                f"Only a suspended line can be activated; it is {line.status}"
                + (" (final)." if line.is_final else "."),
            )
        _set_status(loan, line, Status.ACTIVE, actor=actor, action="loc.activated", reason=reason)
    return line


def cancel_line(loan: Loan, *, reason: str = "", actor=None) -> CreditLine:
    """Active or Suspended -> Canceled (final); refused while a draw is in Verification."""
    with service_atomic():
        loan, line = _locked_line(loan)
        if line.is_final:
            raise DomainError("loc_final", f"The line is already {line.status}.")
        _refuse_verification(line, "canceled")
        _set_status(loan, line, Status.CANCELED, actor=actor, action="loc.canceled", reason=reason)
    return line


def _refuse_verification(line: CreditLine, what: str) -> None:
    if _has_draw_in_verification(line):
        raise DomainError(
            "draw_in_verification",
            f"A draw is in verification: approve, reject or delete it before the line is {what}.",
        )


# --- Close of business: lines past their valid-till date --------------------------------


def select_expired_lines(business_date: dt.date) -> list[int]:
    """Loans whose open line's valid-till date is ``business_date`` or before: the close of
    ``business_date`` closes them (the line is valid through that date)."""
    return list(
        CreditLine.objects.filter(
            status__in=[Status.ACTIVE, Status.SUSPENDED],
            valid_till_date__isnull=False,
            valid_till_date__lte=business_date,
            loan__status=Loan.Status.OPEN,
        )
        .order_by("loan_id")
        .values_list("loan_id", flat=True)
    )


def close_expired_lines(ids: list[int], business_date: dt.date) -> list[tuple[str, str]]:
    """COB step: close each line (final); its draws still in verification are rejected.
    Draws already approved go on to be funded. One loan per transaction."""
    failures = []
    for loan_id in ids:
        try:
            with transaction.atomic():
                loan = lock_loan(loan_id)
                line = line_of(loan)
                expired = line.valid_till_date and line.valid_till_date <= business_date
                if line.is_final or not expired:
                    continue  # done by an earlier run
                reason = f"Valid-till date {line.valid_till_date.isoformat()} passed"
                for draw in line.draws.filter(status=Draw.Status.VERIFICATION):
                    draw.status = Draw.Status.REJECTED
                    draw.reject_reason = f"Line closed: {reason.lower()}"
                    draw.save(update_fields=["status", "reject_reason"])
                    log_draw(draw, business_date=business_date, actor=None, note=draw.reject_reason)
                _set_status(
                    loan,
                    line,
                    Status.CLOSED,
                    actor=None,
                    action="loc.closed",
                    reason=reason,
                    business_date=business_date,
                )
        except Exception as exc:  # one loan's failure is recorded, the others go on
            number = Loan.objects.filter(pk=loan_id).values_list("loan_number", flat=True).first()
            failures.append((number or str(loan_id), f"{type(exc).__name__}: {exc}"))
    return failures


def log_draw(draw: Draw, *, business_date: dt.date, actor, note: str = "") -> DrawEvent:
    """A draw's history row for its current status."""
    return DrawEvent.objects.create(
        draw=draw,
        status=draw.status,
        business_date=business_date,
        actor_label=actor_label(actor),
        note=note[:300],
    )


# --- Payoff of a non-revolving line -----------------------------------------------------


def close_if_paid_off(loan: Loan, *, business_date: dt.date, actor=None) -> bool:
    """spec/loc.md: a non-revolving line is paid off when its outstanding reaches 0 (and no
    draw is still on its way). The loan (locked by the caller) closes as paid off."""
    if loan.kind != "loc" or loan.status != Loan.Status.OPEN:
        return False
    line = CreditLine.objects.filter(loan=loan).first()
    if line is None or line.revolving or loan.outstanding != 0 or loan.principal_balance:
        return False
    pending = line.draws.filter(status__in=[Draw.Status.VERIFICATION, Draw.Status.APPROVED])
    if pending.exists():
        return False
    loan.status = Loan.Status.CLOSED
    loan.closure_reason = Loan.ClosureReason.PAID_OFF
    loan.save(update_fields=["status", "closure_reason"])
    if not line.is_final:
        line.status = Status.CLOSED
        line.status_changed_on = business_date
        line.status_reason = "Paid off"
        line.save(update_fields=["status", "status_changed_on", "status_reason"])
    record_activity(
        actor=actor,
        action="loan.paid_off",
        summary="Non-revolving line paid off: outstanding reached 0; loan and line closed",
        target=loan,
        after={"status": loan.status, "closure_reason": loan.closure_reason},
        business_date=business_date,
    )
    return True
