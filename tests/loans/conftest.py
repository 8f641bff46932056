import datetime as dt

import pytest

from loans.api.onboarding import OnboardingInput
from loans.models import Product
from loans.services.onboarding import onboard_loan
from servicing.business_date import set_business_date
from tests.loans.factories import InvestorFactory, ProductFactory
from tests.loans.payloads import loc_payload, term_payload


@pytest.fixture
def board(db):
    """``board(business_date, **payload overrides)`` boards a loan through the service."""
    InvestorFactory()
    ProductFactory()

    def do_board(business_date=dt.date(2026, 1, 15), **overrides):
        set_business_date(business_date)
        data = OnboardingInput(data=term_payload(**overrides))
        data.is_valid(raise_exception=True)
        return onboard_loan(data.validated_data)

    return do_board


@pytest.fixture
def board_line(db):
    """``board_line(business_date, **payload overrides)`` boards a line of credit."""
    InvestorFactory()
    ProductFactory(code="LOC", name="Line of credit", kind=Product.Kind.LOC)

    def do_board(business_date=dt.date(2026, 1, 15), **overrides):
        set_business_date(business_date)
        data = OnboardingInput(data=loc_payload(**overrides))
        data.is_valid(raise_exception=True)
        return onboard_loan(data.validated_data)

    return do_board
