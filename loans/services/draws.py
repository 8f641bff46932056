"""Draws on a line of credit (spec/loc.md "Draw lifecycle"): initiate, approve, reject,
delete, fund; and the funding itself: the principal grows by the funded amount from the
funded date and the schedule is re-amortized (a new version), a backdated funding
replaying the loan from that date.

Each action locks the loan row, so two approvals racing for the last available amount
run one after the other and the second sees what the first took.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError
from django.utils import timezone

from loans import ledger
from loans.engine.dates import check_frequency
from loans.engine.draws import disbursement_date, open_term_due_dates
from loans.engine.reprice import RemainingRow, reamortize
from loans.locks import lock_loan
from loans.models import CreditLine, Disbursement, Draw, LedgerEntry, Loan
from loans.selectors import current_schedule_version
from loans.services.catch_up import is_behind
from loans.services.lines import _locked_line, available, line_of, log_draw
from loans.services.replay import replay_loan, sync_loan
from loans.services.schedule_versions import copied, projected, store_version
from servicing.activity import record_activity
from servicing.business_date import get_business_date
from servicing.calendar import get_calendar
from servicing.errors import DomainError, InvalidInput, NotFound
from servicing.money import ZERO
from servicing.money import format_money as _money
from servicing.tenant import get_tenant_settings
from servicing.transactions import service_atomic

Status = Draw.Status


def _check_available(line: CreditLine, loan: Loan, amount: Decimal, field: str) -> None:
    free = available(line, loan)
    if amount > free:
        raise DomainError(
            "draw_exceeds_available",
            f"{_money(amount)} is more than the line's available amount {_money(free)} "
            f"(limit {_money(line.credit_limit)}).",
            field=field,
            available_amount=str(free),
        )


def initiate_draw(
    loan: Loan,
    *,
    requested_date: dt.date,
    requested_amount: Decimal,
    fee: Decimal = ZERO,
    auto_funded: bool = False,
    external_id: str = "",
    via: str = Draw.Via.API,
    actor=None,
) -> Draw:
    """A draw in Verification. Only while the line is Active and within what is available."""
    if requested_amount <= 0:
        raise InvalidInput("A draw must be positive.", field="requested_amount")
    if fee < 0:
        raise InvalidInput("A fee cannot be negative.", field="fee")
    if fee >= requested_amount:
        raise InvalidInput("The fee must be less than the requested amount.", field="fee")
    external_id = (external_id or "").strip()
    try:
        with service_atomic():
            loan, line = _locked_line(loan)
            business_date = get_business_date()
            if line.status != CreditLine.Status.ACTIVE:
                raise DomainError(
                    "loc_not_active",
                    f"The line is {line.get_status_display().lower()}: new draws only while "
                    "it is active.",
                )
            if requested_date < loan.funded_date:
                raise InvalidInput(
                    f"The requested date cannot be before the line's funded date "
                    f"{loan.funded_date.isoformat()}.",
                    field="requested_date",
                )
            if line.valid_till_date and requested_date > line.valid_till_date:
                raise InvalidInput(
                    f"The line is valid till {line.valid_till_date.isoformat()}.",
                    field="requested_date",
                )
            _check_maturity(loan, line, requested_date, "requested_date")
            _check_available(line, loan, requested_amount, "requested_amount")
            draw = Draw.objects.create(
                line=line,
                requested_date=requested_date,
                requested_amount=requested_amount,
                fee=fee,
                auto_funded=auto_funded,
                external_id=external_id,
                initiated_via=via,
            )
            log_draw(draw, business_date=business_date, actor=actor)
            record_activity(
                actor=actor,
                action="draw.initiated",
                summary=f"Draw {draw.pk} of {_money(requested_amount)} requested for "
                f"{requested_date.isoformat()}" + (" (auto-funded)" if auto_funded else ""),
                target=loan,
                details={"draw": draw.pk, "via": via},
                business_date=business_date,
            )
    except IntegrityError:
        if external_id and Draw.objects.filter(line__loan=loan, external_id=external_id).exists():
            raise DomainError(
                "duplicate_external_id",
                f"A draw with external id {external_id} already exists on this line.",
            ) from None
        raise
    return draw


def _check_maturity(loan: Loan, line: CreditLine, day: dt.date, field: str) -> None:
    if line.term_type == CreditLine.TermType.FIXED and day >= loan.maturity_date:
        raise InvalidInput(
            f"A fixed-term line matures on {loan.maturity_date.isoformat()}: no draw on or "
            "after it.",
            field=field,
        )


def _locked_draw(loan: Loan, draw_id: int) -> tuple[Loan, CreditLine, Draw]:
    loan, line = _locked_line(loan)
    draw = line.draws.filter(pk=draw_id).first()
    if draw is None:
        raise NotFound("draw_not_found", f"No draw {draw_id} on this line.")
    return loan, line, draw


def _require(draw: Draw, status: str, code: str) -> None:
    if draw.status != status:
        raise DomainError(
            code,
            f"Draw {draw.pk} is {draw.get_status_display().lower()}, not "
            f"{Status(status).label.lower()}.",
        )


def approve_draw(loan: Loan, draw_id: int, *, approved_amount: Decimal, actor=None) -> Draw:
    """Verification -> Approved. The product's draw fees are assessed; an auto-funded draw
    gets its disbursement (date: approval, cut-off time, processing days)."""
    if approved_amount is None or approved_amount <= 0:
        raise InvalidInput("The approved amount must be positive.", field="approved_amount")
    with service_atomic():
        loan, line, draw = _locked_draw(loan, draw_id)
        business_date = get_business_date()
        _require(draw, Status.VERIFICATION, "draw_not_in_verification")
        if line.status != CreditLine.Status.ACTIVE:
            raise DomainError("loc_not_active", f"The line is {line.status}: no draw is approved.")
        if approved_amount <= draw.fee:
            raise InvalidInput(
                f"The approved amount must exceed the draw's fee {_money(draw.fee)}.",
                field="approved_amount",
            )
        _check_available(line, loan, approved_amount, "approved_amount")
        now = timezone.now()
        draw.status = Status.APPROVED
        draw.approved_amount = approved_amount
        draw.approved_at = now
        draw.save(update_fields=["status", "approved_amount", "approved_at"])
        note = ""
        if draw.auto_funded:
            tenant = get_tenant_settings()
            when = disbursement_date(
                approved_on=business_date,
                approved_at=timezone.localtime(now).time(),
                cutoff=tenant.payment_cutoff_time,
                processing_days=tenant.payment_processing_days,
                calendar=get_calendar(),
            )
            Disbursement.objects.create(
                draw=draw, disbursement_date=when, amount=approved_amount - draw.fee
            )
            note = f"Disbursement on {when.isoformat()}"
        _assess_draw_fees(loan, draw, business_date, actor)
        log_draw(draw, business_date=business_date, actor=actor, note=note)
        record_activity(
            actor=actor,
            action="draw.approved",
            summary=f"Draw {draw.pk} approved for {_money(approved_amount)}"
            + (f"; {note.lower()}" if note else ""),
            target=loan,
            details={"draw": draw.pk},
            business_date=business_date,
        )
    return draw


def _assess_draw_fees(loan: Loan, draw: Draw, business_date: dt.date, actor) -> None:
    """spec/loc.md: the product's pre-configured draw fees, assessed at approval."""
    fees = loan.product.draw_fees or []
    if not fees:
        return
    if is_behind(loan, business_date):
        sync_loan(loan, business_date=business_date, actor=actor)
    ledger.post_entries(
        loan,
        [
            {
                "kind": LedgerEntry.Kind.FEE_ASSESSED,
                "effective_date": business_date,
                "business_date": business_date,
                "split": {"fees": Decimal(str(fee["amount"]))},
                "actor": actor,
                "note": f"{fee['name']} (draw {draw.pk})",
                "details": {"fee_name": fee["name"], "draw": draw.pk},
            }
            for fee in fees
        ],
    )
    sync_loan(loan, business_date=business_date, actor=actor)


