"""Replenish Escrow: from another account of the loan, from the borrower; reversals."""

import datetime as dt
from decimal import Decimal as D

import pytest

from escrow.models import EscrowEntry
from escrow.services.accounts import add_account
from escrow.services.reversals import reverse_escrow_entry
from escrow.services.transfers import replenish_escrow
from loans.models import Loan
from servicing.errors import DomainError, InvalidInput
from tests.escrow.conftest import BD, assert_consistent


def balances(*accounts):
    for account in accounts:
        account.refresh_from_db()
    return [account.balance for account in accounts]


def test_transfer_moves_money_between_accounts_of_the_loan(loan, tax, insurance):
    row = replenish_escrow(
        insurance,
        from_account_id=tax.pk,
        amount=D("250.00"),
        effective_date=BD,
        note="cover premium",
    )
    assert row.kind == "transfer_in" and row.counterparty == tax
    out = tax.entries.get(kind="transfer_out")
    assert out.counterparty == insurance and out.amount == D("250.00")
    assert balances(tax, insurance) == [D("750.00"), D("550.00")]
    assert_consistent(loan)
    # Reversing either leg undoes both.
    reverse_escrow_entry(out, reason="wrong account")
    assert balances(tax, insurance) == [D("1000.00"), D("300.00")]
    assert_consistent(loan)
    with pytest.raises(DomainError) as err:
        reverse_escrow_entry(row, reason="again")
    assert err.value.code == "already_reversed"


def test_replenishment_from_the_borrower_and_its_reversal(loan, tax):
    row = replenish_escrow(
        tax, from_borrower=True, amount=D("75.25"), effective_date=dt.date(2026, 1, 10)
    )
    assert row.kind == "replenished" and row.payee == "Borrower"
    assert balances(tax) == [D("1075.25")]
    back = reverse_escrow_entry(row, reason="check bounced")
    assert back.kind == "replenishment_reversed" and back.reversal_of == row
    assert balances(tax) == [D("1000.00")]
    assert_consistent(loan)


def test_a_transfer_below_the_source_minimum_needs_confirmation(loan, tax, insurance):
    with pytest.raises(DomainError) as err:
        replenish_escrow(insurance, from_account_id=tax.pk, amount=D("900.00"), effective_date=BD)
    assert err.value.code == "below_minimum_balance"
    replenish_escrow(
        insurance, from_account_id=tax.pk, amount=D("900.00"), effective_date=BD, confirm=True
    )
    assert balances(tax, insurance) == [D("100.00"), D("1200.00")]
    with pytest.raises(DomainError) as err:
        replenish_escrow(
            insurance, from_account_id=tax.pk, amount=D("100.01"), effective_date=BD, confirm=True
        )
    assert err.value.code == "insufficient_escrow_balance"
    assert_consistent(loan)


@pytest.fixture
def other_account(board):
    other = board(
        BD,
        application_number="APP-2002",
        borrower={"borrower_id": "B-2002", "first_name": "Al", "last_name": "Roe"},
    )
    return add_account(other, category="insurance", opening_balance=D("500.00"))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"from_borrower": True, "amount": D("0.00")}, "amount"),
        ({"from_borrower": True, "amount": D("-5.00")}, "amount"),
        ({"from_borrower": True, "amount": D("99999999999.00")}, "amount"),
        ({"from_borrower": True, "amount": D("1.001")}, "amount"),
        ({"from_borrower": True, "effective_date": dt.date(2026, 1, 16)}, "effective_date"),
        ({"from_borrower": True, "effective_date": dt.date(2025, 12, 31)}, "effective_date"),
        ({}, "from_account_id"),
        ({"from_borrower": True, "from_account_id": "tax"}, "from_account_id"),
        ({"from_account_id": "tax"}, "from_account_id"),  # itself
        ({"from_account_id": "other"}, "from_account_id"),  # another loan's
        ({"from_account_id": 999999}, "from_account_id"),
    ],
)
def test_bad_replenishments_are_refused_and_write_nothing(loan, tax, other_account, kwargs, field):
    ids = {"tax": tax.pk, "other": other_account.pk}
    values = {"amount": D("10.00"), "effective_date": BD, **kwargs}
    if values.get("from_account_id") in ids:
        values["from_account_id"] = ids[values["from_account_id"]]
    before = EscrowEntry.objects.count()
    with pytest.raises(InvalidInput) as err:
        replenish_escrow(tax, **values)
    assert err.value.field == field
    assert EscrowEntry.objects.count() == before
    assert balances(tax, other_account) == [D("1000.00"), D("500.00")]


def test_a_closed_loan_is_refused(loan, tax):
    Loan.objects.filter(pk=loan.pk).update(status=Loan.Status.CLOSED)
    with pytest.raises(DomainError) as err:
        replenish_escrow(tax, from_borrower=True, amount=D("1.00"), effective_date=BD)
    assert err.value.code == "loan_not_open"


def test_a_reversal_that_would_overdraw_is_refused(loan, tax, insurance):
    row = replenish_escrow(insurance, from_borrower=True, amount=D("100.00"), effective_date=BD)
    replenish_escrow(
        tax, from_account_id=insurance.pk, amount=D("400.00"), effective_date=BD, confirm=True
    )
    with pytest.raises(DomainError) as err:
        reverse_escrow_entry(row, reason="late")
    assert err.value.code == "insufficient_escrow_balance"
    assert_consistent(loan)


def test_an_opening_balance_can_be_reversed(loan):
    account = add_account(loan, category="holdback", opening_balance=D("40.00"))
    row = account.entries.get()
    reverse_escrow_entry(row, reason="boarded twice")
    assert balances(account) == [D("0.00")]


def test_reversing_the_incoming_leg_undoes_the_transfer(loan, tax, insurance):
    row = replenish_escrow(insurance, from_account_id=tax.pk, amount=D("40.00"), effective_date=BD)
    back = reverse_escrow_entry(row, reason="typo")
    assert back.kind == "transfer_out" and back.reversal_of == row
    out = tax.entries.get(kind="transfer_out")
    assert out.reversed_by.kind == "transfer_in"
    assert balances(tax, insurance) == [D("1000.00"), D("300.00")]
    assert_consistent(loan)
