"""Escrow forms on the loan page: turn input into Decimals, dates and ids; the services
decide the rest (their errors come back inline)."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from escrow.models import EscrowAccount, EscrowCategory, Frequency
from loans.forms import DATE, MONEY

AMOUNT = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}
CUSHION = forms.TypedChoiceField(
    choices=[("", "Tenant default"), ("0", "0"), ("1", "1"), ("2", "2")],
    coerce=int,
    empty_value=None,
    required=False,
    label="Cushion months",
    help_text="RESPA allows at most 2 months (one-sixth of the year's disbursements).",
)
CONFIRM_LABEL = "Yes, pay below the minimum balance"


def account_label(account: EscrowAccount) -> str:
    return (
        f"{account.category.name} #{account.pk} (balance {account.balance:,.2f}, "
        f"minimum {account.minimum_balance:,.2f})"
    )


class AccountSettingsForm(forms.Form):
    minimum_balance = forms.DecimalField(**AMOUNT, initial=Decimal("0.00"))
    monthly_amount = forms.DecimalField(
        **AMOUNT, initial=Decimal("0.00"), help_text="Escrow assessed with each installment."
    )
    schedule_replenishment = forms.BooleanField(
        required=False, help_text="Replenished by the scheduled payments."
    )
    auto_analysis = forms.BooleanField(
        required=False, label="Auto analysis", help_text="Included in the escrow analysis."
    )
    cushion_months = CUSHION


class AccountAddForm(AccountSettingsForm):
    field_order = ["category", "sub_types", "opening_balance"]
    category = forms.ModelChoiceField(
        queryset=EscrowCategory.objects.none(), to_field_name="code", empty_label=None
    )
    sub_types = forms.CharField(
        max_length=500, required=False, help_text="Comma separated, e.g. County tax, School tax."
    )
    opening_balance = forms.DecimalField(
        **AMOUNT, initial=Decimal("0.00"), help_text="Posted as a replenishment today."
    )
    payee = forms.CharField(max_length=200, required=False, label="First item: payee")
    amount = forms.DecimalField(**MONEY, required=False, label="First item: amount")
    due_date = forms.DateField(widget=DATE, required=False, label="First item: next due date")
    frequency = forms.ChoiceField(
        choices=[("", "—"), *Frequency.choices], required=False, label="First item: frequency"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = EscrowCategory.objects.filter(is_active=True)

    def clean(self):
        data = super().clean()
        item = [data.get(name) for name in ("payee", "amount", "due_date", "frequency")]
        if any(item) and not all(item):
            self.add_error("payee", "Give the item's payee, amount, next due date and frequency.")
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        item = {name: data.pop(name) for name in ("payee", "amount", "due_date", "frequency")}
        data["category"] = data["category"].code
        data["sub_types"] = [n.strip() for n in data["sub_types"].split(",") if n.strip()]
        data["items"] = [item] if item["payee"] else []
        return data


class SubtypeForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="e.g. County tax, School tax, Flood.")


class ItemForm(forms.Form):
    payee = forms.CharField(max_length=200)
    amount = forms.DecimalField(**MONEY)
    due_date = forms.DateField(widget=DATE, label="Next due date")
    frequency = forms.ChoiceField(choices=Frequency.choices)


class _ConfirmMixin:
    """The minimum-balance confirmation: shown once the service warned, or when ticked."""

    def drop_confirm_unless(self, warned: bool) -> None:
        if not warned and not (self.is_bound and self.data.get("confirm")):
            del self.fields["confirm"]


class WithdrawalForm(_ConfirmMixin, forms.Form):
    account = forms.TypedChoiceField(coerce=int, label="Payment from")
    towards = forms.ChoiceField(label="Payment towards")
    amount = forms.DecimalField(**MONEY)
    payment_date = forms.DateField(widget=DATE, help_text="When the payment is recorded.")
    effective_date = forms.DateField(widget=DATE)
    note = forms.CharField(max_length=500, required=False, label="Notes")
    confirm = forms.BooleanField(required=False, label=CONFIRM_LABEL)

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [(a.pk, account_label(a)) for a in accounts]
        items = [
            (
                f"item:{item.pk}",
                f"{account.category.name}: {item.payee} {item.amount:,.2f} due "
                f"{item.next_due_date:%Y-%m-%d} ({item.get_frequency_display().lower()})",
            )
            for account in accounts
            for item in account.items.all()
            if item.is_active
        ]
        self.fields["towards"].choices = [
            ("Disbursement items", items),
            ("Other", [("refund", "Refund excess to the borrower"), ("loan", "Loan payment")]),
        ]

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("account")
        towards = data.pop("towards")
        if towards.startswith("item:"):
            data.update(towards="item", item_id=int(towards.removeprefix("item:")))
        else:
            data["towards"] = towards
        data["confirm"] = bool(data.get("confirm"))
        return data


class ReplenishForm(_ConfirmMixin, forms.Form):
    source = forms.ChoiceField(label="Replenish from")
    account = forms.TypedChoiceField(coerce=int, label="Replenish to")
    amount = forms.DecimalField(**MONEY)
    effective_date = forms.DateField(widget=DATE)
    note = forms.CharField(max_length=500, required=False, label="Notes")
    confirm = forms.BooleanField(required=False, label="Yes, take the source below its minimum")

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(a.pk, account_label(a)) for a in accounts]
        self.fields["source"].choices = [("borrower", "Borrower (money received directly)")] + [
            (str(pk), label) for pk, label in choices
        ]
        self.fields["account"].choices = choices

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("account")
        source = data.pop("source")
        if source == "borrower":
            data["from_borrower"] = True
        else:
            data["from_account_id"] = int(source)
        data["confirm"] = bool(data.get("confirm"))
        return data


class EscrowReverseForm(forms.Form):
    reason = forms.CharField(max_length=400, help_text="Recorded with the reversal row.")
    confirm = forms.BooleanField(
        label="Yes, reverse this escrow transaction",
        error_messages={"required": "Tick the box to confirm."},
    )


class AssessForm(forms.Form):
    """Assess Escrow (spec/escrow.md "Manual"): owed into an account, then paid."""

    account = forms.TypedChoiceField(coerce=int, label="Escrow account")
    amount = forms.DecimalField(**MONEY, help_text="Owed from today; a payment replenishes it.")

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [(a.pk, account_label(a)) for a in accounts]
