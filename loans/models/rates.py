"""Rate history: every change of a loan's rate after boarding (spec/accrual.md)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from loans.models.loan import RATE, Loan
from loans.models.schedule import ScheduleVersion


class RateChange(models.Model):
    """A reprice (the index value on a schedule date or at a tier's start) or the correction
    of one by a backdated index value. The rows due after ``effective_date`` accrue at
    ``rate`` in ``schedule_version``."""

    class Reason(models.TextChoices):
        REPRICE = "reprice", "Reprice"
        CORRECTION = "correction", "Backdated index correction"

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="rate_changes")
    effective_date = models.DateField()
    reason = models.CharField(max_length=12, choices=Reason.choices)
    previous_rate = models.DecimalField(**RATE)
    rate = models.DecimalField(**RATE)
    index_code = models.CharField(max_length=30)
    index_value = models.DecimalField(**RATE)
    spread = models.DecimalField(**RATE)
    tier_sequence = models.PositiveSmallIntegerField(null=True, blank=True)
    schedule_version = models.ForeignKey(
        ScheduleVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # One reprice per loan and date: a COB re-run or a catch-up never reprices twice.
            models.UniqueConstraint(
                fields=["loan", "effective_date"],
                condition=Q(reason="reprice"),
                name="one_reprice_per_loan_date",
            )
        ]
        indexes = [models.Index(fields=["loan", "effective_date"])]

    def __str__(self) -> str:
        return f"{self.loan} {self.rate} % from {self.effective_date}"
