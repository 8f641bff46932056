"""The onboarding ``escrows`` block (spec/api.md) through POST /api/v1/loans/onboard."""

import datetime as dt
from decimal import Decimal as D

import pytest

from escrow.ledger import rebuild_balance
from escrow.models import EscrowAccount, EscrowCategory
from loans.ledger import cached_balances, rebuild_balances
from loans.models import Loan
from servicing.business_date import set_business_date
from tests.escrow.conftest import seed_categories
from tests.loans.factories import InvestorFactory, ProductFactory
from tests.loans.payloads import term_payload

URL = "/api/v1/loans/onboard"
TAX = {
    "category": "property_tax",
    "sub_type": "County tax",
    "opening_balance": "1200.00",
    "minimum_balance": "100.00",
    "schedule_replenishment": True,
    "auto_analysis": True,
    "monthly_amount": "100.00",
    "disbursements": [
        {
            "payee": "Cook County Treasurer",
            "amount": "600.00",
            "due_date": "2026-06-01",
            "frequency": "semiannual",
        }
    ],
}


@pytest.fixture
def los(token_client):
    InvestorFactory()
    ProductFactory()
    set_business_date(dt.date(2026, 1, 15))
    seed_categories()
    return token_client("onboarding", "read")


def test_escrows_are_boarded_with_their_opening_balances(los):
    escrows = [TAX, {"category": "insurance", "opening_balance": "0.00"}]
    response = los.post(URL, term_payload(escrows=escrows), format="json")
    assert response.status_code == 201, response.json()
    loan = Loan.objects.get(loan_number=response.json()["loan_number"])
    tax, insurance = EscrowAccount.objects.filter(loan=loan).order_by("pk")
    assert (tax.category.code, tax.balance, tax.minimum_balance, tax.monthly_amount) == (
        "property_tax",
        D("1200.00"),
        D("100.00"),
        D("100.00"),
    )
    assert tax.schedule_replenishment and tax.auto_analysis
    assert [s.name for s in tax.subtypes.all()] == ["County tax"]
    item = tax.items.get()
    assert (item.payee, item.amount, item.next_due_date, item.frequency) == (
        "Cook County Treasurer",
        D("600.00"),
        dt.date(2026, 6, 1),
        "semiannual",
    )
    opening = tax.entries.get()
    assert (opening.kind, opening.note, opening.effective_date) == (
        "replenished",
        "Opening balance",
        dt.date(2026, 1, 1),  # the funded date
    )
    assert insurance.balance == 0 and not insurance.entries.exists()
    assert rebuild_balance(tax) == tax.balance
    assert rebuild_balances(loan) == cached_balances(loan)


def test_a_configured_category_is_accepted(los):
    EscrowCategory.objects.create(code="hoa_dues", name="HOA dues")
    response = los.post(URL, term_payload(escrows=[{"category": "hoa_dues"}]), format="json")
    assert response.status_code == 201, response.json()
    assert EscrowAccount.objects.get().category.code == "hoa_dues"


@pytest.mark.parametrize(
    ("escrow", "field"),
    [
        ({"category": "nope"}, "category"),
        ({"category": "inactive"}, "category"),
        ({"opening_balance": "-1.00"}, "opening_balance"),
        ({"opening_balance": 10.5}, "opening_balance"),  # a float
        ({"minimum_balance": "-1.00"}, "minimum_balance"),
        ({"monthly_amount": "abc"}, "monthly_amount"),
        ({"cushion_months": 3}, "cushion_months"),
        ({"disbursements": [{**TAX["disbursements"][0], "amount": "0.00"}]}, "disbursements"),
        ({"disbursements": [{**TAX["disbursements"][0], "frequency": "weekly"}]}, "disbursements"),
        (
            {"disbursements": [{**TAX["disbursements"][0], "due_date": "2025-06-01"}]},
            "disbursements",
        ),
        ({"disbursements": [{**TAX["disbursements"][0], "payee": ""}]}, "disbursements"),
    ],
)
def test_bad_escrows_blocks_are_400_and_board_nothing(los, escrow, field):
    EscrowCategory.objects.create(code="inactive", name="Old", is_active=False)
    response = los.post(URL, term_payload(escrows=[{**TAX, **escrow}]), format="json")
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert (
        "escrows" in errors
        or f"escrows[0].{field}" in errors
        or any(key.startswith(f"escrows[0].{field}") for key in errors)
    ), errors
    assert not Loan.objects.exists() and not EscrowAccount.objects.exists()


def test_escrows_must_be_a_list(los):
    response = los.post(URL, term_payload(escrows=TAX), format="json")
    assert response.status_code == 400
    assert not Loan.objects.exists()
