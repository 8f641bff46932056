import datetime as dt
import uuid

import pytest

from loans.models import Installment, LedgerEntry, Loan
from servicing.business_date import set_business_date
from tests.loans.factories import InvestorFactory, ProductFactory
from tests.loans.payloads import term_payload

URL = "/api/v1/loans/onboard"


@pytest.fixture
def los(token_client):
    InvestorFactory()
    ProductFactory()
    set_business_date(dt.date(2026, 1, 15))
    return token_client("onboarding", "read")


def onboard(client, payload, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(URL, payload, format="json", headers=headers)


def test_onboarding_boards_the_loan_with_its_schedule_and_disbursement(los):
    response = onboard(los, term_payload())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["loan_number"].startswith("L")
    assert body["funded_amount"] == "1200.00"
    assert body["balances"]["principal"] == "1200.00"
    assert body["maturity_date"] == "2026-04-01"
    assert body["schedule_version"] == 1
    assert (body["next_due_date"], body["next_due_amount"]) == ("2026-02-01", "408.03")
    loan = Loan.objects.get(loan_number=body["loan_number"])
    rows = Installment.objects.filter(schedule_version__loan=loan).order_by("number")
    assert [(r.principal, r.interest) for r in rows] == [
        (dt_dec("396.03"), dt_dec("12.00")),
        (dt_dec("399.99"), dt_dec("8.04")),
        (dt_dec("403.98"), dt_dec("4.04")),
    ]
    assert LedgerEntry.objects.get(loan=loan, kind="disbursement").principal == dt_dec("1200.00")
    # Funded 01-01, boarded 01-15: caught up with 14 daily accruals of 0.40.
    accruals = LedgerEntry.objects.filter(loan=loan, kind="interest_accrual")
    assert accruals.count() == 14 and loan.interest_balance == dt_dec("5.60")


def dt_dec(value):
    from decimal import Decimal

    return Decimal(value)


def test_schedule_and_transactions_endpoints(los):
    number = onboard(los, term_payload()).json()["loan_number"]
    schedule = los.get(f"/api/v1/loans/{number}/schedule").json()
    assert schedule["version"] == 1
    assert schedule["installments"][0] == {
        "number": 1,
        "due_date": "2026-02-01",
        "principal": "396.03",
        "interest": "12.00",
        "fees": "0.00",
        "escrow": "0.00",
        "total": "408.03",
        "balance_after": "803.97",
        "paid": "0.00",
        "status": "projected",
    }
    assert los.get(f"/api/v1/loans/{number}/schedule?version=2").status_code == 404
    assert los.get(f"/api/v1/loans/{number}/schedule?version=x").status_code == 400
    rows = los.get(f"/api/v1/loans/{number}/transactions").json()
    assert [r["kind"] for r in rows[:2]] == ["disbursement", "interest_accrual"]
    assert rows[0]["split"]["principal"] == "1200.00"
    activity = los.get(f"/api/v1/loans/{number}/activity").json()
    assert activity[0]["action"] == "loan.onboarded"
    assert activity[0]["actor"].startswith("api:")


def test_second_onboarding_of_an_application_is_409_with_the_loan_number(los):
    first = onboard(los, term_payload()).json()
    response = onboard(los, term_payload())
    assert response.status_code == 409
    assert response.json()["code"] == "already_onboarded"
    assert response.json()["loan_number"] == first["loan_number"]
    assert Loan.objects.count() == 1


def test_idempotent_retry_returns_the_same_loan(los):
    key = str(uuid.uuid4())
    first = onboard(los, term_payload(), key)
    again = onboard(los, term_payload(), key)
    assert again.status_code == 201 and again.json() == first.json()


def test_existing_borrower_is_reused_and_not_overwritten(los):
    onboard(los, term_payload())
    second = term_payload(application_number="APP-1002")
    second["borrower"]["email"] = "changed@example.com"
    assert onboard(los, second).status_code == 201
    from loans.models import Borrower

    borrower = Borrower.objects.get()
    assert borrower.email == "jane@example.com" and borrower.loans.count() == 2


def test_onboarding_needs_the_onboarding_scope(token_client):
    response = token_client("read").post(URL, term_payload(), format="json")
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"funded_amount": "0"}, "funded_amount"),
        ({"funded_amount": "-5.00"}, "funded_amount"),
        ({"funded_amount": 1200.5}, "funded_amount"),
        ({"funded_amount": "abc"}, "funded_amount"),
        ({"funded_amount": "1e20"}, "funded_amount"),
        ({"funded_amount": "10.001"}, "funded_amount"),
        ({"funded_date": "2026-02-30"}, "funded_date"),
        ({"funded_date": "2026-01-20"}, "funded_date"),
        ({"first_payment_date": "2025-12-01"}, "first_payment_date"),
        ({"number_of_payments": 0}, "number_of_payments"),
        ({"number_of_payments": "three"}, "number_of_payments"),
        ({"number_of_payments": 100000}, "number_of_payments"),
        ({"interest_rate": "-1"}, "interest_rate"),
        ({"interest_rate": "250"}, "interest_rate"),
        ({"interest_rate": None}, "interest_rate"),
        ({"day_count": "30/365"}, "day_count"),
        ({"payment_frequency": "fortnightly"}, "payment_frequency"),
        ({"schedule_type": "balloon"}, "schedule_type"),
        ({"schedule_type": "tiered"}, "tiers"),
        ({"schedule_type": "mca"}, "mca"),
        ({"product_code": "NOPE"}, "product_code"),
        ({"investor_code": "NOPE"}, "investor_code"),
        ({"borrower": {"kind": "individual"}}, "borrower"),
        ({"borrower": "B-1"}, "borrower"),
        ({"rate_type": "variable"}, "index_value"),
        ({"rate_floor": "9", "rate_cap": "5"}, "rate_floor"),
        ({"application_number": ""}, "application_number"),
        ({"application_number": "x" * 65}, "application_number"),
        ({"fees": [{"name": "Origination", "amount": "-10.00"}]}, "fees"),
        ({"custom_fields": ["not", "a", "map"]}, "custom_fields"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(los, change, field):
    response = onboard(los, term_payload(**change))
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"], body
    assert Loan.objects.count() == 0


@pytest.mark.parametrize("body", [[], "text", {"application_number": 5}, None])
def test_wrong_shapes_are_400(los, body):
    response = los.post(URL, body, format="json")
    assert response.status_code == 400


def test_unknown_loan_is_404(los):
    assert los.get("/api/v1/loans/L9999999").status_code == 404
