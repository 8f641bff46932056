"""The only writer of ledger rows: ``post_entry`` and ``reverse_entry``.

Each posted row moves the loan's cached balances by its ``balance_delta``; a rebuild
(``rebuild_balances``) sums the same deltas over the whole ledger and must agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from loans.models import LedgerEntry, Loan
from loans.models.ledger import BUCKETS
from servicing.activity import actor_label
from servicing.bulk import bulk_insert
from servicing.errors import DomainError
from servicing.money import ZERO, round_cents

Kind = LedgerEntry.Kind
# +1: the row adds its split to the balances (money the borrower owes);
# -1: it takes its split off them. The excess bucket is money held for the borrower,
# so a payment's excess part *adds* to the excess balance.
BALANCE_EFFECT = {
    Kind.DISBURSEMENT: 1,
    Kind.DRAW: 1,
    Kind.FEE_ASSESSED: 1,
    Kind.INTEREST_ACCRUAL: 1,
    Kind.DEFAULT_INTEREST_ACCRUAL: 1,
    Kind.ACCRUAL_ADJUSTMENT: 1,
    Kind.EARN_OUT: 1,
    Kind.ESCROW_ASSESSED: 1,
    Kind.PAYMENT: -1,
    Kind.FEE_WAIVED: -1,
    Kind.SETTLEMENT: -1,
    Kind.DISCOUNT: -1,
    Kind.CHARGE_OFF: -1,
    Kind.EXCESS_REFUND: -1,
    Kind.PAYMENT_REVERSAL: 1,
}
# Rows whose excess part is money received and held (payments and their reversals).
EXCESS_IS_HELD = {Kind.PAYMENT, Kind.PAYMENT_REVERSAL, Kind.SETTLEMENT}
REVERSAL_KIND = {Kind.PAYMENT: Kind.PAYMENT_REVERSAL}
# Rows whose escrow part is money paid into (or taken back from) the escrow accounts.
ESCROW_MONEY = {Kind.PAYMENT, Kind.PAYMENT_REVERSAL}
BALANCE_FIELDS = {
    "principal": "principal_balance",
    "interest": "interest_balance",
    "additional_interest": "additional_interest_balance",
    "fees": "fees_balance",
    "escrow": "escrow_balance",
    "excess": "excess_balance",
}


def balance_delta(kind: str, split: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """How a row of ``kind`` with ``split`` moves each balance bucket."""
    sign = BALANCE_EFFECT[kind]
    delta = {bucket: sign * split.get(bucket, ZERO) for bucket in BUCKETS}
    if kind in EXCESS_IS_HELD:
        delta["excess"] = -delta["excess"]
    elif kind == Kind.EXCESS_REFUND:
        delta["excess"] = -split.get("excess", ZERO)
    return delta


def _clean_split(split: Mapping[str, Decimal], *, signed: bool = False) -> dict[str, Decimal]:
    unknown = set(split) - set(BUCKETS)
    if unknown:
        raise ValueError(f"unknown buckets: {sorted(unknown)}")
    clean = {bucket: round_cents(split.get(bucket, ZERO)) for bucket in BUCKETS}
    if not signed and any(value < 0 for value in clean.values()):
        raise ValueError("split amounts must not be negative")
    return clean


def apply_delta(loan: Loan, delta: Mapping[str, Decimal]) -> None:
    """Move the cached balances (the caller saves the loan, which it holds locked)."""
    for bucket, value in delta.items():
        field = BALANCE_FIELDS[bucket]
        setattr(loan, field, getattr(loan, field) + value)
        if getattr(loan, field) < 0:
            raise DomainError(
                "negative_balance",
                f"This would make the {bucket.replace('_', ' ')} balance negative.",
            )


def post_entry(
    loan: Loan,
    *,
    kind: str,
    effective_date: dt.date,
    business_date: dt.date,
    split: Mapping[str, Decimal],
    actor=None,
    note: str = "",
    external_reference: str = "",
    details: dict | None = None,
    reversal_of: LedgerEntry | None = None,
    replayed_from: LedgerEntry | None = None,
) -> LedgerEntry:
    """Append a row and move the loan's cached balances by its delta (loan locked by caller)."""
    clean = _clean_split(split, signed=kind == Kind.ACCRUAL_ADJUSTMENT)
    entry = LedgerEntry.objects.create(
        loan=loan,
        kind=kind,
        effective_date=effective_date,
        business_date=business_date,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label(actor),
        amount=sum(clean.values(), ZERO),
        note=note[:500],
        external_reference=external_reference,
        details=details or {},
        reversal_of=reversal_of,
        replayed_from=replayed_from,
        **clean,
    )
    apply_delta(loan, balance_delta(kind, clean))
    _note_escrow_money(loan, kind, clean)
    return entry


