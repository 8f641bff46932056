"""Onboarding payloads as an LOS sends them (strings for money, ISO dates)."""

import copy


def term_payload(**overrides) -> dict:
    payload = {
        "application_number": "APP-1001",
        "product_code": "TERM",
        "borrower": {
            "borrower_id": "B-1001",
            "kind": "individual",
            "first_name": "Jane",
            "last_name": "Doe",
            "email": "jane@example.com",
            "phone": "555-0100",
            "address": {
                "line1": "1 Main St",
                "city": "Springfield",
                "state": "IL",
                "postal_code": "62701",
            },
        },
        "funded_amount": "1200.00",
        "funded_date": "2026-01-01",
        "interest_rate": "12.000000",
        "day_count": "30/360",
        "payment_frequency": "monthly",
        "first_payment_date": "2026-02-01",
        "number_of_payments": 3,
        "schedule_type": "equated",
    }
    payload = copy.deepcopy(payload)
    payload.update(overrides)
    return payload


def loc_payload(**overrides) -> dict:
    """A monthly interest-only line of credit (spec/loc.md), funded 0 unless overridden."""
    loc = {"credit_limit": "10000.00", "revolving": True, "term_type": "fixed"}
    loc.update(overrides.pop("loc", {}))
    payload = term_payload(
        application_number="LOC-1001",
        product_code="LOC",
        funded_amount="0.00",
        day_count="ACT/360",
        number_of_payments=12,
        schedule_type="equated",
        loc=loc,
    )
    payload.update(overrides)
    return payload