def reject_draw(loan: Loan, draw_id: int, *, reason: str, actor=None) -> Draw:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give the reason for the rejection.", field="reason")
    with service_atomic():
        loan, _line, draw = _locked_draw(loan, draw_id)
        business_date = get_business_date()
        _require(draw, Status.VERIFICATION, "draw_not_in_verification")
        draw.status = Status.REJECTED
        draw.reject_reason = reason[:300]
        draw.save(update_fields=["status", "reject_reason"])
        log_draw(draw, business_date=business_date, actor=actor, note=reason)
        record_activity(
            actor=actor,
            action="draw.rejected",
            summary=f"Draw {draw.pk} rejected: {reason}",
            target=loan,
            details={"draw": draw.pk},
            business_date=business_date,
        )
    return draw


def delete_draw(loan: Loan, draw_id: int, *, actor=None) -> Draw:
    """Verification -> Deleted, for draws initiated on the loan page only."""
    with service_atomic():
        loan, _line, draw = _locked_draw(loan, draw_id)
        business_date = get_business_date()
        _require(draw, Status.VERIFICATION, "draw_not_in_verification")
        if draw.initiated_via != Draw.Via.UI:
            raise DomainError(
                "draw_not_deletable",
                f"Draw {draw.pk} came from the LOS: reject it instead of deleting it.",
            )
        draw.status = Status.DELETED
        draw.save(update_fields=["status"])
        log_draw(draw, business_date=business_date, actor=actor)
        record_activity(
            actor=actor,
            action="draw.deleted",
            summary=f"Draw {draw.pk} of {_money(draw.requested_amount)} deleted",
            target=loan,
            details={"draw": draw.pk},
            business_date=business_date,
        )
    return draw


