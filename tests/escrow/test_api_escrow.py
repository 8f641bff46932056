"""The escrow endpoints (spec/escrow.md over the API): accounts and their ledger (read),
withdrawals, replenishments and reversals (payments): 400s naming the field and writing
nothing, 409s, 401/403, Idempotency-Key replays."""

import datetime as dt
import uuid
from decimal import Decimal as D

import pytest
from rest_framework.test import APIClient

from escrow.models import EscrowEntry
from escrow.services.accounts import add_account
from loans.models import LedgerEntry, Loan
from tests.escrow.conftest import BD, assert_consistent

MISSING = object()


@pytest.fixture
def los(token_client):
    return token_client("payments", "read")


def base(loan):
    return f"/api/v1/loans/{loan.loan_number}"


def withdrawal(**overrides):
    body = {
        "towards": "refund",
        "amount": "100.00",
        "payment_date": "2026-01-15",
        "effective_date": "2026-01-15",
    }
    for key, value in overrides.items():
        if value is MISSING:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def post(client, url, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(url, body, format="json", headers=headers)


def test_accounts_with_items_and_balances(los, loan, tax, insurance):
    response = los.get(f"{base(loan)}/escrow-accounts")
    assert response.status_code == 200
    first, second = response.json()
    assert first["category"] == "property_tax" and first["balance"] == "1000.00"
    assert first["minimum_balance"] == "200.00" and first["available_above_minimum"] == "800.00"
    assert first["sub_types"] == ["County tax"]
    assert first["items"][0]["payee"] == "Cook County Treasurer"
    assert first["items"][0]["frequency"] == "semiannual"
    assert second["category"] == "insurance" and second["items"] == []


def test_transactions_of_an_account(los, loan, tax):
    response = los.get(f"{base(loan)}/escrow-accounts/{tax.pk}/transactions")
    assert response.status_code == 200
    (row,) = response.json()
    assert row["kind"] == "replenished" and row["amount"] == "1000.00"
    assert row["note"] == "Opening balance" and row["reversed_by"] is None


def test_withdrawal_towards_an_item_then_reversed(los, loan, tax):
    item = tax.items.get()
    url = f"{base(loan)}/escrow-accounts/{tax.pk}/withdrawals"
    response = post(los, url, withdrawal(towards="item", item_id=item.pk, amount="900.00"))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "below_minimum_balance"
    assert body["balance"] == "1000.00" and body["minimum_balance"] == "200.00"
    assert "minimum" in body["detail"]
    response = post(
        los, url, withdrawal(towards="item", item_id=item.pk, amount="900.00", confirm=False)
    )
    assert response.status_code == 409
    response = post(los, url, withdrawal(towards="item", item_id=item.pk, amount="500.00"))
    assert response.status_code == 201, response.json()
    row = response.json()
    assert row["kind"] == "withdrawn" and row["item_id"] == item.pk
    assert row["payee"] == "Cook County Treasurer"
    item.refresh_from_db()
    assert item.next_due_date == dt.date(2026, 7, 15)
    reverse_url = f"{base(loan)}/escrow-transactions/{row['id']}/reverse"
    response = post(los, reverse_url, {"reason": "paid twice"})
    assert response.status_code == 201
    assert response.json()["kind"] == "withdrawal_reversed"
    assert response.json()["reversal_of"] == row["id"]
    response = post(los, reverse_url, {"reason": "again"})
    assert response.status_code == 409 and response.json()["code"] == "already_reversed"
    assert_consistent(loan)


def test_confirmed_withdrawal_towards_the_loan(los, loan, tax):
    url = f"{base(loan)}/escrow-accounts/{tax.pk}/withdrawals"
    response = post(los, url, withdrawal(towards="loan", amount="850.00", confirm=True))
    assert response.status_code == 201, response.json()
    payment = LedgerEntry.objects.get(pk=response.json()["loan_transaction_id"])
    assert payment.kind == "payment" and payment.amount == D("850.00")
    assert_consistent(loan)


def test_replenishments_from_an_account_and_from_the_borrower(los, loan, tax, insurance):
    url = f"{base(loan)}/escrow-accounts/{insurance.pk}/replenishments"
    response = post(
        los, url, {"from_account_id": tax.pk, "amount": "250.00", "effective_date": "2026-01-15"}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "transfer_in"
    assert response.json()["counterparty_account_id"] == tax.pk
    response = post(
        los, url, {"from_borrower": True, "amount": "25.00", "effective_date": "2026-01-14"}
    )
    assert response.status_code == 201 and response.json()["kind"] == "replenished"
    insurance.refresh_from_db()
    assert insurance.balance == D("575.00")
    assert_consistent(loan)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("towards", MISSING),
        ("towards", "bank"),
        ("amount", MISSING),
        ("amount", "0.00"),
        ("amount", "-1.00"),
        ("amount", 100.0),
        ("amount", "1e15"),
        ("amount", "10.001"),
        ("amount", "abc"),
        ("payment_date", MISSING),
        ("payment_date", "2026-01-16"),
        ("payment_date", "2025-12-31"),
        ("effective_date", "2026-01-16"),
        ("effective_date", "2025-12-31"),
        ("effective_date", "15/01/2026"),
        ("item_id", 999999),
        ("note", "x" * 501),
    ],
)
def test_bad_withdrawals_are_400_and_write_nothing(los, loan, tax, field, value):
    extra = {"towards": "item"} if field == "item_id" else {}
    body = withdrawal(**extra, **{field: value})
    response = post(los, f"{base(loan)}/escrow-accounts/{tax.pk}/withdrawals", body)
    assert response.status_code == 400, response.json()
    assert list(response.json()["errors"]) == [field], response.json()
    assert EscrowEntry.objects.count() == 1


