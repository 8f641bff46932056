"""The loan ledger: append-only rows with an effective date and a split over buckets.

Signs (fixed before the first migration, spec/loans.md "Ledger and balance buckets"):
``amount`` and every bucket of the split are >= 0 (an accrual adjustment alone is signed:
it moves interest up or down) and ``amount`` equals their sum. The
direction comes from the kind (``loans.ledger.BALANCE_EFFECT``): a disbursement, accrual
or fee adds to the borrower's balances; a payment or waiver takes from them (its
``excess`` part adds to the money held for the borrower). A reversal row repeats the
split of the row it reverses, with the opposite effect.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from loans.models.loan import MONEY, Loan, cents_equal

BUCKETS = ("principal", "interest", "additional_interest", "fees", "escrow", "excess")


class Bucket(models.TextChoices):
    PRINCIPAL = "principal", "Principal"
    INTEREST = "interest", "Interest"
    ADDITIONAL_INTEREST = "additional_interest", "Additional interest"
    FEES = "fees", "Fees"
    ESCROW = "escrow", "Escrow"
    EXCESS = "excess", "Excess"


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        DISBURSEMENT = "disbursement", "Disbursement"
        DRAW = "draw", "Draw funded"
        PAYMENT = "payment", "Payment"
        PAYMENT_REVERSAL = "payment_reversal", "Payment reversal"
        FEE_ASSESSED = "fee_assessed", "Fee assessed"
        FEE_WAIVED = "fee_waived", "Fee waived"
        INTEREST_ACCRUAL = "interest_accrual", "Interest accrual"
        DEFAULT_INTEREST_ACCRUAL = "default_interest_accrual", "Default interest accrual"
        ACCRUAL_ADJUSTMENT = "accrual_adjustment", "Accrual adjustment"
        EARN_OUT = "earn_out", "Earn-out issued"
        SETTLEMENT = "settlement", "Settlement"
        DISCOUNT = "discount", "Discount"
        CHARGE_OFF = "charge_off", "Charge-off"
        ESCROW_ASSESSED = "escrow_assessed", "Escrow assessed"
        EXCESS_REFUND = "excess_refund", "Excess refund"

    # Indexed by the (loan, effective date, ...) index below, its leading column.
    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="ledger_entries", db_index=False
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    effective_date = models.DateField()
    business_date = models.DateField(help_text="Business date when it was posted.")
    posted_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # partial index below: the system's rows (most of them) have none
    )
    actor_label = models.CharField(max_length=150)
    amount = models.DecimalField(**MONEY)
    principal = models.DecimalField(**MONEY, default=0)
    interest = models.DecimalField(**MONEY, default=0)
    additional_interest = models.DecimalField(**MONEY, default=0)
    fees = models.DecimalField(**MONEY, default=0)
    escrow = models.DecimalField(**MONEY, default=0)
    excess = models.DecimalField(**MONEY, default=0)
    reversal_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    replayed_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replayed_as",
        db_index=False,  # partial index below
    )
    details = models.JSONField(
        default=dict, blank=True, help_text="Instrument, hierarchy, fee name..."
    )
    note = models.CharField(max_length=500, blank=True)
    external_reference = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(
                condition=cents_equal(
                    "amount",
                    F("principal")
                    + F("interest")
                    + F("additional_interest")
                    + F("fees")
                    + F("escrow")
                    + F("excess"),
                ),
                name="ledger_amount_is_sum_of_buckets",
            ),
            # An accrual adjustment moves interest up or down: the one signed kind.
            models.CheckConstraint(
                condition=Q(kind="accrual_adjustment")
                | Q(
                    principal__gte=0,
                    interest__gte=0,
                    additional_interest__gte=0,
                    fees__gte=0,
                    escrow__gte=0,
                    excess__gte=0,
                ),
                name="ledger_buckets_not_negative",
            ),
            # ARCHITECTURE.md: an accrual for (loan, date, kind) exists once, so a COB
            # re-run is a no-op and a crashed run resumes.
            models.UniqueConstraint(
                fields=["loan", "effective_date", "kind"],
                condition=Q(kind__in=["interest_accrual", "default_interest_accrual"]),
                name="one_accrual_per_loan_date_kind",
            ),
        ]
        # The close of business inserts a row per loan and day: every index is paid for on
        # each, so the sparse foreign keys are indexed only where they are set.
        indexes = [
            models.Index(fields=["loan", "effective_date", "posted_at", "id"]),
            models.Index(
                fields=["actor"], condition=Q(actor__isnull=False), name="ledger_actor_idx"
            ),
            models.Index(
                fields=["replayed_from"],
                condition=Q(replayed_from__isnull=False),
                name="ledger_replayed_from_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan} {self.kind} {self.amount} @ {self.effective_date}"

    def split(self) -> dict:
        return {bucket: getattr(self, bucket) for bucket in BUCKETS}


class Note(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    author_label = models.CharField(max_length=150)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.loan} note {self.created_at:%Y-%m-%d}"
