"""seed_demo's index sources: loaded through the index service, relative to the business date."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta

from loans.demo import seed_indexes
from loans.indexes import index_value_on
from loans.models import IndexValue
from servicing.business_date import set_business_date

pytestmark = pytest.mark.django_db

BD = dt.date(2026, 6, 15)


def test_demo_indexes_are_seeded_once_relative_to_the_business_date():
    set_business_date(BD)
    out = io.StringIO()
    seed_indexes(out)
    seed_indexes(out)
    assert "index PRIME: 2 values loaded" in out.getvalue()
    assert "index PRIME kept" in out.getvalue() and "index SOFR30 kept" in out.getvalue()
    assert index_value_on("PRIME", BD).value == Decimal("8.25")
    assert index_value_on("PRIME", BD - relativedelta(months=5)).value == Decimal("8.5")
    assert index_value_on("PRIME", BD - relativedelta(months=5, days=1)) is None
    assert IndexValue.objects.filter(source__code="SOFR30").count() == 4
    assert not IndexValue.objects.filter(effective_from__gt=BD).exists()
