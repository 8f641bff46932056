"""The Reverse action of an escrow transaction: one entry point for pages and the API,
handing each kind to the service that knows how to undo it."""

from __future__ import annotations

from escrow.models import EscrowEntry
from escrow.services.transfers import reverse_replenishment
from escrow.services.withdrawals import reverse_withdrawal
from servicing.errors import DomainError

Kind = EscrowEntry.Kind
WITHDRAWALS = (Kind.WITHDRAWN, Kind.EXCESS_REFUND)
REPLENISHMENTS = (Kind.REPLENISHED, Kind.TRANSFER_IN, Kind.TRANSFER_OUT)


def can_reverse(entry: EscrowEntry, reversed_ids: set[int]) -> bool:
    """Whether the Reverse action is offered (the service decides, this only hides it)."""
    if entry.reversal_of_id is not None or entry.pk in reversed_ids:
        return False
    if entry.kind == Kind.REPLENISHED and entry.loan_entry_id is not None:
        return False  # reversed with its loan payment
    return entry.kind in WITHDRAWALS + REPLENISHMENTS


def reverse_escrow_entry(entry: EscrowEntry, *, reason: str, actor=None) -> EscrowEntry:
    if entry.reversal_of_id is not None:
        raise DomainError("not_reversible", "A reversal row cannot be reversed.")
    if entry.kind in WITHDRAWALS:
        return reverse_withdrawal(entry, reason=reason, actor=actor)
    if entry.kind in REPLENISHMENTS:
        return reverse_replenishment(entry, reason=reason, actor=actor)
    raise DomainError(
        "not_reversible", f"A {entry.get_kind_display().lower()} row cannot be reversed."
    )
