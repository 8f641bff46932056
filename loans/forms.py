"""Agent forms: turn input into Decimals and dates; services decide the rest."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from loans.models import DayCount, PaymentFrequency, Product
from loans.services.payments import INSTRUMENTS

DATE = forms.DateInput(attrs={"type": "date"})
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0.01")}


class PaymentForm(forms.Form):
    amount = forms.DecimalField(**MONEY)
    effective_date = forms.DateField(widget=DATE, help_text="When it counts for interest.")
    payment_date = forms.DateField(widget=DATE, required=False, help_text="When it was received.")
    instrument = forms.ChoiceField(
        choices=[(i, "ACH" if i == "ach" else i.title()) for i in INSTRUMENTS]
    )
    hierarchy = forms.ChoiceField(
        choices=[
            ("", "Loan default"),
            ("system", "System (bucket order)"),
            ("schedule", "Schedule (oldest installment first)"),
        ],
        required=False,
    )
    external_reference = forms.CharField(max_length=100, required=False)


class FeeForm(forms.Form):
    name = forms.CharField(max_length=100)
    amount = forms.DecimalField(**MONEY)
    effective_date = forms.DateField(widget=DATE, required=False)


class WaiveForm(forms.Form):
    amount = forms.DecimalField(**MONEY)
    reason = forms.CharField(max_length=400)


class ReverseForm(forms.Form):
    reason = forms.CharField(max_length=400, help_text="e.g. Returned ACH R01 (NSF)")


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=500, help_text="Recorded with the change and in the activity."
    )


class PayoffForm(forms.Form):
    date = forms.DateField(widget=DATE, label="Payoff date")


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, label="Note")


class CalculatorForm(forms.Form):
    """The schedule preview for agents: the terms an LOS would send, nothing stored."""

    product_code = forms.ModelChoiceField(
        queryset=None, to_field_name="code", label="Product", empty_label=None
    )
    funded_amount = forms.DecimalField(**MONEY)
    funded_date = forms.DateField(widget=DATE)
    interest_rate = forms.DecimalField(
        max_digits=9, decimal_places=6, min_value=0, max_value=100, label="Interest rate (%)"
    )
    day_count = forms.ChoiceField(choices=DayCount.choices)
    payment_frequency = forms.ChoiceField(
        choices=[c for c in PaymentFrequency.choices if c[0] != "daily"], initial="monthly"
    )
    first_payment_date = forms.DateField(widget=DATE)
    number_of_payments = forms.IntegerField(min_value=1, max_value=1200)
    schedule_type = forms.ChoiceField(
        choices=[
            ("equated", "Equated installments"),
            ("interest_only", "Interest only with balloon"),
        ]
    )
    broken_period = forms.ChoiceField(
        choices=[
            ("merged", "Merged into the first installment"),
            ("separate", "Separate stub installment"),
        ]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product_code"].queryset = (
            Product.objects.filter(is_active=True).exclude(kind__in=["mca", "loc"]).order_by("code")
        )

    def clean(self):
        data = super().clean()
        first, funded = data.get("first_payment_date"), data.get("funded_date")
        if first and funded and first <= funded:
            self.add_error("first_payment_date", "Must be after the funded date.")
        return data
