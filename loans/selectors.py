"""Read side of loans: what pages and APIs show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum

from loans.models import (
    Borrower,
    CreditLine,
    Draw,
    Installment,
    LedgerEntry,
    Loan,
    Product,
    ScheduleVersion,
)
from servicing.activity import activity_for
from servicing.money import ZERO, round_cents


def loan_by_number(loan_number: str) -> Loan | None:
    return (
        Loan.objects.select_related("product", "investor", "borrower")
        .filter(loan_number=loan_number)
        .first()
    )


def loan_reference(loan_number: str) -> Loan | None:
    """The loan's id and number only: for an action whose service locks and reads the
    loan itself (the full row read here would be read again under the lock)."""
    return Loan.objects.only("pk", "loan_number").filter(loan_number=loan_number).first()


def current_schedule_version(loan: Loan) -> ScheduleVersion | None:
    return loan.schedule_versions.filter(is_current=True).first()


def schedule_version(loan: Loan, version: int | None) -> ScheduleVersion | None:
    if version is None:
        return current_schedule_version(loan)
    return loan.schedule_versions.filter(version=version).first()


def installments(version: ScheduleVersion) -> QuerySet[Installment]:
    return version.installments.order_by("number")


DAILY_ACCRUALS = (
    LedgerEntry.Kind.INTEREST_ACCRUAL,
    LedgerEntry.Kind.DEFAULT_INTEREST_ACCRUAL,
)


def ledger_rows(loan: Loan, *, accruals: bool = True) -> QuerySet[LedgerEntry]:
    """The loan's transactions in effective order (the order a replay applies them).

    ``accruals=False`` leaves out the one-row-a-day accruals, so payments stand out.
    """
    reversed_rows = LedgerEntry.objects.filter(reversal_of=OuterRef("pk"))
    rows = loan.ledger_entries.annotate(is_reversed=Exists(reversed_rows))
    if not accruals:
        rows = rows.exclude(kind__in=DAILY_ACCRUALS)
    return rows.order_by("effective_date", "posted_at", "id")


def principal_paid_by_date(loan: Loan) -> list[tuple[dt.date, Decimal]]:
    """Principal moved by payments per effective date, net of reversals (ledger is the truth).

    A reversal keeps its payment's effective date, so a reversed payment nets to zero.
    """
    sign = {LedgerEntry.Kind.PAYMENT: 1, LedgerEntry.Kind.PAYMENT_REVERSAL: -1}
    rows = (
        loan.ledger_entries.filter(kind__in=list(sign), principal__gt=0)
        .values("effective_date", "kind")
        .annotate(principal=Sum("principal"))
        .order_by("effective_date")
    )
    net: dict[dt.date, Decimal] = {}
    for row in rows:
        day = row["effective_date"]
        net[day] = net.get(day, ZERO) + sign[row["kind"]] * row["principal"]
    # SQLite's Sum comes back with float noise (2,867.050000000000): back to cents.
    return [(day, round_cents(value)) for day, value in sorted(net.items())]


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


def last_closed_date():
    """The latest business date any open loan was closed for (the business date's floor)."""
    return Loan.objects.filter(status=Loan.Status.OPEN).aggregate(d=Max("last_closed_date"))["d"]


def rate_history(loan: Loan) -> list[dict]:
    """The loan's rates from boarding: the boarded rate, then every reprice or correction."""
    changes = list(
        loan.rate_changes.select_related("schedule_version").order_by("effective_date", "pk")
    )
    first = (
        Installment.objects.filter(schedule_version__loan=loan, schedule_version__version=1)
        .order_by("number")
        .values_list("rate", flat=True)
        .first()
    )
    boarded = changes[0].previous_rate if changes else (first or loan.interest_rate)
    source = ""
    if loan.index_code and loan.spread is not None:
        source = f"{loan.index_code} + {loan.spread.normalize():f}"
    history = [{"date": loan.funded_date, "rate": boarded, "why": "Boarded", "detail": source}]
    for change in changes:
        history.append(
            {
                "date": change.effective_date,
                "rate": change.rate,
                "why": change.get_reason_display(),
                "detail": f"{change.index_code} {change.index_value.normalize():f} + "
                f"{change.spread.normalize():f}"
                + (f" (tier {change.tier_sequence})" if change.tier_sequence else "")
                + (
                    f" · schedule v{change.schedule_version.version}"
                    if change.schedule_version
                    else ""
                ),
            }
        )
    return history


def credit_line(loan: Loan) -> CreditLine | None:
    """The line of a ``loc`` loan; None for any other loan (without a query)."""
    if loan.kind != Product.Kind.LOC:
        return None
    return CreditLine.objects.filter(loan=loan).first()


def draw_counts(line: CreditLine) -> dict[str, int]:
    """Draws waiting on someone: in verification, and approved but not auto-funded (one query)."""
    return line.draws.aggregate(
        verification=Count("pk", filter=Q(status=Draw.Status.VERIFICATION)),
        to_fund=Count("pk", filter=Q(status=Draw.Status.APPROVED, auto_funded=False)),
    )


def draws(line: CreditLine, *, status: str | None = None, auto_funded: bool | None = None):
    """The line's draws, newest first, with their disbursement and history (two queries)."""
    rows = line.draws.select_related("disbursement").prefetch_related("events")
    if status is not None:
        rows = rows.filter(status=status)
    if auto_funded is not None:
        rows = rows.filter(auto_funded=auto_funded)
    return rows.order_by("-pk")


def line_draw(line: CreditLine, draw_id: int) -> Draw | None:
    return line.draws.filter(pk=draw_id).first()
