"""Make Payment from Escrow: towards an item, a refund, the loan; the minimum balance;
the item's next due date; reversals; bad input writing nothing."""

import datetime as dt
from decimal import Decimal as D

import pytest

from escrow.models import DisbursementItem, EscrowEntry
from escrow.services.accounts import add_account, add_item
from escrow.services.reversals import reverse_escrow_entry
from escrow.services.withdrawals import withdraw
from loans.ledger import cached_balances
from loans.models import LedgerEntry, Loan
from servicing.activity import activity_for
from servicing.errors import DomainError, InvalidInput
from tests.escrow.conftest import BD, assert_consistent, seed_categories

PAID = dt.date(2026, 1, 12)


def pay(account, **kwargs):
    values = {
        "towards": "refund",
        "amount": D("100.00"),
        "payment_date": PAID,
        "effective_date": PAID,
    }
    values.update(kwargs)
    return withdraw(account, **values)


def test_payment_towards_an_item_moves_its_next_due_date(loan, tax):
    item = tax.items.get()
    row = pay(tax, towards="item", item_id=item.pk, amount=D("600.00"), note="1st half")
    assert (row.kind, row.payee, row.item, row.note) == (
        "withdrawn",
        "Cook County Treasurer",
        item,
        "1st half",
    )
    item.refresh_from_db()
    assert item.next_due_date == dt.date(2026, 7, 12)  # payment date + 6 months
    tax.refresh_from_db()
    assert tax.balance == D("400.00")
    assert activity_for(loan).filter(action="escrow.withdrawn").exists()
    assert_consistent(loan)
    back = reverse_escrow_entry(row, reason="paid twice")
    assert back.kind == "withdrawal_reversed" and back.reversal_of == row
    tax.refresh_from_db()
    assert tax.balance == D("1000.00")
    assert_consistent(loan)


@pytest.mark.parametrize(
    ("frequency", "due"),
    [
        ("monthly", dt.date(2026, 2, 12)),
        ("quarterly", dt.date(2026, 4, 12)),
        ("semiannual", dt.date(2026, 7, 12)),
        ("annual", dt.date(2027, 1, 12)),
    ],
)
def test_each_frequency_moves_the_due_date(loan, tax, frequency, due):
    item = add_item(tax, payee="P", amount=D("10.00"), due_date=BD, frequency=frequency)
    pay(tax, towards="item", item_id=item.pk, amount=D("10.00"))
    item.refresh_from_db()
    assert item.next_due_date == due


def test_month_end_payment_date_is_cut_to_the_month(loan, tax):
    item = add_item(tax, payee="P", amount=D("10.00"), due_date=BD, frequency="monthly")
    Loan.objects.filter(pk=loan.pk).update(funded_date=dt.date(2025, 12, 1))
    pay(
        tax,
        towards="item",
        item_id=item.pk,
        amount=D("10.00"),
        payment_date=dt.date(2025, 12, 31),
        effective_date=dt.date(2025, 12, 31),
    )
    item.refresh_from_db()
    assert item.next_due_date == dt.date(2026, 1, 31)


def test_refund_posts_an_excess_refund_and_reverses(loan, tax):
    row = pay(tax, towards="refund", amount=D("50.00"))
    assert row.kind == "excess_refund" and row.payee == "Borrower"
    reverse_escrow_entry(row, reason="sent to wrong address")
    tax.refresh_from_db()
    assert tax.balance == D("1000.00")
    assert_consistent(loan)


def test_payment_towards_the_loan_posts_a_loan_payment_and_reverses_it(loan, tax):
    before = cached_balances(loan)
    row = pay(tax, towards="loan", amount=D("200.00"), payment_date=BD, effective_date=BD)
    payment = row.loan_entry
    assert row.kind == "withdrawn" and payment.kind == LedgerEntry.Kind.PAYMENT
    assert payment.amount == D("200.00") and payment.external_reference == f"ESCROW-{tax.pk}"
    loan.refresh_from_db()
    assert cached_balances(loan) != before  # excess (nothing is due yet) or what is due
    assert_consistent(loan)
    back = reverse_escrow_entry(row, reason="misapplied")
    assert back.loan_entry.reversal_of == payment
    loan.refresh_from_db()
    tax.refresh_from_db()
    assert cached_balances(loan) == before and tax.balance == D("1000.00")
    assert_consistent(loan)


def test_backdated_payment_towards_the_loan_replays_it(loan, tax):
    row = pay(
        tax,
        towards="loan",
        amount=D("150.00"),
        payment_date=dt.date(2026, 1, 5),
        effective_date=dt.date(2026, 1, 5),
    )
    assert row.loan_entry.effective_date == dt.date(2026, 1, 5)
    assert_consistent(loan)