def test_an_item_of_another_account_is_refused(los, loan, tax, insurance):
    item = tax.items.get()
    body = withdrawal(towards="item", item_id=item.pk, amount="10.00")
    response = post(los, f"{base(loan)}/escrow-accounts/{insurance.pk}/withdrawals", body)
    assert response.status_code == 400 and list(response.json()["errors"]) == ["item_id"]


def test_accounts_of_another_loan_are_404_or_400(los, board, loan, tax):
    other = board(
        BD, application_number="APP-2", borrower={"borrower_id": "B-2", "last_name": "Roe"}
    )
    theirs = add_account(other, category="insurance", opening_balance=D("50.00"))
    response = post(los, f"{base(loan)}/escrow-accounts/{theirs.pk}/withdrawals", withdrawal())
    assert response.status_code == 404
    assert los.get(f"{base(loan)}/escrow-accounts/{theirs.pk}/transactions").status_code == 404
    body = {"from_account_id": theirs.pk, "amount": "5.00", "effective_date": "2026-01-15"}
    response = post(los, f"{base(loan)}/escrow-accounts/{tax.pk}/replenishments", body)
    assert response.status_code == 400 and list(response.json()["errors"]) == ["from_account_id"]
    row = theirs.entries.get()
    response = post(los, f"{base(loan)}/escrow-transactions/{row.pk}/reverse", {"reason": "x"})
    assert response.status_code == 404
    assert los.get("/api/v1/loans/NOPE/escrow-accounts").status_code == 404


def test_a_closed_loan_is_409(los, loan, tax):
    Loan.objects.filter(pk=loan.pk).update(status=Loan.Status.CLOSED)
    response = post(los, f"{base(loan)}/escrow-accounts/{tax.pk}/withdrawals", withdrawal())
    assert response.status_code == 409 and response.json()["code"] == "loan_not_open"


def test_reversal_needs_a_reason(los, loan, tax):
    row = tax.entries.get()
    response = post(los, f"{base(loan)}/escrow-transactions/{row.pk}/reverse", {})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["reason"]


def test_auth_and_scopes(token_client, ops_client, loan, tax):
    reads = [f"{base(loan)}/escrow-accounts", f"{base(loan)}/escrow-accounts/{tax.pk}/transactions"]
    writes = [
        (f"{base(loan)}/escrow-accounts/{tax.pk}/withdrawals", withdrawal()),
        (
            f"{base(loan)}/escrow-accounts/{tax.pk}/replenishments",
            {"from_borrower": True, "amount": "1.00", "effective_date": "2026-01-15"},
        ),
        (f"{base(loan)}/escrow-transactions/{tax.entries.get().pk}/reverse", {"reason": "x"}),
    ]
    anonymous, reader, payer = APIClient(), token_client("read"), token_client("payments")
    for url in reads:
        assert anonymous.get(url).status_code == 401
        assert payer.get(url).status_code == 403
        assert reader.get(url).status_code == 200
        assert ops_client.get(url).status_code == 200  # ops: read-only
    for url, body in writes:
        assert post(anonymous, url, body).status_code == 401
        assert post(reader, url, body).status_code == 403
        assert ops_client.post(url, body, content_type="application/json").status_code == 403
    assert EscrowEntry.objects.count() == 1


def test_idempotency_key_replays_the_withdrawal(los, loan, tax):
    url = f"{base(loan)}/escrow-accounts/{tax.pk}/withdrawals"
    key = str(uuid.uuid4())
    first = post(los, url, withdrawal(), key=key)
    again = post(los, url, withdrawal(), key=key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert tax.entries.filter(kind="excess_refund").count() == 1
    other = post(los, url, withdrawal(amount="5.00"), key=key)
    assert other.status_code in (409, 422)  # the same key with another body
