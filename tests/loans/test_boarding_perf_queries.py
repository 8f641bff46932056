"""Boarding reads its configuration in few queries: the product and the investor in one,
the stored rows never read back. The investor is still the one asked for."""

import datetime as dt

import pytest

from loans.api.onboarding import OnboardingInput
from loans.models import Investor
from loans.services.onboarding import onboard_loan
from servicing.business_date import set_business_date
from servicing.errors import InvalidInput
from tests.loans.factories import InvestorFactory, ProductFactory
from tests.loans.payloads import term_payload


@pytest.fixture
def configured(db):
    InvestorFactory()  # LENDER, the default
    InvestorFactory(code="FUND2", name="Second fund", is_default=False)
    ProductFactory()
    set_business_date(dt.date(2026, 1, 15))


def board(**overrides):
    data = OnboardingInput(data=term_payload(**overrides))
    data.is_valid(raise_exception=True)
    return onboard_loan(data.validated_data)


def test_the_investor_is_the_one_named_or_the_default(configured):
    assert board().investor.code == "LENDER"
    assert board(application_number="APP-2", investor_code="FUND2").investor.code == "FUND2"


def test_an_unknown_investor_or_no_default_is_refused_on_investor_code(configured):
    with pytest.raises(InvalidInput) as unknown:
        board(investor_code="NOPE")
    assert unknown.value.field == "investor_code" and "NOPE" in str(unknown.value)
    Investor.objects.update(is_default=False)
    with pytest.raises(InvalidInput) as no_default:
        board()
    assert no_default.value.field == "investor_code"
    assert "No default investor" in str(no_default.value)


def test_boarding_360_installments_stays_within_a_query_ceiling(
    configured, django_assert_max_num_queries
):
    # 24 here today, the test's savepoints included: lookups, inserts (the rows in one
    # COPY), the catch-up's reads and writes, the loan number, the activity entry. A query
    # per installment would be hundreds.
    with django_assert_max_num_queries(30):
        loan = board(number_of_payments=360, funded_amount="250000.00")
    assert loan.number_of_payments == 360
