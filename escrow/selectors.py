"""Read side of escrow: a loan's accounts with their sub-types and items, and the escrow
ledger rows, for the Escrow tab and the API."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from escrow.models import DisbursementItem, EscrowAccount, EscrowEntry
from loans.models import Loan


def loan_accounts(loan: Loan) -> QuerySet[EscrowAccount]:
    """Every account of the loan, oldest first, sub-types and items prefetched."""
    return (
        EscrowAccount.objects.filter(loan=loan)
        .select_related("category")
        .prefetch_related(
            "subtypes",
            Prefetch("items", queryset=DisbursementItem.objects.order_by("-is_active", "id")),
        )
        .order_by("id")
    )


def loan_account(loan: Loan, account_id) -> EscrowAccount | None:
    return loan_accounts(loan).filter(pk=account_id).first() if str(account_id).isdigit() else None


def account_counts(loan: Loan) -> dict[str, int]:
    """How many accounts the loan has, and how many in the escrow analysis: one query per
    loan instance, however many loan-page actions and tabs ask (cached on the instance)."""
    counts = getattr(loan, "_escrow_account_counts", None)
    if counts is None:
        counts = EscrowAccount.objects.filter(loan=loan).aggregate(
            accounts=Count("id"), auto_analysis=Count("id", filter=Q(auto_analysis=True))
        )
        loan._escrow_account_counts = counts
    return counts


def has_escrow(loan: Loan) -> bool:
    return account_counts(loan)["accounts"] > 0


def entries(*, loan: Loan | None = None, account: EscrowAccount | None = None):
    """Escrow ledger rows, newest first, with what a row shows (account, item, reversal)."""
    rows = EscrowEntry.objects.select_related(
        "account__category", "item", "counterparty__category", "reversal_of", "reversed_by"
    )
    if account is not None:
        rows = rows.filter(account=account)
    if loan is not None:
        rows = rows.filter(account__loan=loan)
    return rows.order_by("-effective_date", "-id")


def loan_entry(loan: Loan, entry_id) -> EscrowEntry | None:
    if not str(entry_id).isdigit():
        return None
    return entries(loan=loan).filter(pk=entry_id).first()
