"""Non-accrual changes (spec/accrual.md: a loan marked non-accrual accrues nothing until the
flag is lifted). Each change is an event the replay applies on its effective date."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from loans.models.loan import Loan


class AccrualStatusChange(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="accrual_status_changes")
    effective_date = models.DateField()
    non_accrual = models.BooleanField(help_text="True: set non-accrual; False: lifted.")
    reason = models.CharField(max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="accrual_change_has_reason"),
        ]
        indexes = [models.Index(fields=["loan", "effective_date"])]

    def __str__(self) -> str:
        state = "non-accrual" if self.non_accrual else "accruing"
        return f"{self.loan} {state} from {self.effective_date}"