def _note_escrow_money(loan: Loan, kind: str, split: Mapping[str, Decimal]) -> None:
    """Mark the loan when a row moves escrow money: the replay's end tells the listeners
    (``loans.registry.ESCROW_LISTENERS``: the escrow accounts follow)."""
    if kind in ESCROW_MONEY and split["escrow"]:
        loan.escrow_moved = True


def post_entries(loan: Loan, entries: list[dict]) -> None:
    """``post_entry`` for many rows: one bulk INSERT (COPY on PostgreSQL); the balances
    move by each row in order.

    Each dict holds ``post_entry``'s keyword arguments (``kind``, ``effective_date``,
    ``business_date``, ``split``, optional ``actor``, ``note``, ``external_reference``,
    ``details``, ``reversal_of``, ``replayed_from``). The rows' ids are not returned.
    """
    now = timezone.now()
    rows = []
    for entry in entries:
        kind, actor = entry["kind"], entry.get("actor")
        clean = _clean_split(entry["split"], signed=kind == Kind.ACCRUAL_ADJUSTMENT)
        reversed_row, replayed = entry.get("reversal_of"), entry.get("replayed_from")
        rows.append(
            {
                "loan_id": loan.pk,
                "kind": str(kind),  # a plain str: COPY formats a column of one type at once
                "effective_date": entry["effective_date"],
                "business_date": entry["business_date"],
                "posted_at": now,
                "actor_id": actor.pk if getattr(actor, "pk", None) else None,
                "actor_label": actor_label(actor),
                "amount": sum(clean.values(), ZERO),
                "note": entry.get("note", "")[:500],
                "external_reference": entry.get("external_reference", ""),
                "details": entry.get("details") or {},
                "reversal_of_id": reversed_row.pk if reversed_row else None,
                "replayed_from_id": replayed.pk if replayed else None,
                **clean,
            }
        )
        apply_delta(loan, balance_delta(kind, clean))
        _note_escrow_money(loan, kind, clean)
    bulk_insert(LedgerEntry, rows)


def reversal_of(entry: LedgerEntry, *, business_date: dt.date, actor=None, note: str = "") -> dict:
    """The ``post_entries`` row that undoes ``entry`` (same split, opposite effect).

    ``entry``: a ``LedgerEntry`` or a row read as a tuple with its ``pk``, ``kind``,
    ``effective_date`` and ``split()`` (``loans.services.replay_inputs.EventRow``).
    """
    if entry.kind not in REVERSAL_KIND:
        raise DomainError(
            "not_reversible", f"A {Kind(entry.kind).label.lower()} cannot be reversed."
        )
    return {
        "kind": REVERSAL_KIND[entry.kind],
        "effective_date": entry.effective_date,
        "business_date": business_date,
        "split": entry.split(),
        "actor": actor,
        "note": note,
        "reversal_of": entry,
        "details": {"reverses": entry.pk},
    }


def reverse_entry(
    entry: LedgerEntry, *, loan: Loan, business_date: dt.date, actor=None, note: str = ""
) -> LedgerEntry:
    """A row undoing ``entry`` (same split, opposite effect), linked to it.

    ``loan`` is the caller's locked instance: its cached balances are the ones moved.
    """
    if loan.pk != entry.loan_id:
        raise ValueError("the entry belongs to another loan")
    row = reversal_of(entry, business_date=business_date, actor=actor, note=note)
    if LedgerEntry.objects.filter(reversal_of=entry).exists():
        raise DomainError("already_reversed", "This transaction was already reversed.")
    return post_entry(loan, **row)


def rebuild_balances(loan: Loan) -> dict[str, Decimal]:
    """The balances the ledger gives, summed in the database by kind."""
    totals = {bucket: ZERO for bucket in BUCKETS}
    rows = (
        LedgerEntry.objects.filter(loan=loan)
        .values("kind")
        .annotate(**{bucket: Sum(bucket) for bucket in BUCKETS})
    )
    for row in rows:
        delta = balance_delta(row["kind"], {b: row[b] or ZERO for b in BUCKETS})
        for bucket in BUCKETS:
            totals[bucket] += delta[bucket]
    return {BALANCE_FIELDS[b]: round_cents(v) for b, v in totals.items()}


def cached_balances(loan: Loan) -> dict[str, Decimal]:
    return {field: getattr(loan, field) for field in BALANCE_FIELDS.values()}
