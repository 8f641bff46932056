from django import forms


class BusinessDateForm(forms.Form):
    date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Moves the system date used by accrual, due dates and DPD.",
    )
