"""Boarding hands the catch-up the replay's terms built in memory from the rows it stores;
they must be what ``loan_terms(loan)`` reads back from the database, for every schedule
type (otherwise a boarded loan would replay differently from its first payment on)."""

import datetime as dt
from dataclasses import fields
from decimal import Decimal

import pytest

from loans.api.onboarding import OnboardingInput
from loans.models import Product
from loans.services import onboarding
from loans.services.replay_inputs import loan_terms
from servicing.business_date import set_business_date
from tests.loans.factories import InvestorFactory, ProductFactory
from tests.loans.payloads import term_payload


def mca(**overrides):
    payload = term_payload(
        product_code="MCA",
        funded_amount="50000.00",
        funded_date="2026-03-02",
        schedule_type="mca",
        number_of_payments=249,
        fees=[{"name": "Underwriting fee", "amount": "500.00", "amortized": True}],
        mca={"factor_rate": "1.1716", "allocation": "reducing_balance"},
    )
    for key in ("interest_rate", "day_count", "payment_frequency", "first_payment_date"):
        payload.pop(key)
    payload.update(overrides)
    return payload


def tiered():
    payload = term_payload(
        product_code="CONSTRUCTION",
        funded_amount="500000.00",
        funded_date="2025-12-20",
        schedule_type="tiered",
        tiers=[
            {
                "payment_start_date": "2026-02-01",
                "number_of_payments": 3,
                "schedule_type": "interest_only",
                "interest_rate": "8.000000",
            },
            {
                "payment_start_date": "2026-05-01",
                "number_of_payments": 24,
                "schedule_type": "fixed_payment",
                "interest_rate_type": "variable",
                "index": "PRIME",
                "index_value": "7.500000",
                "spread": "1.125000",
            },
        ],
    )
    for key in ("first_payment_date", "number_of_payments", "interest_rate"):
        payload.pop(key)
    return payload


def custom():
    rows = [
        ("2026-04-01", "700.00", "600.00", "100.00"),
        ("2026-05-01", "500.00", "400.00", "100.00"),
    ]
    payload = mca(
        schedule_type="custom",
        fees=[],
        funded_amount="1000.00",
        mca={
            "factor_rate": "1.2000",
            "allocation": "custom",
            "custom_schedule": [
                {"due_date": d, "amount": a, "principal": p, "finance_charge": f}
                for d, a, p, f in rows
            ],
        },
    )
    payload.pop("number_of_payments")
    return payload


def scf():
    payload = term_payload(
        product_code="SCF",
        funded_amount="8000.00",
        funded_date="2026-03-02",
        interest_rate="9.000000",
        day_count="ACT/360",
        scf={
            "invoice_number": "INV-77",
            "invoice_date": "2026-02-27",
            "invoice_due_date": "2026-04-01",
            "invoice_amount": "10000.00",
            "buyer_name": "Acme Retail Corp",
        },
    )
    payload.pop("first_payment_date")
    payload.pop("number_of_payments")
    return payload


PAYLOADS = {
    "equated": term_payload(number_of_payments=360, funded_amount="250000.00"),
    "equated_merged_stub": term_payload(funded_date="2025-12-12", number_of_payments=12),
    "equated_separate_stub": term_payload(funded_date="2025-12-12", broken_period="separate"),
    "equated_act365_weekly_with_fees": term_payload(
        day_count="ACT/365",
        payment_frequency="weekly",
        first_payment_date="2026-01-08",
        number_of_payments=52,
        fees=[
            {"name": "Origination", "amount": "25.00", "amortized": False},
            {"name": "Processing", "amount": "10.00", "amortized": True},
        ],
    ),
    "equated_variable_rate": term_payload(
        rate_type="variable", index="PRIME", index_value="7.500000", spread="0.250000"
    ),
    "interest_only": term_payload(schedule_type="interest_only", number_of_payments=24),
    "interest_only_actact": term_payload(
        schedule_type="interest_only", day_count="ACT/ACT", funded_date="2025-12-31"
    ),
    "tiered": tiered(),
    "mca_reducing_balance": mca(),
    "mca_straight": mca(
        number_of_payments=4, fees=[], mca={"factor_rate": "1.2500", "allocation": "straight"}
    ),
    "custom": custom(),
    "scf": scf(),
}


@pytest.fixture
def products(db):
    InvestorFactory()
    for code, kind, frequency in [
        ("TERM", Product.Kind.TERM, "monthly"),
        ("MCA", Product.Kind.MCA, "daily"),
        ("SCF", Product.Kind.SCF, "monthly"),
        ("CONSTRUCTION", Product.Kind.CONSTRUCTION, "monthly"),
    ]:
        ProductFactory(code=code, kind=kind, payment_frequency=frequency, day_count="ACT/360")


def plain(terms) -> dict:
    """The terms with every Decimal as its text: equal here means equal to the digit."""

    def value(v):
        if isinstance(v, Decimal):
            return str(v)
        if isinstance(v, tuple):
            return tuple(value(item) for item in v)
        if hasattr(v, "__dataclass_fields__"):
            return plain(v)
        return v

    return {f.name: value(getattr(terms, f.name)) for f in fields(terms)}


@pytest.mark.parametrize("kind", PAYLOADS)
def test_boarding_replays_with_the_terms_it_stored(products, monkeypatch, kind):
    handed = []
    real_sync = onboarding.sync_loan

    def spy(loan, **kwargs):
        handed.append(kwargs["terms"])
        return real_sync(loan, **kwargs)

    monkeypatch.setattr(onboarding, "sync_loan", spy)
    # Business date a few months on: the catch-up bills rows, so the terms are used.
    set_business_date(dt.date(2026, 5, 20))
    data = OnboardingInput(data=PAYLOADS[kind])
    data.is_valid(raise_exception=True)
    loan = onboarding.onboard_loan(data.validated_data)

    (terms,) = handed
    stored = loan_terms(loan)  # what sync_loan would read: the rows from the database
    assert terms == stored
    assert plain(terms) == plain(stored)
