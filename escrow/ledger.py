"""The only writer of escrow ledger rows (``EscrowEntry``): post, reverse, rebuild.

Every row has a positive amount; its kind gives the direction (``BALANCE_EFFECT``) and
moves the account's cached ``balance``. The caller holds the loan row lock (and so every
account of that loan): accounts are only changed under their loan's lock.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Case, F, Sum, Value, When

from escrow.models import BALANCE_EFFECT, ZERO, EscrowAccount, EscrowEntry
from servicing.activity import actor_label
from servicing.errors import DomainError

Kind = EscrowEntry.Kind

# What undoes what (spec/escrow.md "Transactions (Additional A/C)").
REVERSAL_KIND = {
    Kind.REPLENISHED: Kind.REPLENISHMENT_REVERSED,
    Kind.WITHDRAWN: Kind.WITHDRAWAL_REVERSED,
    Kind.EXCESS_REFUND: Kind.WITHDRAWAL_REVERSED,
    # A transfer is reversed as a pair (escrow/services/transfers.py): each leg is undone
    # by the opposite leg on the same account.
    Kind.TRANSFER_OUT: Kind.TRANSFER_IN,
    Kind.TRANSFER_IN: Kind.TRANSFER_OUT,
}


def post(account: EscrowAccount, **values) -> EscrowEntry:
    """Append a row and move ``account.balance`` by its effect (loan locked by the caller).

    ``values``: the row's keyword arguments, as ``_entry`` takes them (kind, amount,
    effective_date, business_date, and optionally actor, note, payee, item, counterparty,
    loan_entry, reversal_of, details).
    """
    entry = _entry(account, **values)
    entry.save(force_insert=True)
    # In the database, not from the instance: a caller's copy may predate a row another
    # service posted in the same transaction (a loan payment's escrow part, its listener).
    EscrowAccount.objects.filter(pk=account.pk).update(
        balance=F("balance") + BALANCE_EFFECT[entry.kind] * entry.amount
    )
    account.refresh_from_db(fields=["balance"])
    return entry


def post_many(postings: list[tuple[EscrowAccount, dict]]) -> list[EscrowEntry]:
    """``post`` for many (account, ``post``'s keyword arguments) at once: one insert of the
    rows and one update of the balances they move (loans locked by the caller). The
    accounts' instances are not refreshed."""
    entries, moves = [], {}
    for account, values in postings:
        entry = _entry(account, **values)
        entries.append(entry)
        moves[account.pk] = moves.get(account.pk, ZERO) + BALANCE_EFFECT[entry.kind] * entry.amount
    created = EscrowEntry.objects.bulk_create(entries)
    if moves:
        EscrowAccount.objects.filter(pk__in=moves).update(
            balance=F("balance")
            + Case(
                *(When(pk=pk, then=Value(move)) for pk, move in moves.items()),
                output_field=EscrowAccount._meta.get_field("balance"),
            )
        )
    return created


def _entry(
    account: EscrowAccount,
    *,
    kind: str,
    amount: Decimal,
    effective_date: dt.date,
    business_date: dt.date,
    actor=None,
    note: str = "",
    payee: str = "",
    item=None,
    counterparty: EscrowAccount | None = None,
    loan_entry=None,
    reversal_of: EscrowEntry | None = None,
    details: dict | None = None,
) -> EscrowEntry:
    """An unsaved row (``post``'s checks and truncations)."""
    if amount <= 0:
        raise ValueError("an escrow ledger row's amount is positive; its kind gives the sign")
    return EscrowEntry(
        account=account,
        kind=kind,
        amount=amount,
        effective_date=effective_date,
        business_date=business_date,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label(actor),
        note=note[:500],
        payee=payee[:200],
        item=item,
        counterparty=counterparty,
        loan_entry=loan_entry,
        reversal_of=reversal_of,
        details=details or {},
    )


def is_reversal(entry: EscrowEntry) -> bool:
    return entry.reversal_of_id is not None


def check_reversible(entry: EscrowEntry) -> None:
    """409 for a reversal row, a kind that cannot be undone, or a row already reversed."""
    if is_reversal(entry) or entry.kind not in REVERSAL_KIND:
        raise DomainError(
            "not_reversible", f"A {entry.get_kind_display().lower()} row cannot be reversed."
        )
    if EscrowEntry.objects.filter(reversal_of=entry).exists():
        raise DomainError(
            "already_reversed", f"Escrow transaction {entry.pk} was already reversed."
        )


def reverse(
    entry: EscrowEntry,
    *,
    account: EscrowAccount,
    business_date: dt.date,
    actor=None,
    note: str = "",
    loan_entry=None,
) -> EscrowEntry:
    """A row undoing ``entry`` on ``account`` (the caller's instance), linked by reversal_of."""
    if account.pk != entry.account_id:
        raise ValueError("the entry belongs to another account")
    check_reversible(entry)
    return post(
        account,
        kind=REVERSAL_KIND[entry.kind],
        amount=entry.amount,
        effective_date=entry.effective_date,
        business_date=business_date,
        actor=actor,
        note=note,
        payee=entry.payee,
        item=entry.item,
        counterparty=entry.counterparty,
        loan_entry=loan_entry,
        reversal_of=entry,
        details={"reverses": entry.pk},
    )


def rebuild_balance(account: EscrowAccount) -> Decimal:
    """The balance the account's ledger gives, summed in the database by kind."""
    total = ZERO
    for row in account.entries.values("kind").annotate(total=Sum("amount")):
        total += BALANCE_EFFECT[row["kind"]] * row["total"]
    return total
