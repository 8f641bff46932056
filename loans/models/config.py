"""Loan configuration: investors and products, whose defaults loans copy at boarding."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models

DEFAULT_INTEREST_KEYS = {"enabled", "method", "base", "spread", "default_rate", "grace_days"}


def validate_fee_definitions(value) -> None:
    """Product fees: a list of {name, amount (positive decimal string), amortized (bool)}."""
    if not isinstance(value, list):
        raise ValidationError("Fee definitions are a list of {name, amount, amortized}.")
    for n, fee in enumerate(value, 1):
        if not isinstance(fee, dict) or not str(fee.get("name", "")).strip():
            raise ValidationError(f"Fee {n}: needs a name.")
        try:
            amount = Decimal(str(fee.get("amount")))
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount <= 0 or amount != round(amount, 2):
            raise ValidationError(f"Fee {n}: amount must be a positive amount in cents.")
        if not isinstance(fee.get("amortized", False), bool):
            raise ValidationError(f"Fee {n}: amortized is true or false.")


def validate_default_interest(value) -> None:
    if not isinstance(value, dict):
        raise ValidationError("Default interest is an object.")
    unknown = set(value) - DEFAULT_INTEREST_KEYS
    if unknown:
        raise ValidationError(f"Unknown default-interest keys: {', '.join(sorted(unknown))}.")


class DayCount(models.TextChoices):
    THIRTY_360 = "30/360", "30/360 (US)"
    ACT_360 = "ACT/360", "Actual/360"
    ACT_365 = "ACT/365", "Actual/365 (fixed)"
    ACT_ACT = "ACT/ACT", "Actual/Actual"


class PaymentFrequency(models.TextChoices):
    DAILY = "daily", "Daily (business days)"
    WEEKLY = "weekly", "Weekly"
    BIWEEKLY = "biweekly", "Biweekly"
    SEMIMONTHLY = "semimonthly", "Semimonthly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUALLY = "annually", "Annually"


class PaymentHierarchy(models.TextChoices):
    SYSTEM = "system", "System (bucket order)"
    SCHEDULE = "schedule", "Schedule (oldest installment first)"


class Investor(models.Model):
    """Owner of loans; holds defaults loans inherit (spec/loans.md precedence)."""

    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=200)
    is_default = models.BooleanField(default=False)
    payoff_interest_through = models.BooleanField(
        default=False,
        help_text="Payoff interest runs through the payoff date (on) or to it (off); seed 001.",
    )
    default_interest = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_default_interest],
        help_text="Default-interest defaults loans inherit: enabled, method, base, spread or "
        "default_rate, grace_days (spec/accrual.md). Empty: none set here.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_investor",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class Product(models.Model):
    """A named template of loan defaults, copied onto a loan at boarding."""

    class Kind(models.TextChoices):
        TERM = "term", "Term loan"
        CRE = "cre", "Commercial real estate"
        CONSTRUCTION = "construction", "Construction"
        MCA = "mca", "Merchant cash advance"
        SCF = "scf", "Supply chain finance"
        LOC = "loc", "Line of credit"

    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    day_count = models.CharField(
        max_length=10, choices=DayCount.choices, default=DayCount.THIRTY_360
    )
    payment_frequency = models.CharField(
        max_length=15, choices=PaymentFrequency.choices, default=PaymentFrequency.MONTHLY
    )
    payment_hierarchy = models.CharField(
        max_length=10, choices=PaymentHierarchy.choices, default=PaymentHierarchy.SYSTEM
    )
    grace_days = models.PositiveSmallIntegerField(default=10)
    rate_floor = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    rate_cap = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    prepay_to_principal = models.BooleanField(
        default=False,
        help_text="Money left after the hierarchy prepays principal (on) or is held as excess.",
    )
    fee_definitions = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_fee_definitions],
        help_text="Fees boarded with every loan unless the payload lists its own: "
        '[{"name": "Origination fee", "amount": "250.00", "amortized": false}].',
    )
    default_interest = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_default_interest],
        help_text="Default-interest parameters (override the investor's), spec/accrual.md.",
    )
    draw_fees = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_fee_definitions],
        help_text="Lines of credit: fees assessed on every draw when it is approved "
        '(spec/loc.md): [{"name": "Draw fee", "amount": "25.00"}].',
    )
    credit_reporting = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class Counter(models.Model):
    """A named counter (loan numbers), incremented under a row lock."""

    name = models.CharField(max_length=30, primary_key=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
