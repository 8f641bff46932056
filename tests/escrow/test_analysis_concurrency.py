"""Two updates of one loan's computation year at the same moment (PostgreSQL): the loan
row lock serializes them; one applies, the other is refused ``already_analyzed``."""
# ruff: noqa: F811  (the fixtures are imported from tests/escrow/analysis_fixtures.py)

import pytest
from django.db import connection

from escrow.models import EscrowAnalysis, EscrowEntry
from escrow.services.analysis import analyze_loan
from loans.selectors import current_schedule_version
from servicing.errors import DomainError
from tests.escrow.analysis_fixtures import TODAY, board, escrow_loan  # noqa: F401
from tests.loans.test_concurrency import run_together

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks and concurrent writers need PostgreSQL (CI runs these on it).",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_racing_updates_apply_once(escrow_loan):
    loan = escrow_loan(balance_tax="900", balance_ins="300")  # a surplus to refund

    def update():
        return analyze_loan(loan, effective_date=TODAY, update=True)

    results = run_together(update, update)
    applied = [r for r in results if isinstance(r, EscrowAnalysis)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(applied) == 1, results
    assert [e.code for e in refused] == ["already_analyzed"]
    assert EscrowAnalysis.objects.filter(loan=loan, updated=True).count() == 1
    assert current_schedule_version(loan).version == 2
    assert EscrowEntry.objects.filter(account__loan=loan, kind="excess_refund").exists()
    refunded = sum(
        e.amount for e in EscrowEntry.objects.filter(account__loan=loan, kind="excess_refund")
    )
    assert refunded == applied[0].surplus
