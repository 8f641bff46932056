"""Property-based run of the whole REST API against its own OpenAPI schema (schemathesis).

The schema is loaded from the Django WSGI app at /api/schema/ and every documented
operation gets generated requests (valid and invalid ones) sent with a token holding
every scope, against a database with a boarded loan, a payment, a borrower, a line of
credit with a draw and a job run, so the path parameters mostly name real rows. Each
response must not be a 5xx and must match what the schema documents for it (status
code, content type, body).

Bounded for the normal suite: MAX_EXAMPLES per operation (30 operations, ~750 requests,
under a minute), derandomized, no deadline. The schema is loaded at import (no
database needed) rather than with ``schemathesis.pytest.from_fixture``, whose lazy
loader sets ``Node._nodeid``, which pytest 9 no longer has.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from loans.api.onboarding import OnboardingInput
from loans.models import LedgerEntry, Product
from loans.services.draws import initiate_draw
from loans.services.onboarding import onboard_loan
from loans.services.payments import post_payment
from servicing.api.auth import VALID_SCOPES, create_api_client
from servicing.business_date import set_business_date
from servicing.models import JobRun
from tests.loans.factories import InvestorFactory, ProductFactory
from tests.loans.payloads import loc_payload, term_payload

MAX_EXAMPLES = 25  # per operation
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
BUSINESS_DATE = dt.date(2026, 3, 15)


def _board(payload: dict):
    data = OnboardingInput(data=payload)
    data.is_valid(raise_exception=True)
    return onboard_loan(data.validated_data)


def _seed() -> dict[str, object]:
    """Rows the generated requests can hit: a boarded loan with a payment, a line of credit
    with a draw in verification, a job run."""
    InvestorFactory()
    ProductFactory()
    ProductFactory(code="LOC", kind=Product.Kind.LOC)
    set_business_date(BUSINESS_DATE)
    loan = _board(term_payload(application_number="APP-ST-1", number_of_payments=12))
    line = _board(loc_payload(application_number="APP-ST-LOC"))
    draw = initiate_draw(line, requested_date=BUSINESS_DATE, requested_amount=Decimal("500.00"))
    payment = post_payment(loan, amount=Decimal("100.00"), effective_date=dt.date(2026, 2, 1))
    assert payment.kind == LedgerEntry.Kind.PAYMENT
    job = JobRun.objects.create(kind=JobRun.Kind.values[0], business_date=BUSINESS_DATE)
    return {
        "loan_number": loan.loan_number,
        "line_number": line.loan_number,
        "draw_id": draw.pk,
        "entry_id": payment.pk,
        "borrower_id": loan.borrower.borrower_id,
        "job_id": job.pk,
    }


REAL: dict[str, object] = {}
"""The seeded rows of the running test, read when path parameters are generated."""

CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
        },
        # The coverage phase is unbounded (1,300+ boundary bodies for onboarding alone):
        # tests/loans/test_api_bad_input.py covers those field by field instead.
        "phases": {"coverage": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json", get_wsgi_application(), config=CONFIG
)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Mostly the seeded rows (so GETs and POSTs reach real loans), sometimes junk."""
    if not path_parameters:
        return st.just(path_parameters)
    known = {**path_parameters}
    known.update({k: v for k, v in REAL.items() if k in path_parameters})
    line_path = "/draws" in context.operation.path or "/loc" in context.operation.path
    if line_path and "line_number" in REAL:
        known["loan_number"] = REAL["line_number"]  # the term loan's answer is not_a_line
    return st.sampled_from([known, known, known, path_parameters])


@pytest.fixture
def auth_header(db):
    REAL.clear()
    REAL.update(_seed())
    _, token = create_api_client(name="schemathesis", scopes=sorted(VALID_SCOPES))
    # As Django's test client does: the real WSGI handler would close the test's
    # connection (and its transaction) at the end of each request on PostgreSQL.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield {"Authorization": f"Token {token}"}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        REAL.clear()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, auth_header):
    case.call_and_validate(headers=auth_header, checks=CHECKS)
