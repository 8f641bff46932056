"""Assess Escrow on the loan page and over the API (spec/escrow.md "Replenishment",
manual): the amount becomes escrow owed, the next payment replenishes the account."""

import uuid
from decimal import Decimal as D

import pytest

from escrow.models import EscrowAssessment
from loans.models import LedgerEntry
from loans.services.payments import post_payment
from tests.escrow.conftest import BD, assert_consistent
from tests.loans.test_views_actions import errors_of


def page(loan):
    return f"/loans/{loan.loan_number}/escrow/assess/"


def api(loan, account):
    return f"/api/v1/loans/{loan.loan_number}/escrow-accounts/{account.pk}/assessments"


def test_assess_then_pay_through_the_page(agent_client, loan, tax):
    response = agent_client.get(page(loan))
    assert response.status_code == 200 and "Assess escrow" in response.text
    response = agent_client.post(page(loan), {"account": tax.pk, "amount": "250.00"})
    assert response.status_code == 302
    assert response["Location"] == f"/loans/{loan.loan_number}/escrow/"
    loan.refresh_from_db()
    assert loan.escrow_balance == D("250.00") and loan.amount_due == D("250.00")
    post_payment(loan, amount=D("250.00"), effective_date=BD)
    tax.refresh_from_db()
    assert tax.balance == D("1250.00")
    assert_consistent(loan)


@pytest.mark.parametrize("amount", ["", "0", "-5", "abc", "1e15"])
def test_bad_amounts_show_an_error_and_write_nothing(agent_client, loan, tax, amount):
    response = agent_client.post(page(loan), {"account": tax.pk, "amount": amount})
    assert response.status_code == 200 and errors_of(response)
    assert not EscrowAssessment.objects.exists()


def test_an_account_of_another_loan_is_refused(agent_client, loan, tax):
    response = agent_client.post(page(loan), {"account": tax.pk + 999, "amount": "10.00"})
    assert response.status_code == 200 and errors_of(response)
    assert not EscrowAssessment.objects.exists()


def test_ops_reads_but_does_not_assess(ops_client, loan, tax):
    assert ops_client.post(page(loan), {"account": tax.pk, "amount": "10.00"}).status_code == 403
    assert not EscrowAssessment.objects.exists()


def test_the_escrow_row_of_the_action_menu_offers_it(agent_client, loan, tax):
    response = agent_client.get(f"/loans/{loan.loan_number}/escrow/")
    assert "Assess Escrow" in response.text and page(loan) in response.text


def test_assess_over_the_api(token_client, loan, tax):
    client = token_client("payments", "read")
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    response = client.post(api(loan, tax), {"amount": "99.95"}, format="json", **key)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "99.95" and body["escrow_owed"] == "99.95"
    assert body["account_id"] == tax.pk and body["source"] == "manual"
    entry = LedgerEntry.objects.get(pk=body["loan_entry_id"])
    assert entry.kind == "escrow_assessed" and entry.escrow == D("99.95")
    again = client.post(api(loan, tax), {"amount": "99.95"}, format="json", **key)
    assert again.json() == body and EscrowAssessment.objects.count() == 1


@pytest.mark.parametrize("amount", [None, "0.00", "-1.00", 12.5, "x", "99999999999.99"])
def test_bad_api_amounts_are_400(token_client, loan, tax, amount):
    body = {} if amount is None else {"amount": amount}
    response = token_client("payments").post(api(loan, tax), body, format="json")
    assert response.status_code == 400 and "amount" in response.json()["errors"]
    assert not EscrowAssessment.objects.exists()


def test_api_scope_and_unknown_account(token_client, loan, tax):
    assert token_client("read").post(api(loan, tax), {"amount": "1.00"}).status_code == 403
    missing = f"/api/v1/loans/{loan.loan_number}/escrow-accounts/999999/assessments"
    assert token_client("payments").post(missing, {"amount": "1.00"}).status_code == 404
