"""Input of POST /api/v1/loans/onboard and /schedules/preview (spec/api.md "Onboarding").

Turns JSON into Decimals, dates and ids and checks what one payload can tell; rules
that need the database (product codes, duplicates) live in the onboarding service.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from rest_framework import serializers

from loans.api.fields import FactorRateField, MoneyField, RateField
from loans.engine.default_interest import BASES, METHODS
from loans.models import DayCount, Loan, PaymentFrequency, PaymentHierarchy

MAX_PAYMENTS = 1200
MAX_FEES = 20  # with MoneyField's maximum, their sum still fits a balance column
# Any date of a payload: 1,200 payments from MAX_DATE still fit the calendar (year 9999).
MIN_DATE, MAX_DATE = dt.date(1900, 1, 1), dt.date(2199, 12, 31)


def _dates_out_of_range(data) -> dict:
    """The errors, nested like the payload, of every date outside MIN_DATE..MAX_DATE."""
    items = data.items() if isinstance(data, dict) else enumerate(data)
    errors = {}
    for key, value in items:
        if isinstance(value, dt.date) and not MIN_DATE <= value <= MAX_DATE:
            errors[key] = [f"Use a date from {MIN_DATE} to {MAX_DATE}."]
        elif isinstance(value, dict | list) and (nested := _dates_out_of_range(value)):
            errors[key] = nested
    return errors


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    return isinstance(value, list) and any(_has_nul(item) for item in value)


class AddressInput(serializers.Serializer):
    line1 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    state = serializers.CharField(max_length=50, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    country = serializers.CharField(max_length=2, min_length=2, required=False, default="US")


class BorrowerInput(serializers.Serializer):
    borrower_id = serializers.CharField(max_length=64)
    kind = serializers.ChoiceField(choices=["individual", "business"], default="individual")
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    business_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    tax_id = serializers.CharField(max_length=20, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    address = AddressInput(required=False)

    def validate(self, data):
        if data["kind"] == "business" and not data.get("business_name"):
            raise serializers.ValidationError(
                {"business_name": ["A business borrower needs a business_name."]}
            )
        if data["kind"] == "individual" and not (data.get("first_name") or data.get("last_name")):
            raise serializers.ValidationError(
                {"last_name": ["An individual borrower needs a name."]}
            )
        return data


class TierInput(serializers.Serializer):
    payment_start_date = serializers.DateField()
    number_of_payments = serializers.IntegerField(min_value=1, max_value=MAX_PAYMENTS)
    schedule_type = serializers.ChoiceField(choices=["fixed_payment", "interest_only"])
    payment_amount = MoneyField(required=False, allow_null=True, min_value=None)
    interest_rate_type = serializers.ChoiceField(choices=["fixed", "variable"], default="fixed")
    interest_rate = RateField(required=False, allow_null=True)
    index = serializers.CharField(max_length=30, required=False, allow_blank=True)
    index_value = RateField(required=False, allow_null=True, min_value=-10)
    spread = RateField(required=False, allow_null=True, min_value=-100)
    reprice_at = serializers.ChoiceField(
        choices=["tier_start", "schedule_date"], default="tier_start"
    )

    def validate(self, data):
        if data["interest_rate_type"] == "fixed" and data.get("interest_rate") is None:
            raise serializers.ValidationError(
                {"interest_rate": ["A fixed-rate tier needs interest_rate."]}
            )
        if data["interest_rate_type"] == "variable" and (
            data.get("index_value") is None or data.get("spread") is None
        ):
            raise serializers.ValidationError(
                {"index_value": ["A variable tier needs index_value and spread."]}
            )
        if data.get("payment_amount") is not None and data["payment_amount"] <= 0:
            raise serializers.ValidationError({"payment_amount": ["Must be positive."]})
        return data


class FeeInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    amount = MoneyField(min_value=None)
    amortized = serializers.BooleanField(default=False)

    def validate_amount(self, value):
        if value <= 0:
            raise serializers.ValidationError("A fee must be positive.")
        return value


class DefaultInterestInput(serializers.Serializer):
    """Loan-level overrides: the keys given override the product's and the investor's
    (spec/loans.md precedence); the rest is inherited."""

    enabled = serializers.BooleanField(required=False)
    method = serializers.ChoiceField(choices=list(METHODS), required=False)
    base = serializers.ChoiceField(choices=list(BASES), required=False)
    spread = RateField(required=False, allow_null=True)
    default_rate = RateField(required=False, allow_null=True)
    grace_days = serializers.IntegerField(min_value=0, max_value=365, required=False)

    def validate(self, data):
        if data.get("spread") is not None and data.get("default_rate") is not None:
            raise serializers.ValidationError(
                {"spread": ["Give either spread or default_rate, not both."]}
            )
        # Kept as the loan's JSON overrides: rates as decimal strings, like a product's.
        return {k: str(v) if isinstance(v, Decimal) else v for k, v in data.items()}


class McaRowInput(serializers.Serializer):
    due_date = serializers.DateField()
    amount = MoneyField()
    principal = MoneyField()
    finance_charge = MoneyField()


class McaInput(serializers.Serializer):
    factor_rate = FactorRateField()
    allocation = serializers.ChoiceField(
        choices=["straight", "reducing_balance", "custom"], default="straight"
    )
    custom_schedule = McaRowInput(many=True, required=False, max_length=MAX_PAYMENTS)

    def validate(self, data):
        if data["allocation"] == "custom" and not data.get("custom_schedule"):
            raise serializers.ValidationError(
                {"custom_schedule": ["A custom allocation needs its custom_schedule rows."]}
            )
        return data


class ScfInput(serializers.Serializer):
    invoice_number = serializers.CharField(max_length=64)
    invoice_date = serializers.DateField()
    invoice_due_date = serializers.DateField()
    invoice_amount = MoneyField()
    buyer_name = serializers.CharField(max_length=200)
    borrower_limit = MoneyField(required=False, allow_null=True)

    def validate(self, data):
        if data["invoice_due_date"] <= data["invoice_date"]:
            raise serializers.ValidationError(
                {"invoice_due_date": ["Must be after the invoice date."]}
            )
        return data


class LocInput(serializers.Serializer):
    """spec/loc.md "The line"."""

    credit_limit = MoneyField(min_value=Decimal("0.01"))
    revolving = serializers.BooleanField()
    term_type = serializers.ChoiceField(choices=["fixed", "open"])
    valid_till_date = serializers.DateField(required=False, allow_null=True)
    draw_term_payments = serializers.IntegerField(
        min_value=1, max_value=MAX_PAYMENTS, required=False, allow_null=True
    )

    def validate(self, data):
        if data["term_type"] == "open" and not data.get("draw_term_payments"):
            raise serializers.ValidationError(
                {"draw_term_payments": ["An open-term line needs its draw term (payments)."]}
            )
        return data


class EscrowDisbursementInput(serializers.Serializer):
    payee = serializers.CharField(max_length=200)
    amount = MoneyField(min_value=Decimal("0.01"))
    due_date = serializers.DateField(help_text="The next due date of the bill.")
    frequency = serializers.ChoiceField(choices=["monthly", "quarterly", "semiannual", "annual"])


class EscrowInput(serializers.Serializer):
    """spec/api.md ``escrows``: an escrow account boarded with the loan (spec/escrow.md).
    The category code is checked against the configured categories by the escrow app."""

    category = serializers.SlugField(
        max_length=30,
        help_text="property_tax, insurance, holdback, interest_reserve or a configured code.",
    )
    sub_type = serializers.CharField(max_length=100, required=False, allow_blank=True)
    opening_balance = MoneyField(default=Decimal("0.00"), help_text="Boarded as a replenishment.")
    minimum_balance = MoneyField(default=Decimal("0.00"))
    monthly_amount = MoneyField(default=Decimal("0.00"))
    schedule_replenishment = serializers.BooleanField(default=False)
    auto_analysis = serializers.BooleanField(default=False)
    cushion_months = serializers.IntegerField(
        min_value=0, max_value=2, required=False, allow_null=True
    )
    disbursements = EscrowDisbursementInput(many=True, required=False, max_length=MAX_FEES)


class OnboardingInput(serializers.Serializer):
    application_number = serializers.CharField(max_length=64)
    loan_type = serializers.ChoiceField(choices=["new", "renewal"], default="new")
    product_code = serializers.CharField(max_length=30)
    investor_code = serializers.CharField(max_length=30, required=False, allow_blank=True)
    borrower = BorrowerInput()
    funded_amount = MoneyField(min_value=None)
    funded_date = serializers.DateField()
    interest_rate = RateField(required=False, allow_null=True)
    rate_type = serializers.ChoiceField(choices=Loan.RateType.choices, default="fixed")
    index = serializers.CharField(max_length=30, required=False, allow_blank=True)
    index_value = RateField(required=False, allow_null=True, min_value=-10)
    spread = RateField(required=False, allow_null=True, min_value=-100)
    rate_floor = RateField(required=False, allow_null=True)
    rate_cap = RateField(required=False, allow_null=True)
    day_count = serializers.ChoiceField(choices=DayCount.values, required=False)
    payment_frequency = serializers.ChoiceField(choices=PaymentFrequency.values, required=False)
    first_payment_date = serializers.DateField(required=False)
    number_of_payments = serializers.IntegerField(
        min_value=1, max_value=MAX_PAYMENTS, required=False
    )
    schedule_type = serializers.ChoiceField(choices=Loan.ScheduleType.values, default="equated")
    tiers = TierInput(many=True, required=False, max_length=MAX_PAYMENTS)
    broken_period = serializers.ChoiceField(choices=Loan.BrokenPeriod.values, default="merged")
    fees = FeeInput(many=True, required=False, max_length=MAX_FEES)
    default_interest = DefaultInterestInput(required=False)
    payment_hierarchy = serializers.ChoiceField(choices=PaymentHierarchy.choices, required=False)
    mca = McaInput(required=False)
    scf = ScfInput(required=False)
    loc = LocInput(required=False)
    escrows = EscrowInput(many=True, required=False, max_length=MAX_FEES)
    custom_fields = serializers.DictField(required=False)

    def validate_custom_fields(self, value):
        if _has_nul(value):  # PostgreSQL's jsonb cannot store it
            raise serializers.ValidationError("Text cannot contain NUL (\\x00) characters.")
        return value

    def validate(self, data):
        if out_of_range := _dates_out_of_range(data):
            raise serializers.ValidationError(out_of_range)
        errors: dict[str, list[str]] = {}
        kind = data["schedule_type"]
        loc = data.get("loc")
        if loc:
            errors.update(_loc_errors(data, loc))
        elif data["funded_amount"] <= 0:
            errors["funded_amount"] = ["The funded amount must be positive."]
        first = data.get("first_payment_date")
        if first is not None and first <= data["funded_date"]:
            errors["first_payment_date"] = ["Must be after the funded date."]
        scf = data.get("scf")
        # An invoice loan defaults to one payment on the invoice's due date.
        needs_count = kind in ("equated", "interest_only", "mca") and not scf
        if needs_count and data.get("number_of_payments") is None:
            errors["number_of_payments"] = ["Required for this schedule type."]
        if kind in ("equated", "interest_only") and first is None and not scf:
            errors["first_payment_date"] = ["Required for this schedule type."]
        if kind == "tiered" and not data.get("tiers"):
            errors["tiers"] = ["A tiered schedule needs tiers."]
        if kind in ("mca", "custom") and not data.get("mca"):
            errors["mca"] = ["An MCA schedule needs the mca block (factor_rate, allocation)."]
        if kind == "custom" and data.get("mca") and not data["mca"].get("custom_schedule"):
            errors["mca"] = ["A custom schedule needs mca.custom_schedule rows."]
        if scf:
            errors.update(_scf_errors(data, scf))
        if kind in ("equated", "interest_only"):
            if data["rate_type"] == "fixed" and data.get("interest_rate") is None:
                errors["interest_rate"] = ["Required for a fixed-rate loan."]
            if data["rate_type"] == "variable" and (
                data.get("index_value") is None or data.get("spread") is None
            ):
                errors["index_value"] = ["A variable-rate loan needs index_value and spread."]
        floor, cap = data.get("rate_floor"), data.get("rate_cap")
        if floor is not None and cap is not None and floor > cap:
            errors["rate_floor"] = ["The floor cannot exceed the cap."]
        if errors:
            raise serializers.ValidationError(errors)
        return data


def _loc_errors(data: dict, loc: dict) -> dict[str, list[str]]:
    """A line may be boarded before its first draw (funded 0), within its limit."""
    errors = {}
    if data["funded_amount"] < 0:
        errors["funded_amount"] = ["The funded amount cannot be negative."]
    elif data["funded_amount"] > loc["credit_limit"]:
        errors["funded_amount"] = [
            f"The funded amount exceeds the credit limit {loc['credit_limit']}."
        ]
    if data["schedule_type"] not in ("equated", "interest_only"):
        errors["schedule_type"] = ["A line of credit amortizes: equated or interest_only."]
    valid_till = loc.get("valid_till_date")
    if valid_till is not None and valid_till < data["funded_date"]:
        errors["loc"] = ["The valid-till date cannot be before the funded date."]
    return errors


def _scf_errors(data: dict, scf: dict) -> dict[str, list[str]]:
    """An advance against an invoice: issued by the funding, not more than the invoice."""
    errors = {}
    if scf["invoice_date"] > data["funded_date"]:
        errors["scf"] = ["The invoice date cannot be after the funded date."]
    elif scf["invoice_due_date"] <= data["funded_date"]:
        errors["scf"] = ["The invoice is due on or before the funded date."]
    elif data["funded_amount"] > scf["invoice_amount"]:
        errors["funded_amount"] = [
            f"An SCF advance cannot exceed the invoice amount {scf['invoice_amount']}."
        ]
    return errors
