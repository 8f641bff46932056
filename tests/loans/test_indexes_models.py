"""Index tables: constraints enforced by the database itself, and the value of a date."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from loans.indexes import index_value_on, sources_with_current_values
from loans.models import IndexSource, IndexValue

pytestmark = pytest.mark.django_db

D = Decimal


def add(source, day, value):
    return IndexValue.objects.create(
        source=source,
        value=D(value),
        effective_from=day,
        business_date=day,
        entered_by_label="system",
    )


@pytest.fixture
def prime():
    return IndexSource.objects.create(code="PRIME", name="WSJ Prime")


def test_one_value_per_source_and_date(prime):
    add(prime, dt.date(2026, 1, 2), "8.5")
    with pytest.raises(IntegrityError), transaction.atomic():
        add(prime, dt.date(2026, 1, 2), "8.25")
    other = IndexSource.objects.create(code="SOFR30", name="SOFR 30-day")
    add(other, dt.date(2026, 1, 2), "4.3")  # the same date on another source is fine


@pytest.mark.parametrize("value", ["-5", "0", "100", "-0.5", "8.123456"])
def test_values_from_minus_5_to_100_are_stored(prime, value):
    add(prime, dt.date(2026, 1, 2), value)
    assert IndexValue.objects.get().value == D(value)


@pytest.mark.parametrize("value", ["-5.000001", "100.000001", "250", "-90"])
def test_values_outside_minus_5_to_100_are_refused_by_the_database(prime, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        add(prime, dt.date(2026, 1, 2), value)


def test_effective_dates_before_1900_are_refused_by_the_database(prime):
    add(prime, dt.date(1900, 1, 1), "6")
    with pytest.raises(IntegrityError), transaction.atomic():
        add(prime, dt.date(1899, 12, 31), "6")


def test_source_codes_are_unique(prime):
    with pytest.raises(IntegrityError), transaction.atomic():
        IndexSource.objects.create(code="PRIME", name="Again")


def test_value_on_a_date_is_the_latest_effective_on_or_before_it(prime):
    add(prime, dt.date(2026, 1, 1), "8.5")
    add(prime, dt.date(2026, 3, 1), "8.25")
    add(IndexSource.objects.create(code="SOFR30", name="SOFR"), dt.date(2026, 2, 1), "4.3")
    assert index_value_on("PRIME", dt.date(2025, 12, 31)) is None
    assert index_value_on("PRIME", dt.date(2026, 1, 1)).value == D("8.5")
    assert index_value_on("PRIME", dt.date(2026, 2, 28)).value == D("8.5")
    assert index_value_on("PRIME", dt.date(2026, 3, 1)).value == D("8.25")
    assert index_value_on("PRIME", dt.date(2030, 1, 1)).value == D("8.25")
    assert index_value_on("SOFR30", dt.date(2026, 3, 1)).value == D("4.3")
    assert index_value_on("LIBOR", dt.date(2026, 3, 1)) is None


def test_current_values_are_those_of_the_given_date(prime):
    add(prime, dt.date(2026, 1, 1), "8.5")
    add(prime, dt.date(2026, 3, 1), "8.25")
    IndexSource.objects.create(code="SOFR30", name="SOFR")
    rows = {s.code: s for s in sources_with_current_values(dt.date(2026, 2, 15))}
    assert rows["PRIME"].current_value == D("8.5")
    assert rows["PRIME"].current_effective_from == dt.date(2026, 1, 1)
    assert rows["SOFR30"].current_value is None and rows["SOFR30"].current_effective_from is None
    later = sources_with_current_values(dt.date(2026, 3, 1)).get(code="PRIME")
    assert later.current_value == D("8.25")
