from django import forms

DATE = forms.DateInput(attrs={"type": "date"})


class LoanAnalysisForm(forms.Form):
    effective_date = forms.DateField(
        widget=DATE, help_text="The computation year starts with the first installment after it."
    )
    update = forms.BooleanField(
        required=False,
        label="Update",
        help_text="Apply it: new escrow payment from the year's first installment, surplus "
        "refund, analysis dates moved. Once per computation year.",
    )


class BatchForm(forms.Form):
    start_date = forms.DateField(widget=DATE, help_text="Accounts last analyzed on or after.")
    end_date = forms.DateField(widget=DATE, help_text="Accounts last analyzed on or before.")
    update = forms.BooleanField(required=False, label="Update")
    generate_report = forms.BooleanField(required=False, initial=True, label="Generate Report")
    send_email = forms.BooleanField(required=False, label="Send Email")

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date is before the start date.")
        return data
