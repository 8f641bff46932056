import datetime as dt
import uuid

import pytest

from loans.models import LedgerEntry
from servicing.business_date import set_business_date


@pytest.fixture
def loan(board):
    return board(business_date=dt.date(2026, 1, 1))


@pytest.fixture
def los(token_client):
    return token_client("payments", "read")


def url(loan, suffix=""):
    return f"/api/v1/loans/{loan.loan_number}{suffix}"


def test_payment_returns_the_transaction_with_its_split(loan, los):
    set_business_date(dt.date(2026, 2, 1))
    response = los.post(
        url(loan, "/payments"),
        {
            "amount": "408.03",
            "effective_date": "2026-02-01",
            "instrument": "ach",
            "external_reference": "ACH-1",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "payment" and body["amount"] == "408.03"
    assert body["split"] == {
        "principal": "396.03",
        "interest": "12.00",
        "additional_interest": "0.00",
        "fees": "0.00",
        "escrow": "0.00",
        "excess": "0.00",
    }
    assert body["external_reference"] == "ACH-1"


def test_payment_is_idempotent(loan, los):
    set_business_date(dt.date(2026, 2, 1))
    key = str(uuid.uuid4())
    body = {"amount": "100.00", "effective_date": "2026-02-01"}
    first = los.post(url(loan, "/payments"), body, format="json", headers={"Idempotency-Key": key})
    again = los.post(url(loan, "/payments"), body, format="json", headers={"Idempotency-Key": key})
    assert first.json() == again.json()
    assert LedgerEntry.objects.filter(loan=loan, kind="payment").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "-1", "effective_date": "2026-02-01"}, "amount"),
        ({"amount": "0", "effective_date": "2026-02-01"}, "amount"),
        ({"amount": 10.5, "effective_date": "2026-02-01"}, "amount"),
        ({"amount": "10", "effective_date": "2026-13-01"}, "effective_date"),
        ({"amount": "10", "effective_date": "2026-03-01"}, "effective_date"),
        ({"amount": "10", "effective_date": "2025-06-01"}, "effective_date"),
        ({"amount": "10", "effective_date": "2026-02-01", "instrument": "bitcoin"}, "instrument"),
        ({"amount": "10", "effective_date": "2026-02-01", "hierarchy": "random"}, "hierarchy"),
        ({"effective_date": "2026-02-01"}, "amount"),
    ],
)
def test_bad_payments_are_400_and_write_nothing(loan, los, body, field):
    set_business_date(dt.date(2026, 2, 1))
    before = LedgerEntry.objects.filter(kind="payment").count()
    response = los.post(url(loan, "/payments"), body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert LedgerEntry.objects.filter(kind="payment").count() == before


def test_reverse_and_reverse_again(loan, los):
    set_business_date(dt.date(2026, 2, 1))
    payment = los.post(
        url(loan, "/payments"), {"amount": "408.03", "effective_date": "2026-02-01"}, format="json"
    ).json()
    reverse = url(loan, f"/payments/{payment['id']}/reverse")
    assert los.post(reverse, {}, format="json").status_code == 400
    response = los.post(reverse, {"reason": "NSF"}, format="json")
    assert response.status_code == 201 and response.json()["reversal_of"] == payment["id"]
    again = los.post(reverse, {"reason": "NSF"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_reversed"
    assert (
        los.post(url(loan, "/payments/999999/reverse"), {"reason": "x"}, format="json").status_code
        == 404
    )


def test_fee_and_payoff(loan, los):
    set_business_date(dt.date(2026, 1, 11))
    response = los.post(url(loan, "/fees"), {"name": "Late fee", "amount": "25.00"}, format="json")
    assert response.status_code == 201 and response.json()["split"]["fees"] == "25.00"
    quote = los.get(url(loan, "/payoff?date=2026-01-21")).json()
    # Interest to 01-21: 20 days x 0.40; the 21st's per diem is excluded ("to").
    assert quote["principal"] == "1200.00" and quote["interest"] == "8.00"
    assert quote["fees"] == "25.00" and quote["per_diem"] == "0.40"
    assert quote["total"] == "1233.00"
    assert los.get(url(loan, "/payoff?date=2025-01-01")).status_code == 400
    assert los.get(url(loan, "/payoff?date=garbage")).status_code == 400


def test_payments_need_the_payments_scope(loan, token_client):
    response = token_client("read").post(
        url(loan, "/payments"), {"amount": "1", "effective_date": "2026-01-01"}, format="json"
    )
    assert response.status_code == 403


def test_schedule_preview_stores_nothing(board, token_client):
    board()
    from loans.models import Loan
    from tests.loans.payloads import term_payload

    count = Loan.objects.count()
    client = token_client("onboarding")
    response = client.post(
        "/api/v1/schedules/preview", term_payload(application_number="PREVIEW-1"), format="json"
    )
    assert response.status_code == 200, response.json()
    rows = response.json()["installments"]
    assert [r["total"] for r in rows] == ["408.03", "408.03", "408.02"]
    assert Loan.objects.count() == count


def test_a_payment_received_after_the_business_date_is_refused(loan, los):
    set_business_date(dt.date(2026, 1, 15))
    before = LedgerEntry.objects.count()
    response = los.post(
        url(loan, "/payments"),
        {"amount": "10.00", "effective_date": "2026-01-15", "payment_date": "2026-01-16"},
        format="json",
    )
    assert response.status_code == 400, response.json()
    assert "after the business date" in response.json()["errors"]["payment_date"][0]
    assert LedgerEntry.objects.count() == before  # refused whole: not even a catch-up
