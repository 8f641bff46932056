"""Fees assessed on and waived from a loan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from loans import ledger
from loans.locks import lock_loan
from loans.models import LedgerEntry, Loan
from loans.services.replay import sync_loan
from servicing.activity import record_activity
from servicing.business_date import get_business_date
from servicing.errors import DomainError, InvalidInput
from servicing.transactions import service_atomic


def apply_fee(
    loan: Loan, *, name: str, amount: Decimal, effective_date: dt.date | None = None, actor=None
) -> LedgerEntry:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Name the fee.", field="name")
    if amount <= 0:
        raise InvalidInput("A fee must be positive.", field="amount")
    with service_atomic():
        loan = lock_loan(loan.pk)
        business_date = get_business_date()
        effective_date = effective_date or business_date
        if not loan.funded_date <= effective_date <= business_date:
            raise InvalidInput(
                "The effective date must be between the funded date and the business date.",
                field="effective_date",
            )
        sync_loan(loan, business_date=business_date, actor=actor)
        entry = ledger.post_entry(
            loan,
            kind=LedgerEntry.Kind.FEE_ASSESSED,
            effective_date=effective_date,
            business_date=business_date,
            split={"fees": amount},
            actor=actor,
            note=name,
            details={"fee_name": name},
        )
        sync_loan(loan, business_date=business_date, actor=actor)
        record_activity(
            actor=actor,
            action="fee.applied",
            summary=f"Fee {name} of {amount} applied",
            target=loan,
            details={"ledger_entry": entry.pk},
            business_date=business_date,
        )
    return entry


def waive_fee(loan: Loan, *, amount: Decimal, reason: str, actor=None) -> LedgerEntry:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give the reason for the waiver.", field="reason")
    if amount <= 0:
        raise InvalidInput("A waiver must be positive.", field="amount")
    with service_atomic():
        loan = lock_loan(loan.pk)
        business_date = get_business_date()
        sync_loan(loan, business_date=business_date, actor=actor)
        if amount > loan.fees_balance:
            raise DomainError(
                "waiver_exceeds_fees", f"Only {loan.fees_balance} of fees are outstanding."
            )
        entry = ledger.post_entry(
            loan,
            kind=LedgerEntry.Kind.FEE_WAIVED,
            effective_date=business_date,
            business_date=business_date,
            split={"fees": amount},
            actor=actor,
            note=reason,
        )
        sync_loan(loan, business_date=business_date, actor=actor)
        record_activity(
            actor=actor,
            action="fee.waived",
            summary=f"Fees of {amount} waived: {reason}",
            target=loan,
            details={"ledger_entry": entry.pk},
            business_date=business_date,
        )
    return entry
