"""Replenish Escrow (spec/escrow.md "Replenishment", "From another account"; seed 002
"Direct Replenishment from other Escrow Accounts"): from another account of the same
loan (``transfer_out`` on the source, ``transfer_in`` on the target, each naming the other
as counterparty) or from the Borrower (a ``replenished`` row: money received directly).

Payment replenishment of assessed escrow is not here (escrow/services/replenishment.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from escrow import ledger
from escrow.models import EscrowAccount, EscrowEntry
from escrow.services.common import (
    check_amount,
    check_available,
    check_date,
    clean_text,
    locked_account,
    money,
)
from servicing.activity import record_activity
from servicing.business_date import get_business_date
from servicing.errors import DomainError, InvalidInput
from servicing.transactions import service_atomic

Kind = EscrowEntry.Kind


def replenish_escrow(
    account: EscrowAccount,
    *,
    amount: Decimal,
    effective_date: dt.date,
    from_account_id: int | None = None,
    from_borrower: bool = False,
    note: str = "",
    confirm: bool = False,
    actor=None,
) -> EscrowEntry:
    """Replenish ``account`` from another account of its loan or from the borrower; returns
    the row on ``account``. Taking the source below its minimum needs ``confirm``."""
    if from_borrower == (from_account_id is not None):
        raise InvalidInput(
            "Replenish either from another escrow account or from the borrower.",
            field="from_account_id",
        )
    amount = check_amount(amount)
    note = clean_text(note, "note", max_length=500)
    with service_atomic():
        loan, account = locked_account(account)
        business_date = get_business_date()
        check_date(loan, effective_date, business_date, "effective_date")
        if from_borrower:
            entry = ledger.post(
                account,
                kind=Kind.REPLENISHED,
                amount=amount,
                effective_date=effective_date,
                business_date=business_date,
                actor=actor,
                note=note,
                payee="Borrower",
                details={"source": "borrower"},
            )
            source_label = "the borrower"
        else:
            source = (
                EscrowAccount.objects.select_related("category")
                .filter(pk=from_account_id, loan=loan)
                .first()
            )
            if source is None:
                raise InvalidInput(
                    f"No escrow account {from_account_id} on loan {loan.loan_number}.",
                    field="from_account_id",
                )
            if source.pk == account.pk:
                raise InvalidInput(
                    "An account cannot replenish itself: choose another source.",
                    field="from_account_id",
                )
            check_available(source, amount, confirm=confirm)
            out = ledger.post(
                source,
                kind=Kind.TRANSFER_OUT,
                amount=amount,
                effective_date=effective_date,
                business_date=business_date,
                actor=actor,
                note=note,
                counterparty=account,
            )
            entry = ledger.post(
                account,
                kind=Kind.TRANSFER_IN,
                amount=amount,
                effective_date=effective_date,
                business_date=business_date,
                actor=actor,
                note=note,
                counterparty=source,
                details={"transfer_out": out.pk},
            )
            source_label = f"the {source.category.name} account"
        record_activity(
            actor=actor,
            action="escrow.replenished",
            summary=f"{account.category.name} escrow replenished with {money(amount)} from "
            f"{source_label}, effective {effective_date.isoformat()}",
            target=loan,
            details={"escrow_account": account.pk, "escrow_entry": entry.pk},
            business_date=business_date,
        )
    return entry


def transfer_pair(entry: EscrowEntry) -> EscrowEntry:
    """The other leg of a transfer: the ``transfer_in`` row names its ``transfer_out`` (rows
    are never updated, so the link is on the leg written second)."""
    if entry.kind == Kind.TRANSFER_IN:
        return EscrowEntry.objects.get(pk=entry.details["transfer_out"])
    return EscrowEntry.objects.get(kind=Kind.TRANSFER_IN, details__transfer_out=entry.pk)


def reverse_replenishment(entry: EscrowEntry, *, reason: str, actor=None) -> EscrowEntry:
    """Undo a replenishment from the borrower (``replenishment_reversed``) or a transfer
    (both legs undone). A replenishment by a loan payment is undone by reversing that
    payment. Refused when the account no longer holds the money."""
    reason = clean_text(reason, "reason", max_length=400, required=True)
    with service_atomic():
        loan, account = locked_account(entry.account_id)
        entry = EscrowEntry.objects.select_related("account__category").get(pk=entry.pk)
        if entry.kind == Kind.REPLENISHED and entry.loan_entry_id is not None:
            raise DomainError(
                "reverse_the_payment",
                "This replenishment came with a loan payment: reverse the payment instead.",
            )
        if entry.kind not in (Kind.REPLENISHED, Kind.TRANSFER_IN, Kind.TRANSFER_OUT):
            raise DomainError("not_a_replenishment", f"Entry {entry.pk} is not a replenishment.")
        ledger.check_reversible(entry)
        business_date = get_business_date()
        if entry.kind == Kind.REPLENISHED:
            _check_holds(account, entry.amount)
            reversal = ledger.reverse(
                entry, account=account, business_date=business_date, actor=actor, note=reason
            )
        else:
            out = entry if entry.kind == Kind.TRANSFER_OUT else transfer_pair(entry)
            inn = transfer_pair(out)
            target = inn.account if inn.account_id != account.pk else account
            source = out.account if out.account_id != account.pk else account
            _check_holds(target, inn.amount)
            back_in = ledger.reverse(
                out, account=source, business_date=business_date, actor=actor, note=reason
            )
            back_out = ledger.reverse(
                inn, account=target, business_date=business_date, actor=actor, note=reason
            )
            reversal = back_in if entry.pk == out.pk else back_out
        record_activity(
            actor=actor,
            action="escrow.replenishment_reversed",
            summary=f"Escrow replenishment #{entry.pk} of {money(entry.amount)} reversed: {reason}",
            target=loan,
            details={"escrow_entry": entry.pk, "reversal": reversal.pk},
            business_date=business_date,
        )
    return reversal


def _check_holds(account: EscrowAccount, amount: Decimal) -> None:
    if amount > account.balance:
        raise DomainError(
            "insufficient_escrow_balance",
            f"The {account.category.name} account holds {money(account.balance)}: the "
            f"{money(amount)} replenished was already paid out.",
        )