def fund_draw(loan: Loan, draw_id: int, *, funded_date: dt.date, actor=None) -> Draw:
    """Funding request (a draw not auto-funded): Approved -> Funded on ``funded_date``
    (up to the business date; earlier replays the loan from it)."""
    with service_atomic():
        loan, line, draw = _locked_draw(loan, draw_id)
        business_date = get_business_date()
        _require(draw, Status.APPROVED, "draw_not_approved")
        if draw.auto_funded:
            disbursement = getattr(draw, "disbursement", None)
            when = disbursement.disbursement_date.isoformat() if disbursement else "its date"
            raise DomainError(
                "draw_auto_funded",
                f"Draw {draw.pk} is auto-funded: its disbursement funds it on {when}.",
            )
        if funded_date > business_date:
            raise InvalidInput(
                f"The funded date cannot be after the business date {business_date.isoformat()}.",
                field="funded_date",
            )
        fund(loan, line, draw, funded_date=funded_date, business_date=business_date, actor=actor)
    return draw


def fund(
    loan: Loan,
    line: CreditLine,
    draw: Draw,
    *,
    funded_date: dt.date,
    business_date: dt.date,
    actor=None,
) -> None:
    """Fund an approved draw (loan locked by the caller): post the principal, re-amortize,
    replay. ``business_date``: the date the loan is brought to (the close of business
    passes the day it opens)."""
    if funded_date < loan.funded_date:
        raise InvalidInput(
            f"The funded date cannot be before the line's funded date "
            f"{loan.funded_date.isoformat()}.",
            field="funded_date",
        )
    _check_maturity(loan, line, funded_date, "funded_date")
    amount = draw.approved_amount - draw.fee
    if is_behind(loan, business_date):
        sync_loan(loan, business_date=business_date, actor=actor)
    entry = ledger.post_entry(
        loan,
        kind=LedgerEntry.Kind.DRAW,
        effective_date=funded_date,
        business_date=business_date,
        split={"principal": amount},
        actor=actor,
        note=f"Draw {draw.pk}"
        + (f": {_money(draw.approved_amount)} less fee {_money(draw.fee)}" if draw.fee else ""),
        external_reference=draw.external_id,
        details={"draw": draw.pk},
    )
    version = _reamortize(loan, line, funded_date, f"Draw {draw.pk} funded: re-amortized")
    # A draw funded before others already funded: their re-amortizations come after it
    # again, in order, each on the principal its own date then has.
    later = line.draws.filter(status=Status.FUNDED, funded_date__gt=funded_date)
    for day in sorted(set(later.values_list("funded_date", flat=True))):
        version = _reamortize(
            loan, line, day, f"Re-amortized at {day.isoformat()} after draw {draw.pk}"
        )
    sync_loan(loan, business_date=business_date, actor=actor)
    draw.status = Status.FUNDED
    draw.funded_amount = amount
    draw.funded_date = funded_date
    draw.ledger_entry = entry
    draw.save(update_fields=["status", "funded_amount", "funded_date", "ledger_entry"])
    backdated = funded_date < business_date
    log_draw(
        draw,
        business_date=business_date,
        actor=actor,
        note=f"Funded {_money(amount)} on {funded_date.isoformat()}; schedule v{version}"
        + ("; loan replayed" if backdated else ""),
    )
    record_activity(
        actor=actor,
        action="draw.funded",
        summary=f"Draw {draw.pk} funded: {_money(amount)} from {funded_date.isoformat()}, "
        f"schedule re-amortized (v{version})" + (", backdated: loan replayed" if backdated else ""),
        target=loan,
        details={"draw": draw.pk, "ledger_entry": entry.pk, "schedule_version": version},
        business_date=business_date,
    )


