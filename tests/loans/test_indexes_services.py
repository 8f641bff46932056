"""Recording index values: the business date, the backdating window, one value a date."""

import datetime as dt
from decimal import Decimal

import pytest

from loans.models import IndexSource, IndexValue
from loans.services.indexes import load_index_history, record_index_value
from servicing.activity import activity_for
from servicing.api.auth import create_api_client
from servicing.business_date import set_business_date
from servicing.errors import DomainError, InvalidInput
from servicing.tenant import get_tenant_settings

pytestmark = pytest.mark.django_db

BD = dt.date(2026, 3, 20)
D = Decimal


@pytest.fixture
def prime():
    set_business_date(BD)
    return IndexSource.objects.create(code="PRIME", name="WSJ Prime")


def record(source, value="8.25", day=BD, **kwargs):
    return record_index_value(source, value=D(value), effective_from=day, **kwargs)


def test_value_is_stored_with_who_and_when_and_logged(prime, ops_user):
    row = record(prime, "8.25", dt.date(2026, 3, 10), actor=ops_user, note="WSJ 2026-03-10")
    row.refresh_from_db()
    assert row.value == D("8.250000") and row.effective_from == dt.date(2026, 3, 10)
    assert row.business_date == BD
    assert row.entered_by == ops_user and row.entered_by_label == "ops1"
    assert row.note == "WSJ 2026-03-10"
    entry = activity_for(prime).get()
    assert entry.action == "index_value.recorded" and entry.actor == ops_user
    assert entry.summary == "PRIME 8.250000% effective 2026-03-10 recorded"
    assert entry.details["after"] == {
        "value": "8.250000",
        "effective_from": "2026-03-10",
        "note": "WSJ 2026-03-10",
    }


def test_an_api_client_is_named_as_such(prime):
    client, _ = create_api_client(name="market-data", scopes=["ops"])
    assert record(prime, actor=client.user).entered_by_label == "api:market-data"


def test_without_an_actor_the_system_entered_it(prime):
    row = record(prime)
    assert row.entered_by is None and row.entered_by_label == "system"


def test_effective_date_after_the_business_date_is_refused(prime):
    with pytest.raises(DomainError) as exc:
        record(prime, day=BD + dt.timedelta(days=1))
    assert exc.value.code == "index_value_in_future"
    assert "after the business date 2026-03-20" in exc.value.message
    assert not IndexValue.objects.exists()


def test_backdated_within_the_window_is_accepted_up_to_its_first_day(prime):
    assert get_tenant_settings().backdated_index_window_days == 30
    record(prime, "8.5", BD - dt.timedelta(days=30))
    record(prime, "8.4", BD - dt.timedelta(days=1))
    assert IndexValue.objects.count() == 2


def test_backdated_beyond_the_window_is_refused_with_the_first_date_allowed(prime):
    with pytest.raises(DomainError) as exc:
        record(prime, day=BD - dt.timedelta(days=31))
    assert exc.value.code == "index_value_too_old"
    assert exc.value.message == (
        "The effective date 2026-02-17 is more than 30 days before the business date "
        "2026-03-20: backdated index values are accepted from 2026-02-18 (tenant setting "
        "backdated_index_window_days)."
    )
    assert not IndexValue.objects.exists() and not activity_for(prime).exists()


def test_the_window_is_the_tenant_setting(prime):
    tenant = get_tenant_settings()
    tenant.backdated_index_window_days = 90
    tenant.save()
    record(prime, day=BD - dt.timedelta(days=90))
    tenant.backdated_index_window_days = 0
    tenant.save()
    with pytest.raises(DomainError, match="more than 0 days"):
        record(prime, day=BD - dt.timedelta(days=1))
    record(prime, "8.1", BD)  # a window of 0: only the business date itself


def test_a_second_value_for_the_same_date_is_refused_and_the_first_kept(prime):
    record(prime, "8.25", dt.date(2026, 3, 10))
    with pytest.raises(DomainError) as exc:
        record(prime, "8.30", dt.date(2026, 3, 10))
    assert exc.value.code == "index_value_exists"
    assert "PRIME already has a value effective 2026-03-10" in exc.value.message
    assert list(IndexValue.objects.values_list("value", flat=True)) == [D("8.25")]
    assert activity_for(prime).count() == 1


def test_an_inactive_source_takes_no_value(prime):
    prime.is_active = False
    prime.save()
    with pytest.raises(DomainError) as exc:
        record(prime)
    assert exc.value.code == "index_source_inactive"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("100.000001", "between -5 and 100"),
        ("-5.5", "between -5 and 100"),
        ("8.1234567", "at most 6 decimal places"),
        ("NaN", "not a finite number"),
        ("eight", "not a decimal number"),
        (8.25, "must not be a float"),
    ],
)
def test_values_the_service_cannot_use_are_invalid_input(prime, value, message):
    with pytest.raises(InvalidInput, match=message) as exc:
        record_index_value(prime, value=value, effective_from=BD)
    assert exc.value.field == "value"
    assert not IndexValue.objects.exists()


def test_history_of_a_new_source_may_be_older_than_the_window(prime):
    rows = load_index_history(
        prime,
        values=[(dt.date(2025, 10, 1), D("8.5")), (dt.date(2026, 3, 8), D("8.25"))],
        note="Initial load",
    )
    assert [(r.effective_from, r.value) for r in rows] == [
        (dt.date(2025, 10, 1), D("8.5")),
        (dt.date(2026, 3, 8), D("8.25")),
    ]
    entry = activity_for(prime).get()
    assert entry.action == "index_value.history_loaded"
    assert entry.summary == "PRIME: 2 past values loaded"


def test_history_is_refused_once_the_source_has_a_value(prime):
    record(prime)
    with pytest.raises(DomainError) as exc:
        load_index_history(prime, values=[(dt.date(2025, 10, 1), D("8.5"))])
    assert exc.value.code == "index_history_exists"


def test_history_is_refused_once_a_loan_names_the_index(board):
    board(
        business_date=BD,
        rate_type="variable",
        index="PRIME",
        index_value="7.500000",
        spread="0.250000",
        funded_date="2026-03-01",
        first_payment_date="2026-04-01",
    )
    prime = IndexSource.objects.create(code="PRIME", name="WSJ Prime")
    with pytest.raises(DomainError) as exc:
        load_index_history(prime, values=[(dt.date(2025, 10, 1), D("8.5"))])
    assert exc.value.code == "index_history_exists"
    assert not IndexValue.objects.exists()


def test_history_keeps_the_other_rules(prime):
    with pytest.raises(DomainError) as exc:
        load_index_history(prime, values=[(BD + dt.timedelta(days=1), D("8"))])
    assert exc.value.code == "index_value_in_future"
    with pytest.raises(DomainError) as exc:
        load_index_history(prime, values=[(BD, D("8")), (BD, D("8.1"))])
    assert exc.value.code == "index_value_exists"
    with pytest.raises(InvalidInput, match="starts in 1900"):
        load_index_history(prime, values=[(dt.date(1899, 12, 31), D("8"))])
    assert not IndexValue.objects.exists()
