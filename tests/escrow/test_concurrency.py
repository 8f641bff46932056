"""Escrow actions racing on one account (PostgreSQL, committed transactions): the loan
row lock makes them run one after the other, so the second sees what the first took and
the balance never goes below zero."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.db import connection

from escrow.models import EscrowAccount
from escrow.services.accounts import add_account
from escrow.services.transfers import replenish_escrow
from escrow.services.withdrawals import withdraw
from servicing.errors import DomainError
from tests.escrow.conftest import BD, assert_consistent, seed_categories
from tests.loans.test_concurrency import run_together

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (SELECT ... FOR UPDATE) and concurrent writers need PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_two_payments_for_the_last_money_one_is_refused(board):
    seed_categories()
    loan = board(BD)
    tax = add_account(loan, category="property_tax", opening_balance=D("500.00"))
    holdback = add_account(loan, category="holdback", opening_balance=D("100.00"))

    def pay():
        return withdraw(
            tax,
            towards="refund",
            amount=D("400.00"),
            payment_date=BD,
            effective_date=BD,
        )

    def transfer():
        return replenish_escrow(
            holdback, from_account_id=tax.pk, amount=D("300.00"), effective_date=BD
        )

    results = run_together(pay, pay, transfer)
    refused = [r for r in results if isinstance(r, DomainError)]
    assert all(not isinstance(r, BaseException) or isinstance(r, DomainError) for r in results)
    assert {r.code for r in refused} == {"insufficient_escrow_balance"}
    tax.refresh_from_db()
    assert tax.balance >= 0 and len(refused) == 2  # 500 pays one 400 or the 300, not two
    assert_consistent(loan)
    assert sum(a.balance for a in EscrowAccount.objects.filter(loan=loan)) <= D("600.00")
