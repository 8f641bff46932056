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


# --- Lines of credit and draws (spec/loc.md) ---------------------------------------------


class DrawInitiateForm(forms.Form):
    requested_date = forms.DateField(widget=DATE)
    requested_amount = forms.DecimalField(**MONEY)
    fee = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        help_text="Taken off the approved amount when the draw is funded.",
    )
    auto_funded = forms.BooleanField(
        required=False,
        label="Auto-funded",
        help_text="We disburse it after approval; otherwise the draw waits for its funding.",
    )
    external_id = forms.CharField(max_length=64, required=False, label="External id")

    def clean_fee(self):
        return self.cleaned_data["fee"] or Decimal("0")


class DrawApproveForm(forms.Form):
    # Shown, never posted: a disabled field keeps its initial value whatever is sent.
    requested_date = forms.DateField(widget=DATE, disabled=True, required=False)
    requested_amount = forms.DecimalField(disabled=True, required=False)
    approved_amount = forms.DecimalField(**MONEY)


class DrawRejectForm(forms.Form):
    reason = forms.CharField(max_length=300, help_text="Recorded with the draw's history.")


class DrawFundForm(forms.Form):
    funded_date = forms.DateField(
        widget=DATE, help_text="Interest accrues on the draw from this date."
    )


class LineStatusForm(ReasonForm):
    """A reason and an explicit confirmation (the checkbox's label names the action)."""

    confirm = forms.BooleanField(error_messages={"required": "Tick the box to confirm."})

    def __init__(self, *args, confirm_label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = confirm_label
