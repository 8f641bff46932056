"""Read side of loans: what pages and APIs show."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from loans.models import Borrower, Installment, LedgerEntry, Loan, ScheduleVersion
from servicing.activity import activity_for


def loan_by_number(loan_number: str) -> Loan | None:
    return (
        Loan.objects.select_related("product", "investor", "borrower")
        .filter(loan_number=loan_number)
        .first()
    )


def current_schedule_version(loan: Loan) -> ScheduleVersion | None:
    return loan.schedule_versions.filter(is_current=True).first()


def schedule_version(loan: Loan, version: int | None) -> ScheduleVersion | None:
    if version is None:
        return current_schedule_version(loan)
    return loan.schedule_versions.filter(version=version).first()


def installments(version: ScheduleVersion) -> QuerySet[Installment]:
    return version.installments.order_by("number")


def ledger_rows(loan: Loan) -> QuerySet[LedgerEntry]:
    """The loan's transactions in effective order (the order a replay applies them)."""
    reversed_rows = LedgerEntry.objects.filter(reversal_of=OuterRef("pk"))
    return loan.ledger_entries.annotate(is_reversed=Exists(reversed_rows)).order_by(
        "effective_date", "posted_at", "id"
    )


def loan_activity(loan: Loan):
    return activity_for(loan)


def search_loans(query: str, *, limit: int = 50) -> QuerySet[Loan]:
    """Loan number, application number, borrower name or borrower id."""
    query = query.strip()
    if not query:
        return Loan.objects.none()
    match = (
        Q(loan_number__iexact=query)
        | Q(application_number__iexact=query)
        | Q(borrower__borrower_id__iexact=query)
        | Q(borrower__last_name__icontains=query)
        | Q(borrower__first_name__icontains=query)
        | Q(borrower__business_name__icontains=query)
    )
    return (
        Loan.objects.select_related("borrower", "product")
        .filter(match)
        .order_by("loan_number")[:limit]
    )


def search_borrowers(query: str, *, limit: int = 50) -> QuerySet[Borrower]:
    query = query.strip()
    if not query:
        return Borrower.objects.none()
    return Borrower.objects.filter(
        Q(borrower_id__iexact=query)
        | Q(last_name__icontains=query)
        | Q(first_name__icontains=query)
        | Q(business_name__icontains=query)
        | Q(email__iexact=query)
    ).order_by("last_name", "business_name")[:limit]