def _reamortize(loan: Loan, line: CreditLine, funded_date: dt.date, reason: str) -> int:
    """A new schedule version from the funded date: the rows due after it re-amortized on
    the principal not billed then (fixed term: same dates; open term: out to the funded
    date plus the draw term). Returns the new version's number."""
    current = current_schedule_version(loan)
    rows = list(current.installments.order_by("number"))
    dates = [row.due_date for row in rows]
    if line.term_type == CreditLine.TermType.OPEN:
        dates = open_term_due_dates(
            dates,
            funded_date=funded_date,
            draw_term_payments=line.draw_term_payments,
            frequency=check_frequency(loan.payment_frequency),
            calendar=get_calendar(),
        )
    state = replay_loan(loan, through=funded_date)  # the draw's row is in the ledger
    balance = state.principal - sum(
        (bill.unpaid_principal for bill in state.bills if bill.billed), ZERO
    )
    by_number = {row.number: row for row in rows}
    interest_only = loan.schedule_type == Loan.ScheduleType.INTEREST_ONLY
    later = [
        RemainingRow(
            number,
            due,
            by_number[number].rate
            if number in by_number and by_number[number].rate is not None
            else loan.interest_rate,
            by_number[number].interest_only if number in by_number else interest_only,
        )
        for number, due in enumerate(dates, start=1)
        if due > funded_date
    ]
    reprojected = {
        row.number: row
        for row in reamortize(
            later,
            balance=max(balance, ZERO),
            start=funded_date,
            day_count=loan.day_count,
            frequency=loan.payment_frequency,
        )
    }
    values = []
    for number in range(1, len(dates) + 1):
        base = copied(by_number[number]) if number in by_number else None
        new = reprojected.get(number)
        values.append(base if new is None else projected(new, base=base))
    version = store_version(
        loan,
        current,
        values,
        effective_date=funded_date,
        reason=reason,
    )
    if len(dates) != len(rows):
        loan.number_of_payments = len(dates)
        loan.maturity_date = dates[-1]
        loan.save(update_fields=["number_of_payments", "maturity_date"])
    return version.version


def draw_for(loan: Loan, draw_id: int) -> Draw | None:
    line = line_of(loan)
    return line.draws.filter(pk=draw_id).first()


def lock_for_disbursement(disbursement_id: int) -> tuple[Loan, Disbursement] | None:
    """The loan (locked) and disbursement of a pending disbursement; None once done."""
    loan_id = (
        Disbursement.objects.filter(pk=disbursement_id)
        .values_list("draw__line__loan_id", flat=True)
        .first()
    )
    if loan_id is None:
        return None
    loan = lock_loan(loan_id)
    disbursement = Disbursement.objects.select_related("draw__line").get(pk=disbursement_id)
    if disbursement.status != Disbursement.Status.PENDING:
        return None
    return loan, disbursement
