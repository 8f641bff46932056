"""Loan numbers: L + 7 digits from a counter row locked for the boarding transaction."""

from __future__ import annotations

from loans.models.config import Counter


def next_loan_number() -> str:
    """The next loan number (inside the caller's transaction, so a rollback frees nothing)."""
    counter, _ = Counter.objects.select_for_update().get_or_create(name="loan_number")
    counter.value += 1
    counter.save(update_fields=["value"])
    return f"L{counter.value:07d}"
