"""Escrow owed by the borrower (spec/escrow.md "Replenishment"): an assessment adds to the
loan's escrow bucket (amount due), and payments pay it by the hierarchy. The escrow app
keeps the accounts; loans only knows the amount owed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from loans import ledger
from loans.models import LedgerEntry, Loan
from loans.services.catch_up import is_behind
from loans.services.replay import sync_loan
from servicing.errors import DomainError, InvalidInput


def post_escrow_assessment(
    loan: Loan,
    *,
    amount: Decimal,
    effective_date: dt.date,
    business_date: dt.date,
    note: str = "",
    details: dict | None = None,
    actor=None,
) -> LedgerEntry:
    """Assess ``amount`` of escrow on ``loan`` (locked by the caller) from
    ``effective_date``; the loan is replayed (a later payment may now pay it)."""
    if amount <= 0:
        raise InvalidInput("An escrow assessment must be positive.", field="amount")
    if loan.status != Loan.Status.OPEN:
        raise DomainError("loan_not_open", f"Loan {loan.loan_number} is not open.")
    if not loan.funded_date <= effective_date <= business_date:
        raise InvalidInput(
            "The effective date must be between the funded date and the business date.",
            field="effective_date",
        )
    if is_behind(loan, business_date):
        sync_loan(loan, business_date=business_date, actor=actor)
    entry = ledger.post_entry(
        loan,
        kind=LedgerEntry.Kind.ESCROW_ASSESSED,
        effective_date=effective_date,
        business_date=business_date,
        split={"escrow": amount},
        actor=actor,
        note=note,
        details=details,
    )
    sync_loan(loan, business_date=business_date, actor=actor)
    return entry
