"""Escrow accounts of a loan (spec/escrow.md "Accounts"): Add Escrow (at onboarding or
later), Add Subtype, Edit, and the disbursement items (add, edit, deactivate).

Every action locks the loan row and refuses a loan that is not open (409 ``loan_not_open``);
the opening balance is posted as a ``replenished`` row, so the balance stays the ledger's.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from escrow import ledger
from escrow.models import (
    ZERO,
    DisbursementItem,
    EscrowAccount,
    EscrowCategory,
    EscrowEntry,
    EscrowSubtype,
    Frequency,
)
from escrow.services.common import (
    check_amount,
    clean_text,
    locked_account,
    locked_open_loan,
    money,
)
from loans.models import Loan
from servicing.activity import record_activity
from servicing.business_date import get_business_date
from servicing.errors import InvalidInput, NotFound
from servicing.transactions import service_atomic

EDITABLE = (
    "minimum_balance",
    "monthly_amount",
    "schedule_replenishment",
    "auto_analysis",
    "cushion_months",
)
MAX_CUSHION_MONTHS = 2  # 12 CFR 1024.17(c)(1): at most one-sixth of the year's disbursements


def category_for(code) -> EscrowCategory:
    """The four seeded categories or one ops configured, active (400 on ``category``)."""
    if isinstance(code, EscrowCategory):
        code = code.code
    category = EscrowCategory.objects.filter(code=code, is_active=True).first()
    if category is None:
        codes = ", ".join(
            EscrowCategory.objects.filter(is_active=True).values_list("code", flat=True)
        )
        raise InvalidInput(
            f"Unknown escrow category {code!r}: use one of {codes}.", field="category"
        )
    return category


def _check_settings(values: dict, prefix: str = "") -> dict:
    """The account's money and flags, checked (``prefix`` names the field in a nested block)."""
    clean = {}
    for name in ("minimum_balance", "monthly_amount"):
        if name in values:
            value = ZERO if values[name] is None else values[name]
            clean[name] = check_amount(value, f"{prefix}{name}", allow_zero=True)
    for name in ("schedule_replenishment", "auto_analysis"):
        if name in values:
            clean[name] = bool(values[name])
    if "cushion_months" in values:
        months = values["cushion_months"]
        if months is not None and (
            isinstance(months, bool) or not isinstance(months, int) or not 0 <= months <= 2
        ):
            raise InvalidInput(
                f"Cushion months: 0 to {MAX_CUSHION_MONTHS} (RESPA), or empty for the default.",
                field=f"{prefix}cushion_months",
            )
        clean["cushion_months"] = months
    return clean


def _check_item(loan: Loan, item: dict, prefix: str = "") -> dict:
    due_date = item.get("due_date")
    if not isinstance(due_date, dt.date):
        raise InvalidInput("Give the next due date.", field=f"{prefix}due_date")
    if due_date < loan.funded_date:
        raise InvalidInput(
            f"The next due date cannot be before the loan's funded date "
            f"{loan.funded_date.isoformat()}.",
            field=f"{prefix}due_date",
        )
    if item.get("frequency") not in Frequency.values:
        raise InvalidInput(
            f"Use one of: {', '.join(Frequency.values)}.", field=f"{prefix}frequency"
        )
    return {
        "payee": clean_text(item.get("payee"), f"{prefix}payee", max_length=200, required=True),
        "amount": check_amount(item.get("amount"), f"{prefix}amount"),
        "next_due_date": due_date,
        "frequency": item["frequency"],
    }


def create_account(
    loan: Loan,
    *,
    category,
    business_date: dt.date,
    effective_date: dt.date,
    sub_types=(),
    opening_balance: Decimal = ZERO,
    items=(),
    actor=None,
    activity: bool = True,
    **settings,
) -> EscrowAccount:
    """The account, its sub-types, items and opening balance, inside the caller's
    transaction with the loan locked (Add Escrow, and the onboarding ``escrows`` block)."""
    category = category_for(category)
    values = _check_settings({name: settings.get(name) for name in EDITABLE if name in settings})
    opening = check_amount(opening_balance or ZERO, "opening_balance", allow_zero=True)
    names = [clean_text(name, "sub_types", max_length=100, required=True) for name in sub_types]
    if len({name.casefold() for name in names}) != len(names):  # as Add Subtype compares
        raise InvalidInput("Sub-types must differ.", field="sub_types")
    checked = [_check_item(loan, item, f"items[{k}].") for k, item in enumerate(items)]
    account = EscrowAccount.objects.create(loan=loan, category=category, **values)
    EscrowSubtype.objects.bulk_create(EscrowSubtype(account=account, name=n) for n in names)
    DisbursementItem.objects.bulk_create(DisbursementItem(account=account, **i) for i in checked)
    if opening:
        ledger.post(
            account,
            kind=EscrowEntry.Kind.REPLENISHED,
            amount=opening,
            effective_date=effective_date,
            business_date=business_date,
            actor=actor,
            note="Opening balance",
            payee="Borrower",
            details={"source": "opening_balance"},
        )
    if not activity:  # boarding: the loan's own boarding entry tells it
        return account
    record_activity(
        actor=actor,
        action="escrow.account_added",
        summary=f"{category.name} escrow account added, opening balance {money(opening)}"
        + (f", sub-types {', '.join(names)}" if names else "")
        + (f", {len(checked)} disbursement item(s)" if checked else ""),
        target=loan,
        after=_snapshot(account),
        details={"escrow_account": account.pk},
        business_date=business_date,
    )
    return account


