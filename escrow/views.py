"""Escrow on the loan page (spec/escrow.md; seed 002 "Escrow Tab"): the Escrow tab's
context, and the actions Add Escrow, Add Subtype, Edit, disbursement items, Replenish
Escrow, Make Payment from Escrow and Reverse (thin: one service call each).

Who: servicers (agent, supervisor, admin) act; every role reads the tab (ops read-only).
"""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from escrow import selectors
from escrow.forms import (
    AccountAddForm,
    AccountSettingsForm,
    AssessForm,
    EscrowReverseForm,
    ItemForm,
    ReplenishForm,
    SubtypeForm,
    WithdrawalForm,
)
from escrow.services.accounts import (
    EDITABLE,
    add_account,
    add_item,
    add_subtype,
    deactivate_item,
    edit_account,
    edit_item,
)
from escrow.services.assessments import assess_escrow
from escrow.services.common import money
from escrow.services.reversals import can_reverse, reverse_escrow_entry
from escrow.services.transfers import replenish_escrow
from escrow.services.withdrawals import withdraw
from loans.views_actions import SERVICERS, _add_error, _done, _loan, _posted
from servicing.business_date import get_business_date
from servicing.errors import DomainError
from servicing.roles import role_required

TAB = "escrow"


def tab_context(request, loan) -> dict:
    """What templates/escrow/_escrow_tab.html shows: accounts, then the ledger rows."""
    rows = list(selectors.entries(loan=loan))
    reversed_ids = {row.reversal_of_id for row in rows if row.reversal_of_id}
    for row in rows:
        row.reversible = can_reverse(row, reversed_ids)
    return {"escrow_accounts": list(selectors.loan_accounts(loan)), "escrow_rows": rows}


def shows_tab(loan) -> bool:
    """Every open loan (an account can be added) and any loan that has accounts."""
    return loan.status == "open" or selectors.has_escrow(loan)


def has_accounts(loan) -> bool:
    return selectors.has_escrow(loan)


def _page(request, loan, form, **context):
    back_url = reverse("loan-tab", args=[loan.loan_number, TAB])
    return render(
        request,
        "loans/action_form.html",
        {"loan": loan, "form": form, "back_url": back_url, **context},
    )


def _account(loan, account_id: int):
    account = selectors.loan_account(loan, account_id)
    if account is None:
        raise Http404(f"No escrow account {account_id} on loan {loan.loan_number}.")
    return account


def _facts(accounts) -> str:
    return "; ".join(
        f"{a.category.name} #{a.pk}: balance {money(a.balance)}, minimum "
        f"{money(a.minimum_balance)}, available above the minimum "
        f"{money(max(a.balance - a.minimum_balance, 0))}"
        for a in accounts
    )


@role_required(*SERVICERS)
def account_add(request, loan_number: str):
    loan = _loan(loan_number)
    form = AccountAddForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            account = add_account(loan, actor=request.user, **form.service_kwargs())
            balance = money(account.balance)
            text = f"{account.category.name} escrow account added (balance {balance})."
            return _done(request, loan, text, tab=TAB)
        except DomainError as exc:
            _add_error(form, exc)
    return _page(request, loan, form, title="Add escrow", button="Add escrow")


@role_required(*SERVICERS)
def subtype_add(request, loan_number: str, account_id: int):
    loan = _loan(loan_number)
    account = _account(loan, account_id)
    form = SubtypeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            subtype = add_subtype(account, actor=request.user, **form.cleaned_data)
            text = f"Sub-type {subtype.name} added to {account.category.name}."
            return _done(request, loan, text, tab=TAB)
        except DomainError as exc:
            _add_error(form, exc)
    title = f"Add subtype to {account.category.name}"
    return _page(request, loan, form, title=title, button="Add subtype")


@role_required(*SERVICERS)
def account_edit(request, loan_number: str, account_id: int):
    loan = _loan(loan_number)
    account = _account(loan, account_id)
    initial = {name: getattr(account, name) for name in EDITABLE}
    form = AccountSettingsForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            edit_account(account, actor=request.user, **form.cleaned_data)
            return _done(request, loan, f"{account.category.name} escrow account saved.", tab=TAB)
        except DomainError as exc:
            _add_error(form, exc)
    intro = f"Balance {money(account.balance)} (moved only by escrow transactions)."
    return _page(
        request,
        loan,
        form,
        title=f"Edit {account.category.name} escrow",
        button="Save",
        intro=intro,
    )


@role_required(*SERVICERS)
def item_form(request, loan_number: str, account_id: int, item_id: int | None = None):
    """Add a disbursement item, or edit one (``item_id``)."""
    loan = _loan(loan_number)
    account = _account(loan, account_id)
    item = None
    if item_id is not None:
        item = next((i for i in account.items.all() if i.pk == item_id), None)
        if item is None:
            raise Http404("No such disbursement item.")
    initial = (
        {
            "payee": item.payee,
            "amount": item.amount,
            "due_date": item.next_due_date,
            "frequency": item.frequency,
        }
        if item
        else {}
    )
    form = ItemForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if item is None:
                add_item(account, actor=request.user, **form.cleaned_data)
                text = f"Disbursement item {form.cleaned_data['payee']} added."
            else:
                edit_item(account, item.pk, actor=request.user, **form.cleaned_data)
                text = f"Disbursement item {form.cleaned_data['payee']} saved."
            return _done(request, loan, text, tab=TAB)
        except DomainError as exc:
            _add_error(form, exc)
    verb = "Edit" if item else "Add"
    return _page(
        request,
        loan,
        form,
        title=f"{verb} disbursement item · {account.category.name}",
        button="Save item" if item else "Add item",
    )


