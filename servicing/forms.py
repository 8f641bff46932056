import datetime as dt

from django import forms


class BusinessDateForm(forms.Form):
    date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Moves the system date used by accrual, due dates and DPD.",
    )


class CloseOfBusinessForm(forms.Form):
    # From the browser at most a month of dates at a time: the business date never moves
    # back, so a mistyped year would be final. `manage.py run_cob` has no such limit.
    MAX_DATES = 31

    through = forms.DateField(
        label="Close through",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Every date from the business date through this one is closed, in order.",
    )

    def __init__(self, *args, business_date: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.business_date = business_date

    def clean_through(self) -> dt.date:
        through = self.cleaned_data["through"]
        last = self.business_date + dt.timedelta(days=self.MAX_DATES - 1)
        if through > last:
            raise forms.ValidationError(
                f"At most {self.MAX_DATES} dates from this page (through {last:%Y-%m-%d}); "
                "use manage.py run_cob for more."
            )
        return through
