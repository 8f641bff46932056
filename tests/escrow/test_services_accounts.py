"""Add Escrow, Add Subtype, Edit and disbursement items through the services."""

import datetime as dt
from decimal import Decimal as D

import pytest

from escrow.models import DisbursementItem, EscrowAccount, EscrowEntry, EscrowSubtype
from escrow.services.accounts import (
    add_account,
    add_item,
    add_subtype,
    deactivate_item,
    edit_account,
    edit_item,
)
from loans.models import Loan
from servicing.activity import activity_for
from servicing.errors import DomainError, InvalidInput
from tests.escrow.conftest import BD, assert_consistent

ITEM = {
    "payee": "Acme Insurance",
    "amount": D("240.00"),
    "due_date": dt.date(2026, 6, 1),
    "frequency": "annual",
}


def test_add_account_posts_the_opening_balance_as_a_replenishment(loan, tax):
    assert tax.balance == D("1000.00") and tax.minimum_balance == D("200.00")
    assert tax.schedule_replenishment and tax.auto_analysis
    assert list(tax.subtypes.values_list("name", flat=True)) == ["County tax"]
    (item,) = tax.items.all()
    assert (item.payee, item.amount, item.frequency) == (
        "Cook County Treasurer",
        D("600.00"),
        "semiannual",
    )
    (row,) = tax.entries.all()
    assert (row.kind, row.amount, row.note, row.effective_date) == (
        "replenished",
        D("1000.00"),
        "Opening balance",
        BD,
    )
    assert activity_for(loan).filter(action="escrow.account_added").exists()
    assert_consistent(loan)


def test_an_account_without_opening_balance_has_no_row(loan):
    account = add_account(loan, category="holdback")
    assert account.balance == 0 and not account.entries.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"category": "nope"}, "category"),
        ({"opening_balance": D("-1.00")}, "opening_balance"),
        ({"opening_balance": D("10000000000.00")}, "opening_balance"),
        ({"opening_balance": D("1.005")}, "opening_balance"),
        ({"minimum_balance": D("-5.00")}, "minimum_balance"),
        ({"monthly_amount": D("-0.01")}, "monthly_amount"),
        ({"cushion_months": 3}, "cushion_months"),
        ({"sub_types": ["Tax", "Tax"]}, "sub_types"),
        ({"sub_types": ["Flood", "FLOOD"]}, "sub_types"),
        ({"sub_types": ["  "]}, "sub_types"),
        ({"items": [{**ITEM, "amount": D("0.00")}]}, "items[0].amount"),
        ({"items": [{**ITEM, "payee": ""}]}, "items[0].payee"),
        ({"items": [{**ITEM, "frequency": "weekly"}]}, "items[0].frequency"),
        ({"items": [{**ITEM, "due_date": dt.date(2025, 1, 1)}]}, "items[0].due_date"),
    ],
)
def test_bad_account_input_is_refused_and_writes_nothing(loan, fields, field):
    values = {"category": "insurance", **fields}
    with pytest.raises(InvalidInput) as err:
        add_account(loan, **values)
    assert err.value.field == field
    assert not EscrowAccount.objects.exists() and not EscrowEntry.objects.exists()


def test_a_closed_loan_takes_no_escrow(loan, tax):
    Loan.objects.filter(pk=loan.pk).update(status=Loan.Status.CLOSED)
    with pytest.raises(DomainError) as err:
        add_account(loan, category="insurance")
    assert err.value.code == "loan_not_open"
    with pytest.raises(DomainError):
        add_subtype(tax, name="School tax")
    with pytest.raises(DomainError):
        edit_account(tax, minimum_balance=D("0.00"))
    assert EscrowAccount.objects.count() == 1


def test_subtypes_are_added_once(loan, tax):
    add_subtype(tax, name="School tax")
    with pytest.raises(InvalidInput) as err:
        add_subtype(tax, name="school TAX")
    assert err.value.field == "name"
    with pytest.raises(InvalidInput):
        add_subtype(tax, name="")
    assert EscrowSubtype.objects.filter(account=tax).count() == 2


def test_edit_records_before_and_after(loan, tax):
    edit_account(tax, minimum_balance=D("150.00"), auto_analysis=False, cushion_months=1)
    tax.refresh_from_db()
    assert tax.minimum_balance == D("150.00") and not tax.auto_analysis
    entry = activity_for(loan).get(action="escrow.account_edited")
    assert entry.details["before"] == {
        "minimum_balance": "200.00",
        "auto_analysis": True,
        "cushion_months": None,
    }
    assert entry.details["after"]["minimum_balance"] == "150.00"
    with pytest.raises(InvalidInput) as err:
        edit_account(tax, balance=D("5.00"))  # the balance is the ledger's, never edited
    with pytest.raises(InvalidInput) as err:
        edit_account(tax, monthly_amount=D("-1.00"))
    assert err.value.field == "monthly_amount"


def test_items_are_added_edited_and_deactivated(loan, tax):
    item = add_item(
        tax,
        payee="School district",
        amount=D("300.00"),
        due_date=dt.date(2026, 9, 1),
        frequency="annual",
    )
    edit_item(
        tax,
        item.pk,
        payee="School district 12",
        amount=D("320.00"),
        due_date=dt.date(2026, 9, 15),
        frequency="semiannual",
    )
    item.refresh_from_db()
    assert (item.payee, item.amount, item.frequency) == (
        "School district 12",
        D("320.00"),
        "semiannual",
    )
    deactivate_item(tax, item.pk)
    item.refresh_from_db()
    assert not item.is_active
    with pytest.raises(InvalidInput) as err:
        add_item(tax, payee="X", amount=D("-3.00"), due_date=BD, frequency="annual")
    assert err.value.field == "amount"
    assert DisbursementItem.objects.filter(account=tax).count() == 2


def test_an_item_of_another_account_is_not_found(loan, tax, insurance):
    other = add_item(insurance, **{**ITEM, "due_date": ITEM["due_date"]})
    with pytest.raises(DomainError) as err:
        edit_item(tax, other.pk, **ITEM)
    assert err.value.code == "escrow_item_not_found"
