"""Borrowers, loans and their rate tiers."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q, Value

from loans.models.config import DayCount, Investor, PaymentFrequency, PaymentHierarchy, Product
from servicing.orm import SavesChangedFields

MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 9, "decimal_places": 6}
ZERO = Decimal("0.00")
HALF_CENT = Decimal("0.005")


def cents_equal(field: str, expression) -> Q:
    """``field == expression`` for cent amounts. Exact on PostgreSQL's numeric; the half-cent
    band only absorbs SQLite's binary floats (two cent amounts differ by >= 0.01)."""
    return Q(**{f"{field}__gte": expression - Value(HALF_CENT)}) & Q(
        **{f"{field}__lte": expression + Value(HALF_CENT)}
    )


class Borrower(models.Model):
    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", "Individual"
        BUSINESS = "business", "Business"

    borrower_id = models.CharField(max_length=64, unique=True, help_text="The LOS's key.")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INDIVIDUAL)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    business_name = models.CharField(max_length=200, blank=True)
    tax_id = models.CharField(max_length=20, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=50, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, default="US")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["business_name"]),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.borrower_id})"

    @property
    def display_name(self) -> str:
        if self.kind == self.Kind.BUSINESS and self.business_name:
            return self.business_name
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.business_name


class Loan(SavesChangedFields, models.Model):
    """A boarded loan: its terms (copied from product and onboarding) and cached balances.

    The cached balances are a projection of the ledger; ``rebuild_loan`` reproduces them.
    """

    class Status(models.TextChoices):
        APPLICATION = "application", "Application"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class ClosureReason(models.TextChoices):
        PAID_OFF = "paid_off", "Paid off"
        RENEWED = "renewed", "Renewed"
        CHARGED_OFF = "charged_off", "Charged off"
        SOLD = "sold", "Sold"
        CANCELED = "canceled", "Canceled"

    class ScheduleType(models.TextChoices):
        EQUATED = "equated", "Equated installments"
        INTEREST_ONLY = "interest_only", "Interest only with balloon"
        TIERED = "tiered", "Tiered"
        MCA = "mca", "Merchant cash advance"
        CUSTOM = "custom", "Custom"

    class RateType(models.TextChoices):
        FIXED = "fixed", "Fixed"
        VARIABLE = "variable", "Variable"

    class BrokenPeriod(models.TextChoices):
        MERGED = "merged", "Merged into the first installment"
        SEPARATE = "separate", "Separate stub installment"

    loan_number = models.CharField(max_length=20, unique=True)
    application_number = models.CharField(max_length=64, unique=True)
    loan_type = models.CharField(max_length=10, default="new")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    closure_reason = models.CharField(max_length=12, choices=ClosureReason.choices, blank=True)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="loans")
    investor = models.ForeignKey(Investor, on_delete=models.PROTECT, related_name="loans")
    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="loans")

    kind = models.CharField(max_length=20, choices=Product.Kind.choices, default="term")
    funded_amount = models.DecimalField(**MONEY)
    loan_amount = models.DecimalField(
        **MONEY, help_text="Principal at boarding: funded amount + amortised fees (MCA)."
    )
    funded_date = models.DateField()
    first_payment_date = models.DateField()
    number_of_payments = models.PositiveIntegerField()
    maturity_date = models.DateField()
    schedule_type = models.CharField(max_length=15, choices=ScheduleType.choices)
    rate_type = models.CharField(max_length=10, choices=RateType.choices, default=RateType.FIXED)
    interest_rate = models.DecimalField(**RATE, help_text="Annual %, current regular rate.")
    index_code = models.CharField(max_length=30, blank=True)
    index_value = models.DecimalField(**RATE, null=True, blank=True)
    spread = models.DecimalField(**RATE, null=True, blank=True)
    rate_floor = models.DecimalField(**RATE, null=True, blank=True)
    rate_cap = models.DecimalField(**RATE, null=True, blank=True)
    day_count = models.CharField(max_length=10, choices=DayCount.choices)
    payment_frequency = models.CharField(max_length=15, choices=PaymentFrequency.choices)
    payment_hierarchy = models.CharField(max_length=10, choices=PaymentHierarchy.choices)
    broken_period = models.CharField(
        max_length=10, choices=BrokenPeriod.choices, default=BrokenPeriod.MERGED
    )
    grace_days = models.PositiveSmallIntegerField(default=0)
    prepay_to_principal = models.BooleanField(default=False)
    default_interest = models.JSONField(
        default=dict,
        blank=True,
        help_text="Default-interest settings resolved at boarding (loan > product > investor "
        "> system) with the level each came from (loans.default_interest).",
    )
    terms = models.JSONField(
        default=dict, help_text="Normalized boarding terms the engine replays."
    )
    custom_fields = models.JSONField(default=dict, blank=True)

    non_accrual = models.BooleanField(default=False)
    last_closed_date = models.DateField(
        help_text="Last business date this loan was closed (accrued, billed) for."
    )
    # The replay's accrual state at the opening of a business date (after its billing
    # and events, before its accrual): with the balances and the installments it is the
    # engine state a same-day payment continues from (loans.services.replay).
    carry = models.JSONField(null=True, blank=True, editable=False)

    principal_balance = models.DecimalField(**MONEY, default=ZERO)
    interest_balance = models.DecimalField(**MONEY, default=ZERO)
    additional_interest_balance = models.DecimalField(**MONEY, default=ZERO)
    fees_balance = models.DecimalField(**MONEY, default=ZERO)
    escrow_balance = models.DecimalField(**MONEY, default=ZERO)
    excess_balance = models.DecimalField(**MONEY, default=ZERO)
    amount_due = models.DecimalField(**MONEY, default=ZERO)
    next_due_date = models.DateField(null=True, blank=True)
    next_due_amount = models.DecimalField(**MONEY, default=ZERO)
    dpd = models.PositiveIntegerField(default=0)
    oldest_unpaid_due = models.DateField(
        null=True, blank=True, help_text="Due date of the oldest billed installment not paid."
    )

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # A line of credit may be boarded before its first draw.
            models.CheckConstraint(
                condition=Q(funded_amount__gt=0) | Q(kind="loc", funded_amount=0),
                name="loan_funded_positive",
            ),
            models.CheckConstraint(
                condition=Q(principal_balance__gte=0), name="loan_principal_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(interest_balance__gte=0), name="loan_interest_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(additional_interest_balance__gte=0), name="loan_additional_not_negative"
            ),
            models.CheckConstraint(condition=Q(fees_balance__gte=0), name="loan_fees_not_negative"),
            models.CheckConstraint(
                condition=Q(excess_balance__gte=0), name="loan_excess_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount_due__gte=0), name="loan_amount_due_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status="closed") | Q(closure_reason=""),
                name="loan_closure_reason_only_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(first_payment_date__gt=models.F("funded_date")),
                name="loan_first_payment_after_funding",
            ),
        ]
        # Not on last_closed_date or the other figures the close of business moves every
        # day: with no indexed column changed (and room left on the page, fillfactor 80,
        # migration 0009) PostgreSQL updates a loan in place (HOT), without index writes.
        indexes = [models.Index(fields=["status"], name="loans_loan_status_idx")]

    def __str__(self) -> str:
        return self.loan_number

    @property
    def outstanding(self) -> Decimal:
        return (
            self.principal_balance
            + self.interest_balance
            + self.additional_interest_balance
            + self.fees_balance
            + self.escrow_balance
            - self.excess_balance
        )


class LoanTier(models.Model):
    """One tier of a tiered schedule (seed 002 "Flexible tiers")."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="tiers")
    sequence = models.PositiveSmallIntegerField()
    payment_start_date = models.DateField()
    number_of_payments = models.PositiveIntegerField()
    schedule_type = models.CharField(max_length=15)  # fixed_payment | interest_only
    payment_amount = models.DecimalField(**MONEY, null=True, blank=True)
    interest_rate_type = models.CharField(max_length=10)  # fixed | variable
    interest_rate = models.DecimalField(**RATE, null=True, blank=True)
    index_code = models.CharField(max_length=30, blank=True)
    index_value = models.DecimalField(**RATE, null=True, blank=True)
    spread = models.DecimalField(**RATE, null=True, blank=True)
    reprice_at = models.CharField(max_length=15, default="tier_start")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["loan", "sequence"], name="tier_unique_sequence"),
        ]

    def __str__(self) -> str:
        return f"{self.loan} tier {self.sequence}"