def add_account(loan: Loan, *, category, actor=None, **fields) -> EscrowAccount:
    """Add Escrow on the loan page or API: the opening balance is money received today."""
    with service_atomic():
        loan = locked_open_loan(loan.pk)
        business_date = get_business_date()
        return create_account(
            loan,
            category=category,
            business_date=business_date,
            effective_date=business_date,
            actor=actor,
            **fields,
        )


def _snapshot(account: EscrowAccount) -> dict:
    return {name: getattr(account, name) for name in EDITABLE}


def add_subtype(account: EscrowAccount, *, name: str, actor=None) -> EscrowSubtype:
    name = clean_text(name, "name", max_length=100, required=True)
    with service_atomic():
        loan, account = locked_account(account)
        # Under the loan lock: no other request adds one meanwhile (the unique constraint
        # is the backstop).
        if account.subtypes.filter(name__iexact=name).exists():
            raise InvalidInput(f"The account already has the sub-type {name}.", field="name")
        subtype = EscrowSubtype.objects.create(account=account, name=name)
        record_activity(
            actor=actor,
            action="escrow.subtype_added",
            summary=f"Sub-type {name} added to the {account.category.name} escrow account",
            target=loan,
            details={"escrow_account": account.pk, "subtype": subtype.pk},
        )
    return subtype


def edit_account(account: EscrowAccount, *, actor=None, **fields) -> EscrowAccount:
    """Edit (the edit icon): minimum, monthly amount, flags, cushion; before/after recorded."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise InvalidInput(f"Not editable: {', '.join(sorted(unknown))}.")
    values = _check_settings(fields)
    with service_atomic():
        loan, account = locked_account(account)
        before = _snapshot(account)
        changed = [name for name, value in values.items() if getattr(account, name) != value]
        for name in changed:
            setattr(account, name, values[name])
        if changed:
            account.save(update_fields=changed)
            record_activity(
                actor=actor,
                action="escrow.account_edited",
                summary=f"{account.category.name} escrow account edited: {', '.join(changed)}",
                target=loan,
                before={name: before[name] for name in changed},
                after={name: values[name] for name in changed},
                details={"escrow_account": account.pk},
            )
    return account


def _item_of(account: EscrowAccount, item_id) -> DisbursementItem:
    item = DisbursementItem.objects.filter(pk=item_id, account=account).first()
    if item is None:
        raise NotFound("escrow_item_not_found", f"No disbursement item {item_id} on this account.")
    return item


def _item_snapshot(item: DisbursementItem) -> dict:
    return {
        "payee": item.payee,
        "amount": item.amount,
        "next_due_date": item.next_due_date,
        "frequency": item.frequency,
        "is_active": item.is_active,
    }


def add_item(
    account: EscrowAccount, *, payee, amount, due_date, frequency, actor=None
) -> DisbursementItem:
    """A bill the account pays (payee, amount, next due date, frequency)."""
    with service_atomic():
        loan, account = locked_account(account)
        values = _check_item(
            loan, {"payee": payee, "amount": amount, "due_date": due_date, "frequency": frequency}
        )
        item = DisbursementItem.objects.create(account=account, **values)
        record_activity(
            actor=actor,
            action="escrow.item_added",
            summary=f"Disbursement item {item} due {item.next_due_date.isoformat()} added to the "
            f"{account.category.name} escrow account",
            target=loan,
            after=_item_snapshot(item),
            details={"escrow_account": account.pk, "item": item.pk},
        )
    return item


def edit_item(
    account: EscrowAccount, item_id: int, *, payee, amount, due_date, frequency, actor=None
) -> DisbursementItem:
    with service_atomic():
        loan, account = locked_account(account)
        item = _item_of(account, item_id)
        values = _check_item(
            loan, {"payee": payee, "amount": amount, "due_date": due_date, "frequency": frequency}
        )
        before = _item_snapshot(item)
        for name, value in values.items():
            setattr(item, name, value)
        item.save(update_fields=list(values))
        record_activity(
            actor=actor,
            action="escrow.item_edited",
            summary=f"Disbursement item {item.pk} of the {account.category.name} escrow account "
            "edited",
            target=loan,
            before=before,
            after=_item_snapshot(item),
            details={"escrow_account": account.pk, "item": item.pk},
        )
    return item


def deactivate_item(account: EscrowAccount, item_id: int, *, actor=None) -> DisbursementItem:
    """The item is no longer paid (kept for its history)."""
    with service_atomic():
        loan, account = locked_account(account)
        item = _item_of(account, item_id)
        if item.is_active:
            item.is_active = False
            item.save(update_fields=["is_active"])
            record_activity(
                actor=actor,
                action="escrow.item_deactivated",
                summary=f"Disbursement item {item} deactivated",
                target=loan,
                details={"escrow_account": account.pk, "item": item.pk},
            )
    return item
