"""Loans with escrow accounts for the analysis tests. The accounts service is written in
parallel, so the accounts, items and opening balances are made here directly (the balance
through escrow.ledger, the ledger's only writer). Import the fixtures into a test module."""

import datetime as dt
from decimal import Decimal as D

import pytest

from escrow import ledger
from escrow.models import DisbursementItem, EscrowAccount, EscrowCategory, EscrowEntry
from tests.loans.conftest import board  # noqa: F401  (re-exported fixture)

TODAY = dt.date(2026, 1, 15)


def add_account(
    loan,
    category="property_tax",
    *,
    balance="0",
    monthly="0",
    items=(),
    last_analysis=None,
    **fields,
):
    """An auto-analysis account with ``items`` [(payee, amount, next_due, frequency)]."""
    account = EscrowAccount.objects.create(
        loan=loan,
        category=_category(category),
        monthly_amount=D(monthly),
        auto_analysis=fields.pop("auto_analysis", True),
        schedule_replenishment=fields.pop("schedule_replenishment", True),
        last_analysis_date=last_analysis,
        **fields,
    )
    for payee, amount, due, frequency in items:
        DisbursementItem.objects.create(
            account=account, payee=payee, amount=D(amount), next_due_date=due, frequency=frequency
        )
    if D(balance) > 0:
        ledger.post(
            account,
            kind=EscrowEntry.Kind.REPLENISHED,
            amount=D(balance),
            effective_date=loan.funded_date,
            business_date=loan.funded_date,
            note="opening balance",
        )
    return account


def _category(code):
    # A transactional test (the browser's) flushes the categories migration 0002 seeds.
    return EscrowCategory.objects.get_or_create(
        code=code, defaults={"name": code.replace("_", " ").capitalize()}
    )[0]


@pytest.fixture
def escrow_loan(board):  # noqa: F811
    """``escrow_loan(**payload overrides)``: a 24-month loan boarded on 2026-01-15 with a
    tax account (1,200 due 2026-11-15) and an insurance account (360 due 2026-07-01): the
    computation year from 2026-02-01 pays out D = 1,560."""

    def make(balance_tax="500", balance_ins="100", **overrides):
        payload = {
            "application_number": overrides.pop("application_number", "APP-E1"),
            "number_of_payments": 24,
            "funded_amount": "24000.00",
            **overrides,
        }
        if "borrower_id" in payload:
            payload["borrower"] = {
                "borrower_id": payload.pop("borrower_id"),
                "kind": "individual",
                "first_name": "Ann",
                "last_name": "Lee",
            }
        loan = board(TODAY, **payload)
        add_account(
            loan,
            "property_tax",
            balance=balance_tax,
            monthly="100",
            items=[("County", "1200", dt.date(2026, 11, 15), "annual")],
            last_analysis=dt.date(2025, 1, 10),
        )
        add_account(
            loan,
            "insurance",
            balance=balance_ins,
            monthly="30",
            items=[("Insurer", "360", dt.date(2026, 7, 1), "annual")],
            last_analysis=dt.date(2025, 1, 10),
        )
        return loan

    return make
