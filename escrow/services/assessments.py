"""Escrow assessments (spec/escrow.md "Replenishment"): what the borrower owes into the
accounts. Auto: the close of business assesses the monthly amounts of the accounts
replenished by the schedule on each installment's due date. Manual: "Assess Escrow" (an
account and an amount), which a payment then replenishes; replenishing without an
assessment is refused (a payment's escrow part only pays what is assessed).

Each assessment is an ``EscrowAssessment`` per account and one ``escrow_assessed`` row
on the loan's ledger for their sum (the loan's escrow bucket, in its amount due).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from escrow.models import EscrowAccount, EscrowAssessment
from loans.locks import lock_loan
from loans.models import Installment, Loan
from loans.services.escrow_due import post_escrow_assessment
from servicing.activity import record_activity
from servicing.business_date import get_business_date
from servicing.errors import DomainError, InvalidInput
from servicing.money import ZERO, round_cents, split_by_weight
from servicing.transactions import service_atomic

ONE_DAY = dt.timedelta(days=1)


def assess_escrow(account: EscrowAccount, *, amount: Decimal, actor=None) -> EscrowAssessment:
    """Assess Escrow: ``amount`` owed into ``account`` from the business date."""
    if amount is None or amount <= 0:
        raise InvalidInput("An escrow assessment must be positive.", field="amount")
    with service_atomic():
        loan = lock_loan(account.loan_id)
        account = EscrowAccount.objects.select_related("category").get(pk=account.pk)
        business_date = get_business_date()
        entry = post_escrow_assessment(
            loan,
            amount=amount,
            effective_date=business_date,
            business_date=business_date,
            note=f"Escrow assessed: {account.category.name}",
            details={"escrow_accounts": [account.pk]},
            actor=actor,
        )
        assessment = EscrowAssessment.objects.create(
            account=account,
            due_date=business_date,
            amount=amount,
            source=EscrowAssessment.Source.MANUAL,
            loan_entry=entry,
        )
        record_activity(
            actor=actor,
            action="escrow.assessed",
            summary=f"Escrow of {amount:,.2f} assessed for {account.category.name}",
            target=loan,
            details={"escrow_account": account.pk, "assessment": assessment.pk},
            business_date=business_date,
        )
    return assessment


# --- Close of business: the scheduled assessments of the day being opened --------------


def _scheduled_accounts():
    return EscrowAccount.objects.filter(
        schedule_replenishment=True, monthly_amount__gt=0, loan__status=Loan.Status.OPEN
    )


def select_loans_to_assess(business_date: dt.date) -> list[int]:
    """Loans with an account replenished by the schedule and an installment of the current
    schedule due on the day the close of ``business_date`` opens."""
    due = business_date + ONE_DAY
    loan_ids = _scheduled_accounts().values_list("loan_id", flat=True)
    return sorted(
        set(
            Installment.objects.filter(
                schedule_version__is_current=True,
                schedule_version__loan_id__in=loan_ids,
                due_date=due,
            ).values_list("schedule_version__loan_id", flat=True)
        )
    )


def assess_due(ids: list[int], business_date: dt.date) -> list[tuple[str, str]]:
    """COB step: each loan's scheduled accounts assessed for the due date opened (the day
    after ``business_date``), one loan per transaction; a re-run finds them assessed."""
    due = business_date + ONE_DAY
    failures = []
    for loan_id in ids:
        try:
            with transaction.atomic():
                assess_scheduled(lock_loan(loan_id), due)
        except Exception as exc:  # one loan's failure is recorded, the others go on
            number = Loan.objects.filter(pk=loan_id).values_list("loan_number", flat=True).first()
            failures.append((number or str(loan_id), f"{type(exc).__name__}: {exc}"))
    return failures


def assess_scheduled(loan: Loan, due: dt.date, *, business_date: dt.date | None = None) -> None:
    """The escrow of the installment due on ``due`` (loan locked by the caller): its escrow
    column when an analysis set it (a shortage or deficiency spread included), else the
    accounts' monthly amounts; split over the accounts in proportion to their monthly
    amounts. ``business_date``: the date the loan is brought to (default ``due``, the day
    the close of business opens; a later one assesses a past due date, as the demo does)."""
    accounts = list(
        _scheduled_accounts().filter(loan=loan).select_related("category").order_by("pk")
    )
    done = EscrowAssessment.objects.filter(
        account__loan=loan, source=EscrowAssessment.Source.SCHEDULED, due_date=due
    )
    if not accounts or loan.status != Loan.Status.OPEN or done.exists():
        return
    scheduled = Installment.objects.filter(
        schedule_version__loan=loan, schedule_version__is_current=True, due_date=due
    ).aggregate(escrow=Sum("escrow"))["escrow"]
    monthly = [account.monthly_amount for account in accounts]
    total = round_cents(scheduled) if scheduled else sum(monthly, ZERO)
    amounts = list(split_by_weight(total, dict(enumerate(monthly))).values())
    entry = post_escrow_assessment(
        loan,
        amount=total,
        effective_date=due,
        business_date=business_date or due,
        note="Escrow assessed on the due date: "
        + ", ".join(
            f"{a.category.name} {amount:,.2f}" for a, amount in zip(accounts, amounts, strict=True)
        ),
        details={"escrow_accounts": [account.pk for account in accounts]},
    )
    try:
        EscrowAssessment.objects.bulk_create(
            EscrowAssessment(
                account=account,
                due_date=due,
                amount=amount,
                source=EscrowAssessment.Source.SCHEDULED,
                loan_entry=entry,
            )
            for account, amount in zip(accounts, amounts, strict=True)
            if amount > 0
        )
    except IntegrityError as exc:  # assessed meanwhile: the transaction is rolled back
        raise DomainError("already_assessed", f"Escrow due {due} is already assessed.") from exc
