"""Lines of credit, their draws and the disbursements of auto-funded draws (spec/loc.md)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from loans.models.ledger import LedgerEntry
from loans.models.loan import MONEY, ZERO, Loan


class CreditLine(models.Model):
    """The line of a ``loc`` loan: its limit, kind, term and status."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        CANCELED = "canceled", "Canceled"
        CLOSED = "closed", "Closed"

    class TermType(models.TextChoices):
        FIXED = "fixed", "Fixed term"
        OPEN = "open", "Open term"

    loan = models.OneToOneField(Loan, on_delete=models.CASCADE, related_name="line")
    credit_limit = models.DecimalField(**MONEY)
    revolving = models.BooleanField(
        help_text="Payments of principal restore availability; not paid off at zero."
    )
    term_type = models.CharField(max_length=5, choices=TermType.choices)
    valid_till_date = models.DateField(
        null=True, blank=True, help_text="The close of business closes the line after it."
    )
    draw_term_payments = models.PositiveIntegerField(
        null=True, blank=True, help_text="Open term: payments from each funded draw to maturity."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    status_changed_on = models.DateField(null=True, blank=True)
    status_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(credit_limit__gt=0), name="line_limit_positive"),
            models.CheckConstraint(
                condition=Q(term_type="fixed") | Q(draw_term_payments__gte=1),
                name="line_open_term_has_draw_term",
            ),
        ]
        # The close of business looks for lines whose valid-till date has passed.
        indexes = [
            models.Index(
                fields=["valid_till_date"],
                condition=Q(status__in=["active", "suspended"], valid_till_date__isnull=False),
                name="line_open_valid_till_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.loan} line"

    @property
    def is_final(self) -> bool:
        return self.status in (self.Status.CANCELED, self.Status.CLOSED)


class Draw(models.Model):
    class Status(models.TextChoices):
        VERIFICATION = "verification", "Verification"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        DELETED = "deleted", "Deleted"
        FUNDED = "funded", "Funded"

    class Via(models.TextChoices):
        UI = "ui", "Loan page"
        API = "api", "API"

    line = models.ForeignKey(CreditLine, on_delete=models.CASCADE, related_name="draws")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.VERIFICATION)
    requested_date = models.DateField()
    requested_amount = models.DecimalField(**MONEY)
    approved_amount = models.DecimalField(**MONEY, null=True, blank=True)
    fee = models.DecimalField(
        **MONEY, default=ZERO, help_text="Passed at initiation: taken off the approved amount."
    )
    funded_amount = models.DecimalField(**MONEY, null=True, blank=True)
    funded_date = models.DateField(null=True, blank=True)
    auto_funded = models.BooleanField(default=False)
    initiated_via = models.CharField(max_length=3, choices=Via.choices)
    reject_reason = models.CharField(max_length=300, blank=True)
    external_id = models.CharField(max_length=64, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    # The principal added on the funded date (a ``draw`` row of the loan's ledger).
    ledger_entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="draw"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_amount__gt=0), name="draw_requested_positive"
            ),
            models.CheckConstraint(condition=Q(fee__gte=0), name="draw_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gt=F("fee")),
                name="draw_approved_above_fee",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "funded"]) | Q(approved_amount__isnull=False),
                name="draw_approved_has_amount",
            ),
            models.CheckConstraint(
                condition=~Q(status="funded")
                | Q(funded_date__isnull=False, funded_amount=F("approved_amount") - F("fee")),
                name="draw_funded_is_approved_less_fee",
            ),
            models.UniqueConstraint(
                fields=["line", "external_id"],
                condition=~Q(external_id=""),
                name="draw_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line.loan} draw {self.pk}"


class DrawEvent(models.Model):
    """A draw's history: one row per status change (append-only)."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=12, choices=Draw.Status.choices)
    business_date = models.DateField()
    at = models.DateTimeField(auto_now_add=True)
    actor_label = models.CharField(max_length=150)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.draw} {self.status}"


class Disbursement(models.Model):
    """The instruction approval makes for an auto-funded draw: paid out (and the draw
    funded) by the close of business on its date, listed in that date's file."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DISBURSED = "disbursed", "Disbursed"
        CANCELED = "canceled", "Canceled"

    draw = models.OneToOneField(Draw, on_delete=models.CASCADE, related_name="disbursement")
    disbursement_date = models.DateField()
    amount = models.DecimalField(**MONEY)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    file_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_positive")
        ]
        indexes = [
            models.Index(
                fields=["disbursement_date"],
                condition=Q(status="pending"),
                name="disbursement_pending_idx",
            ),
            models.Index(
                fields=["file_name"],
                condition=Q(status="disbursed"),
                name="disbursement_file_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.draw} disbursement {self.disbursement_date}"