@role_required(*SERVICERS)
def item_deactivate(request, loan_number: str, account_id: int, item_id: int):
    loan = _loan(loan_number)
    account = _account(loan, account_id)
    item = next((i for i in account.items.all() if i.pk == item_id), None)
    if item is None:
        raise Http404("No such disbursement item.")
    form = forms.Form(_posted(request))  # no fields: posting it is the confirmation
    if request.method == "POST" and form.is_valid():
        try:
            deactivate_item(account, item.pk, actor=request.user)
            return _done(request, loan, f"Disbursement item {item.payee} deactivated.", tab=TAB)
        except DomainError as exc:
            _add_error(form, exc)
    return _page(
        request,
        loan,
        form,
        title=f"Deactivate {item.payee}",
        button="Deactivate item",
        intro=f"{item} is no longer paid from escrow; its payments stay in the ledger.",
        danger=True,
    )


def _accounts_or_404(loan) -> list:
    accounts = list(selectors.loan_accounts(loan))
    if not accounts:
        raise Http404("This loan has no escrow account: add one first.")
    return accounts


def _initial_account(request, accounts) -> int:
    wanted = request.GET.get("account", "")
    return next((a.pk for a in accounts if str(a.pk) == wanted), accounts[0].pk)


@role_required(*SERVICERS)
def withdrawal_create(request, loan_number: str):
    """Make Payment from Escrow; above balance - minimum the service warns and the form
    shows the confirmation checkbox."""
    loan = _loan(loan_number)
    accounts = _accounts_or_404(loan)
    today = get_business_date()
    initial = {
        "account": _initial_account(request, accounts),
        "payment_date": today,
        "effective_date": today,
    }
    form = WithdrawalForm(_posted(request), initial=initial, accounts=accounts)
    warned = False
    if request.method == "POST" and form.is_valid():
        account = next(a for a in accounts if a.pk == form.cleaned_data["account"])
        try:
            entry = withdraw(account, actor=request.user, **form.service_kwargs())
            text = (
                f"{money(entry.amount)} paid from {account.category.name} "
                f"({entry.get_kind_display().lower()} #{entry.pk})."
            )
            return _done(request, loan, text, tab=TAB)
        except DomainError as exc:
            warned = exc.code == "below_minimum_balance"
            _add_error(form, exc)
    form.drop_confirm_unless(warned)
    return _page(
        request,
        loan,
        form,
        title="Make payment from escrow",
        button="Make payment",
        intro=_facts(accounts) + ".",
        warned=warned,
    )


@role_required(*SERVICERS)
def assess_create(request, loan_number: str):
    """Assess Escrow: the amount becomes escrow owed on the loan (in its amount due); the
    next payments replenish the account by the hierarchy."""
    loan = _loan(loan_number)
    accounts = _accounts_or_404(loan)
    initial = {"account": _initial_account(request, accounts)}
    form = AssessForm(_posted(request), initial=initial, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        account = next(a for a in accounts if a.pk == form.cleaned_data["account"])
        try:
            amount = form.cleaned_data["amount"]
            assessment = assess_escrow(account, amount=amount, actor=request.user)
            text = (
                f"{money(assessment.amount)} of escrow assessed for {account.category.name}: "
                "the next payment replenishes it."
            )
            return _done(request, loan, text, tab=TAB)
        except DomainError as exc:
            _add_error(form, exc)
    return _page(
        request,
        loan,
        form,
        title="Assess escrow",
        button="Assess",
        intro=f"Escrow owed now {money(loan.escrow_balance)}. A payment pays assessed escrow "
        "by its hierarchy and replenishes the account; without an assessment a payment "
        "puts nothing into escrow.",
    )


@role_required(*SERVICERS)
def replenish_create(request, loan_number: str):
    loan = _loan(loan_number)
    accounts = _accounts_or_404(loan)
    initial = {
        "account": _initial_account(request, accounts),
        "effective_date": get_business_date(),
    }
    form = ReplenishForm(_posted(request), initial=initial, accounts=accounts)
    warned = False
    if request.method == "POST" and form.is_valid():
        account = next(a for a in accounts if a.pk == form.cleaned_data["account"])
        try:
            entry = replenish_escrow(account, actor=request.user, **form.service_kwargs())
            text = f"{account.category.name} replenished with {money(entry.amount)}."
            return _done(request, loan, text, tab=TAB)
        except DomainError as exc:
            warned = exc.code == "below_minimum_balance"
            _add_error(form, exc)
    form.drop_confirm_unless(warned)
    return _page(
        request,
        loan,
        form,
        title="Replenish escrow",
        button="Replenish",
        intro=_facts(accounts) + ".",
    )


@role_required(*SERVICERS)
def entry_reverse(request, loan_number: str, entry_id: int):
    loan = _loan(loan_number)
    entry = selectors.loan_entry(loan, entry_id)
    if entry is None:
        raise Http404("No such escrow transaction.")
    form = EscrowReverseForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            reversal = reverse_escrow_entry(
                entry, reason=form.cleaned_data["reason"], actor=request.user
            )
            text = (
                f"Escrow transaction #{entry.pk} ({entry.get_kind_display().lower()} of "
                f"{money(entry.amount)}) reversed: #{reversal.pk}."
            )
            return _done(request, loan, text, tab=TAB)
        except DomainError as exc:
            _add_error(form, exc)
    intro = (
        f"{entry.get_kind_display()} of {money(entry.amount)} on the "
        f"{entry.account.category.name} account, effective {entry.effective_date:%Y-%m-%d}"
        + (f", to {entry.payee}" if entry.payee else "")
        + (". The loan payment it made is reversed too." if entry.loan_entry_id else ".")
    )
    return _page(
        request,
        loan,
        form,
        title=f"Reverse escrow transaction #{entry.pk}",
        button="Reverse",
        intro=intro,
        danger=True,
    )
