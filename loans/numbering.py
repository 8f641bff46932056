"""Loan numbers: L + 7 digits from a counter row locked for the boarding transaction."""

from __future__ import annotations

from django.db.models import F

from loans.models.config import Counter


def next_loan_number() -> str:
    """The next loan number (inside the caller's transaction, so a rollback frees nothing).

    One ``UPDATE ... SET value = value + 1`` takes the row lock and the number together.
    """
    counter = Counter.objects.filter(name="loan_number")
    if not counter.update(value=F("value") + 1):
        Counter.objects.get_or_create(name="loan_number")
        counter.update(value=F("value") + 1)
    return f"L{counter.values_list('value', flat=True).get():07d}"
