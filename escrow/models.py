"""Escrow accounts of a loan, their own append-only ledger, assessments and analyses
(spec/escrow.md).

An account's ``balance`` is a projection of its ledger (``EscrowEntry``): every row has a
positive ``amount`` and its kind gives the direction (``BALANCE_EFFECT``); a rebuild sums
them and must agree, exactly as for the loan ledger.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from loans.models import LedgerEntry, Loan

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


class EscrowCategory(models.Model):
    """What an account holds money for: the four of the spec, plus those ops add."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "escrow categories"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    SEMIANNUAL = "semiannual", "Semiannual"
    ANNUAL = "annual", "Annual"


class EscrowAccount(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="escrow_accounts")
    category = models.ForeignKey(EscrowCategory, on_delete=models.PROTECT, related_name="+")
    balance = models.DecimalField(
        **MONEY, default=ZERO, help_text="Projection of the account's ledger."
    )
    minimum_balance = models.DecimalField(**MONEY, default=ZERO)
    monthly_amount = models.DecimalField(
        **MONEY, default=ZERO, help_text="Escrow assessed with each installment."
    )
    schedule_replenishment = models.BooleanField(
        default=False, help_text="Replenished by the scheduled payments (assessed on due dates)."
    )
    auto_analysis = models.BooleanField(
        default=False, help_text="Included in the loan's escrow analysis."
    )
    cushion_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Overrides the tenant's cushion (RESPA: at most 2)."
    )
    last_analysis_date = models.DateField(null=True, blank=True)
    next_analysis_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum_balance__gte=0), name="escrow_minimum_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(monthly_amount__gte=0), name="escrow_monthly_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(cushion_months__isnull=True) | Q(cushion_months__lte=2),
                name="escrow_cushion_at_most_two_months",
            ),
        ]
        indexes = [models.Index(fields=["last_analysis_date"], name="escrow_last_analysis_idx")]

    def __str__(self) -> str:
        return f"{self.loan} {self.category}"


class EscrowSubtype(models.Model):
    """A part of an account: county and school tax, hazard and flood insurance..."""

    account = models.ForeignKey(EscrowAccount, on_delete=models.CASCADE, related_name="subtypes")
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="escrow_subtype_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class DisbursementItem(models.Model):
    """A bill the account pays: payee, amount, next due date and how often it recurs."""

    account = models.ForeignKey(EscrowAccount, on_delete=models.CASCADE, related_name="items")
    subtype = models.ForeignKey(
        EscrowSubtype, null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    payee = models.CharField(max_length=200)
    amount = models.DecimalField(**MONEY)
    next_due_date = models.DateField()
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="escrow_item_positive")
        ]

    def __str__(self) -> str:
        return f"{self.payee} {self.amount} {self.get_frequency_display().lower()}"


class EscrowEntry(models.Model):
    """A row of an account's ledger ("Transactions (Additional A/C)"): append-only."""

    class Kind(models.TextChoices):
        REPLENISHED = "replenished", "Replenished"
        REPLENISHMENT_REVERSED = "replenishment_reversed", "Replenishment reversed"
        WITHDRAWN = "withdrawn", "Withdrawn"
        WITHDRAWAL_REVERSED = "withdrawal_reversed", "Withdrawal reversed"
        EXCESS_REFUND = "excess_refund", "Excess refund"
        TRANSFER_IN = "transfer_in", "Transfer in"
        TRANSFER_OUT = "transfer_out", "Transfer out"

    account = models.ForeignKey(EscrowAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    amount = models.DecimalField(**MONEY)
    effective_date = models.DateField()
    business_date = models.DateField()
    posted_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    reversal_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    # The loan ledger row behind it: the payment that replenished, the loan payment made
    # from escrow, the reversal that took a replenishment back.
    loan_entry = models.ForeignKey(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="escrow_entries"
    )
    item = models.ForeignKey(
        DisbursementItem, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    counterparty = models.ForeignKey(
        EscrowAccount,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The other account of a transfer.",
    )
    payee = models.CharField(max_length=200, blank=True)
    note = models.CharField(max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "escrow entries"
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="escrow_entry_positive")
        ]
        indexes = [models.Index(fields=["account", "effective_date", "id"])]

    def __str__(self) -> str:
        return f"{self.account} {self.kind} {self.amount}"


# +1 adds to the account's balance, -1 takes from it.
BALANCE_EFFECT = {
    EscrowEntry.Kind.REPLENISHED: 1,
    EscrowEntry.Kind.TRANSFER_IN: 1,
    EscrowEntry.Kind.WITHDRAWAL_REVERSED: 1,
    EscrowEntry.Kind.WITHDRAWN: -1,
    EscrowEntry.Kind.EXCESS_REFUND: -1,
    EscrowEntry.Kind.TRANSFER_OUT: -1,
    EscrowEntry.Kind.REPLENISHMENT_REVERSED: -1,
}


class EscrowAssessment(models.Model):
    """Escrow the borrower owes for an account: assessed on a due date (scheduled) or by
    an agent (Assess Escrow); payments' escrow part replenishes the oldest first."""

    class Source(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled (due date)"
        MANUAL = "manual", "Assess Escrow"

    account = models.ForeignKey(EscrowAccount, on_delete=models.PROTECT, related_name="assessments")
    due_date = models.DateField()
    amount = models.DecimalField(**MONEY)
    source = models.CharField(max_length=10, choices=Source.choices)
    loan_entry = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, related_name="escrow_assessments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="escrow_assessment_positive"),
            # A close of business re-run never assesses a due date twice.
            models.UniqueConstraint(
                fields=["account", "due_date"],
                condition=Q(source="scheduled"),
                name="one_scheduled_assessment_per_due_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} assessed {self.amount} on {self.due_date}"


class EscrowAnalysis(models.Model):
    """One escrow analysis of a loan, stored as computed (immutable): inputs, the 13 rows
    of Steps 1-3, the figures, actions, client rules' outcomes and the new payment."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="escrow_analyses")
    effective_date = models.DateField()
    computation_year_start = models.DateField()
    annual_disbursements = models.DecimalField(**MONEY)
    monthly_payment = models.DecimalField(**MONEY)
    cushion = models.DecimalField(**MONEY)
    required_starting_balance = models.DecimalField(**MONEY)
    projected_starting_balance = models.DecimalField(**MONEY)
    surplus = models.DecimalField(**MONEY, default=ZERO)
    shortage = models.DecimalField(**MONEY, default=ZERO)
    deficiency = models.DecimalField(**MONEY, default=ZERO)
    low_point_month = models.CharField(max_length=7)
    new_monthly_payment = models.DecimalField(**MONEY)
    exempt = models.BooleanField(default=False)
    result = models.JSONField(help_text="Inputs, rows, actions and rule outcomes as computed.")
    updated = models.BooleanField(default=False, help_text="Applied to the loan (Update).")
    job_run = models.ForeignKey(
        "servicing.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "escrow analyses"
        constraints = [
            # Re-running a batch never updates a loan twice for one computation year.
            models.UniqueConstraint(
                fields=["loan", "computation_year_start"],
                condition=Q(updated=True),
                name="one_update_per_computation_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.loan} escrow analysis {self.computation_year_start:%Y-%m}"


# Batch items and reports live in their own module; imported here so Django finds them.
from escrow.models_batch import EscrowBatchItem, EscrowReport  # noqa: E402, F401
