"""Ops > Indexes pages: everyone reads, ops/supervisor/admin record, errors shown inline."""

import datetime as dt
from decimal import Decimal

import pytest

from loans.models import IndexSource, IndexValue
from loans.services.indexes import load_index_history

pytestmark = pytest.mark.django_db

BD = dt.date(2026, 3, 20)
PAGE = "/ops/indexes/PRIME/"


@pytest.fixture
def prime():
    from servicing.business_date import set_business_date

    set_business_date(BD)
    source = IndexSource.objects.create(code="PRIME", name="WSJ Prime", refresh_frequency="manual")
    load_index_history(
        source,
        values=[(dt.date(2025, 10, 1), Decimal("8.5")), (dt.date(2026, 3, 2), Decimal("8.25"))],
    )
    return source


def as_role(client, make_user, role):
    client.force_login(make_user(role, username=f"{role}-user"))
    return client


def test_the_list_shows_each_source_with_its_current_value(prime, agent_client):
    IndexSource.objects.create(code="SOFR30", name="30-day average SOFR")
    response = agent_client.get("/ops/indexes/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="current-PRIME">8.250000%' in html
    assert "2026-03-02" in html and "30-day average SOFR" in html
    assert 'href="/ops/indexes/PRIME/"' in html
    assert '<a href="/ops/indexes/" class="active">Indexes</a>' in html  # Ops nav entry


def test_the_list_reads_a_fixed_number_of_queries(
    prime, agent_client, django_assert_max_num_queries
):
    for n in range(5):
        IndexSource.objects.create(code=f"IDX{n}", name=f"Index {n}")
    with django_assert_max_num_queries(12):
        assert agent_client.get("/ops/indexes/").status_code == 200


def test_agents_see_the_history_but_no_form_and_may_not_post(prime, agent_client):
    response = agent_client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Record a value" not in html
    assert "Recording a value is for: ops, supervisor, admin." in html
    assert html.index("2026-03-02") < html.index("2025-10-01")  # newest first
    posted = agent_client.post(PAGE, {"value": "8", "effective_from": "2026-03-20"})
    assert posted.status_code == 403
    assert IndexValue.objects.count() == 2


@pytest.mark.parametrize("role", ["ops", "supervisor", "admin"])
def test_ops_supervisors_and_admins_record_a_value(prime, client, make_user, role):
    as_role(client, make_user, role)
    assert "Record a value" in client.get(PAGE).content.decode()
    response = client.post(
        PAGE, {"value": "8.00", "effective_from": "2026-03-19", "note": "WSJ"}, follow=True
    )
    assert response.redirect_chain == [(PAGE, 302)]
    html = response.content.decode()
    assert "PRIME 8.000000% effective 2026-03-19 recorded." in html
    assert "backdated" in html
    row = IndexValue.objects.get(effective_from=dt.date(2026, 3, 19))
    assert row.value == Decimal("8") and row.entered_by_label == f"{role}-user"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"value": "8", "effective_from": "2026-03-21"}, "effective_from", "after the business"),
        ({"value": "8", "effective_from": "2026-01-02"}, "effective_from", "more than 30 days"),
        ({"value": "8", "effective_from": "2026-03-02"}, "effective_from", "already has a value"),
        ({"value": "150", "effective_from": "2026-03-20"}, "value", "less than or equal to 100"),
        ({"value": "-6", "effective_from": "2026-03-20"}, "value", "greater than or equal to -5"),
        ({"value": "8.1234567", "effective_from": "2026-03-20"}, "value", "6 decimal places"),
        ({"value": "abc", "effective_from": "2026-03-20"}, "value", "Enter a number."),
        ({"value": "8", "effective_from": "2026-02-30"}, "effective_from", "Enter a valid date."),
        ({}, "value", "This field is required."),
        ({"value": "8"}, "effective_from", "This field is required."),
    ],
)
def test_refusals_are_shown_on_the_field(prime, ops_client, data, field, message):
    response = ops_client.post(PAGE, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert 'class="field-error" role="alert"' in response.content.decode()
    assert IndexValue.objects.count() == 2


def test_an_inactive_source_shows_no_form_and_refuses_a_post(prime, ops_client):
    prime.is_active = False
    prime.save()
    html = ops_client.get(PAGE).content.decode()
    assert "This index is inactive: it takes no new values." in html
    assert "Record value" not in html
    response = ops_client.post(PAGE, {"value": "8", "effective_from": "2026-03-20"})
    assert "The index PRIME is inactive: it takes no values." in response.content.decode()
    assert IndexValue.objects.count() == 2


def test_an_unknown_code_is_404(prime, agent_client):
    assert agent_client.get("/ops/indexes/LIBOR/").status_code == 404


def test_anonymous_users_are_sent_to_log_in(prime, client):
    response = client.get("/ops/indexes/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
