"""Schedule versions and installments: projected at boarding, billed on the due date."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q

from loans.models.loan import MONEY, Loan, cents_equal

ZERO = Decimal("0.00")


class ScheduleVersion(models.Model):
    """Boarding makes version 1; a draw, modification, reprice... makes the next one."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="schedule_versions")
    version = models.PositiveIntegerField()
    effective_date = models.DateField()
    reason = models.CharField(max_length=100)
    period_start = models.DateField(
        null=True, blank=True, help_text="Start of the first regular period (broken period)."
    )
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["loan", "version"], name="schedule_version_unique"),
            models.UniqueConstraint(
                fields=["loan"], condition=Q(is_current=True), name="one_current_schedule_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan} v{self.version}"


class Installment(models.Model):
    """One row of a schedule version.

    ``principal``/``interest``/... are the projection; ``billed_*`` are fixed on the due
    date (spec/loans.md "Billing"); ``paid_*`` are what payments allocated to the row.
    Billed and paid figures are projections of the ledger that a rebuild reproduces.
    """

    class Status(models.TextChoices):
        PROJECTED = "projected", "Projected"
        DUE = "due", "Due"
        PARTIAL = "partial", "Partially paid"
        PAID = "paid", "Paid"

    # No index of its own: (schedule_version, number) and (schedule_version, due_date) lead
    # with it, and a 360-row schedule is one index write fewer per row to board.
    schedule_version = models.ForeignKey(
        ScheduleVersion, on_delete=models.CASCADE, related_name="installments", db_index=False
    )
    number = models.PositiveIntegerField()
    due_date = models.DateField()
    principal = models.DecimalField(**MONEY)
    interest = models.DecimalField(**MONEY)
    fees = models.DecimalField(**MONEY, default=ZERO)
    escrow = models.DecimalField(**MONEY, default=ZERO)
    total = models.DecimalField(**MONEY)
    balance_after = models.DecimalField(**MONEY)
    rate = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True, help_text="Annual % of the row."
    )
    interest_only = models.BooleanField(default=False)
    fixed_interest = models.BooleanField(
        default=False, help_text="Finance charge fixed by the schedule (MCA, custom rows)."
    )
    kept_billed = models.BooleanField(
        default=False,
        db_default=False,  # bulk writers (COPY) that do not name it
        help_text="Billed before a backdated index correction: keeps its billed amounts; the "
        "interest difference goes to the next row billed (spec/accrual.md).",
    )

    billed = models.BooleanField(default=False)
    billed_principal = models.DecimalField(**MONEY, default=ZERO)
    billed_interest = models.DecimalField(**MONEY, default=ZERO)
    billed_fees = models.DecimalField(**MONEY, default=ZERO)
    billed_escrow = models.DecimalField(**MONEY, default=ZERO)
    paid_principal = models.DecimalField(**MONEY, default=ZERO)
    paid_interest = models.DecimalField(**MONEY, default=ZERO)
    paid_fees = models.DecimalField(**MONEY, default=ZERO)
    paid_escrow = models.DecimalField(**MONEY, default=ZERO)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROJECTED)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["schedule_version", "number"], name="installment_unique_number"
            ),
            models.CheckConstraint(
                condition=cents_equal(
                    "total", F("principal") + F("interest") + F("fees") + F("escrow")
                ),
                name="installment_total_is_sum",
            ),
            models.CheckConstraint(
                condition=Q(principal__gte=0, interest__gte=0, fees__gte=0, escrow__gte=0),
                name="installment_parts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    paid_principal__lte=F("billed_principal"),
                    paid_interest__lte=F("billed_interest"),
                    paid_fees__lte=F("billed_fees"),
                    paid_escrow__lte=F("billed_escrow"),
                ),
                name="installment_paid_within_billed",
            ),
            models.CheckConstraint(
                condition=Q(billed=True) | Q(billed_principal=0, billed_interest=0),
                name="installment_unbilled_has_no_bill",
            ),
        ]
        indexes = [models.Index(fields=["schedule_version", "due_date"])]

    def __str__(self) -> str:
        return f"{self.schedule_version} #{self.number} {self.due_date}"

    @property
    def billed_total(self) -> Decimal:
        return self.billed_principal + self.billed_interest + self.billed_fees + self.billed_escrow

    @property
    def paid_total(self) -> Decimal:
        return self.paid_principal + self.paid_interest + self.paid_fees + self.paid_escrow
