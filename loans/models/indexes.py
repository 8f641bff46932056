"""Index sources (WSJ Prime, SOFR 30-day average) and their value history (spec/accrual.md).

A value is never edited: the rate of a date is the latest value effective on or before
it, so a changed index is a new row with its own effective date.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from loans.models.loan import RATE

# spec/accrual.md: index values are annual percentages; negative rates exist (EURIBOR
# went to -0.5 %), anything outside this band is a typing error.
MIN_INDEX_VALUE = Decimal("-5")
MAX_INDEX_VALUE = Decimal("100")
EARLIEST_EFFECTIVE_FROM = dt.date(1900, 1, 1)

index_code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_-]*$",
    "Use capital letters, digits, '_' or '-' (e.g. PRIME, SOFR30).",
)


class IndexSource(models.Model):
    """A published index loans reprice from; loans name it by ``code`` (Loan.index_code)."""

    class RefreshFrequency(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"
        MANUAL = "manual", "Manual (when it changes)"

    code = models.CharField(max_length=30, unique=True, validators=[index_code_validator])
    name = models.CharField(max_length=200)
    refresh_frequency = models.CharField(
        max_length=10, choices=RefreshFrequency.choices, default=RefreshFrequency.DAILY
    )
    is_active = models.BooleanField(
        default=True, help_text="Inactive sources keep their history but take no new values."
    )
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class IndexValue(models.Model):
    """One published value of an index, effective from a date until the next value."""

    source = models.ForeignKey(IndexSource, on_delete=models.PROTECT, related_name="values")
    value = models.DecimalField(**RATE, help_text="Annual percentage, e.g. 8.250000.")
    effective_from = models.DateField()
    business_date = models.DateField(help_text="Business date when it was entered.")
    entered_at = models.DateTimeField(auto_now_add=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_by_label = models.CharField(
        max_length=150, help_text="User name, API client or 'system'."
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            # One value per date: a second one is refused (409 index_value_exists), never
            # an overwrite of a value loans may have been priced from.
            models.UniqueConstraint(
                fields=["source", "effective_from"], name="one_index_value_per_date"
            ),
            models.CheckConstraint(
                condition=Q(value__gte=MIN_INDEX_VALUE) & Q(value__lte=MAX_INDEX_VALUE),
                name="index_value_in_range",
            ),
            models.CheckConstraint(
                condition=Q(effective_from__gte=EARLIEST_EFFECTIVE_FROM),
                name="index_value_effective_from_1900",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source.code} {self.value}% from {self.effective_from.isoformat()}"
