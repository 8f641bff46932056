"""Two ops recording the same index date at once on PostgreSQL: one value, one refusal."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from loans.models import IndexSource, IndexValue
from loans.services.indexes import record_index_value
from servicing.business_date import set_business_date
from servicing.errors import DomainError
from tests.loans.test_concurrency import run_together

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_concurrent_values_for_one_date_store_one_and_refuse_the_others():
    set_business_date(dt.date(2026, 3, 20))
    prime = IndexSource.objects.create(code="PRIME", name="WSJ Prime")
    values = ["8.25", "8.30", "8.35", "8.40"]
    results = run_together(
        *(
            lambda v=v: record_index_value(
                prime, value=Decimal(v), effective_from=dt.date(2026, 3, 20)
            )
            for v in values
        )
    )
    stored = [r for r in results if isinstance(r, IndexValue)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(stored) == 1 and len(refused) == 3, results
    assert {r.code for r in refused} == {"index_value_exists"}
    assert IndexValue.objects.get().value == stored[0].value
