"""Escrow fixtures: a term loan boarded through the onboarding service (tests/loans) and
accounts added through the escrow services, never rows written by hand."""

import datetime as dt
import importlib
from decimal import Decimal as D

import pytest
from django.apps import apps

from escrow.ledger import rebuild_balance
from escrow.models import EscrowAccount
from escrow.services.accounts import add_account
from loans.ledger import cached_balances, rebuild_balances
from tests.loans.conftest import board  # noqa: F401  (the fixture, shared)

BD = dt.date(2026, 1, 15)  # the business date of ``board``; the loan is funded 2026-01-01


def seed_categories() -> None:
    """The four categories migration 0002 seeds: again, since a transactional test (the
    browser tests, the real-transaction ones) flushes every table when it ends."""
    seed = importlib.import_module("escrow.migrations.0002_escrow_categories")
    seed.add_categories(apps, None)


@pytest.fixture
def loan(board):  # noqa: F811
    seed_categories()
    return board(BD)


@pytest.fixture
def tax(loan):
    """Property tax: 1,000 opening, minimum 200, a semiannual county tax bill of 600."""
    return add_account(
        loan,
        category="property_tax",
        sub_types=["County tax"],
        opening_balance=D("1000.00"),
        minimum_balance=D("200.00"),
        monthly_amount=D("100.00"),
        schedule_replenishment=True,
        auto_analysis=True,
        items=[
            {
                "payee": "Cook County Treasurer",
                "amount": D("600.00"),
                "due_date": dt.date(2026, 3, 1),
                "frequency": "semiannual",
            }
        ],
    )


@pytest.fixture
def insurance(loan):
    return add_account(
        loan, category="insurance", opening_balance=D("300.00"), minimum_balance=D("50.00")
    )


def assert_consistent(loan):
    """Every account's cached balance equals its ledger, and so does the loan's."""
    for account in EscrowAccount.objects.filter(loan=loan):
        assert rebuild_balance(account) == account.balance, account
    loan.refresh_from_db()
    assert rebuild_balances(loan) == cached_balances(loan)