def test_a_loan_payment_already_reversed_on_the_loan_is_not_reversed_again(loan, tax):
    from loans.services.payments import reverse_payment

    row = pay(tax, towards="loan", amount=D("100.00"), payment_date=BD, effective_date=BD)
    reverse_payment(row.loan_entry, reason="returned")
    back = reverse_escrow_entry(row, reason="and the escrow side")
    assert back.loan_entry is None
    assert LedgerEntry.objects.filter(reversal_of=row.loan_entry).count() == 1
    assert_consistent(loan)


def test_below_the_minimum_needs_confirmation(loan, tax):
    with pytest.raises(DomainError) as err:
        pay(tax, amount=D("800.01"))
    assert err.value.code == "below_minimum_balance"
    assert "balance 1,000.00" in err.value.message and "minimum 200.00" in err.value.message
    assert "800.01" in err.value.message
    assert not tax.entries.exclude(note="Opening balance").exists()
    pay(tax, amount=D("800.00"))  # exactly down to the minimum: no warning
    pay(tax, amount=D("150.00"), confirm=True)
    tax.refresh_from_db()
    assert tax.balance == D("50.00")
    with pytest.raises(DomainError) as err:
        pay(tax, amount=D("50.01"), confirm=True)
    assert err.value.code == "insufficient_escrow_balance"
    assert_consistent(loan)


@pytest.fixture
def other_item(loan):
    other = add_account(loan, category="insurance", opening_balance=D("10.00"))
    return add_item(other, payee="Other", amount=D("5.00"), due_date=BD, frequency="annual")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": D("0.00")}, "amount"),
        ({"amount": D("-10.00")}, "amount"),
        ({"amount": D("1e12")}, "amount"),
        ({"amount": D("0.001")}, "amount"),
        ({"towards": "bank"}, "towards"),
        ({"towards": "item"}, "item_id"),
        ({"towards": "item", "item_id": "other"}, "item_id"),
        ({"towards": "item", "item_id": "inactive"}, "item_id"),
        ({"towards": "refund", "item_id": "tax"}, "item_id"),
        ({"payment_date": dt.date(2026, 1, 16)}, "payment_date"),
        ({"payment_date": dt.date(2025, 12, 31)}, "payment_date"),
        ({"effective_date": dt.date(2026, 1, 16)}, "effective_date"),
        ({"effective_date": dt.date(2025, 12, 31)}, "effective_date"),
        ({"note": "x" * 501}, "note"),
    ],
)
def test_bad_withdrawals_are_refused_and_write_nothing(loan, tax, other_item, kwargs, field):
    inactive = add_item(tax, payee="Old", amount=D("5.00"), due_date=BD, frequency="annual")
    DisbursementItem.objects.filter(pk=inactive.pk).update(is_active=False)
    ids = {"other": other_item.pk, "inactive": inactive.pk, "tax": tax.items.first().pk}
    if kwargs.get("item_id") in ids:
        kwargs = {**kwargs, "item_id": ids[kwargs["item_id"]]}
    entries, payments = EscrowEntry.objects.count(), LedgerEntry.objects.count()
    with pytest.raises(InvalidInput) as err:
        pay(tax, **kwargs)
    assert err.value.field == field
    assert EscrowEntry.objects.count() == entries and LedgerEntry.objects.count() == payments
    assert_consistent(loan)


def test_towards_the_loan_more_than_it_owes_is_refused(loan):
    holdback = add_account(loan, category="holdback", opening_balance=D("5000.00"))
    with pytest.raises(InvalidInput) as err:  # the loan owes about 1,200
        pay(holdback, towards="loan", amount=D("4000.00"), payment_date=BD, effective_date=BD)
    assert err.value.field == "amount"
    assert holdback.entries.count() == 1 and not LedgerEntry.objects.filter(kind="payment")
    assert_consistent(loan)


def test_a_closed_loan_is_refused(loan, tax):
    Loan.objects.filter(pk=loan.pk).update(status=Loan.Status.CLOSED)
    with pytest.raises(DomainError) as err:
        pay(tax)
    assert err.value.code == "loan_not_open"
    assert tax.entries.count() == 1


@pytest.mark.django_db(transaction=True)
def test_towards_the_loan_in_a_real_transaction(board):
    """Outside a test transaction: the durable blocks nest as in production."""
    seed_categories()
    loan = board(BD)
    account = add_account(loan, category="holdback", opening_balance=D("500.00"))
    row = withdraw(account, towards="loan", amount=D("100.00"), payment_date=BD, effective_date=BD)
    reverse_escrow_entry(row, reason="undo")
    assert_consistent(loan)
