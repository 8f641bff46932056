"""Row locks on loans, always taken in id order so two services never deadlock."""

from __future__ import annotations

from collections.abc import Iterable

from loans.models import Loan


def lock_loans(ids: Iterable[int]) -> list[Loan]:
    """SELECT ... FOR UPDATE the loans in ascending id order (inside a transaction)."""
    return list(Loan.objects.select_for_update().filter(pk__in=sorted(set(ids))).order_by("pk"))


def lock_loan(loan_id: int) -> Loan:
    return Loan.objects.select_for_update().get(pk=loan_id)
