"""Index API: POST /api/v1/indexes/{code}/values, GET /indexes and /indexes/{code}."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from loans.models import IndexSource, IndexValue
from loans.services.indexes import load_index_history
from servicing.business_date import set_business_date

pytestmark = pytest.mark.django_db

BD = dt.date(2026, 3, 20)
VALUES = "/api/v1/indexes/PRIME/values"
GOOD = {"value": "8.250000", "effective_from": "2026-03-10", "note": "WSJ"}


@pytest.fixture
def prime():
    set_business_date(BD)
    return IndexSource.objects.create(
        code="PRIME", name="WSJ Prime", refresh_frequency="manual", description="Prime rate"
    )


@pytest.fixture
def ops_api(token_client):
    return token_client("ops", "read", name="market-data")


def test_recording_a_value_returns_it(prime, ops_api):
    response = ops_api.post(VALUES, GOOD, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body.pop("entered_at")
    assert body == {
        "code": "PRIME",
        "value": "8.250000",
        "effective_from": "2026-03-10",
        "entered_by": "api:market-data",
        "business_date": "2026-03-20",
        "note": "WSJ",
    }
    row = IndexValue.objects.get()
    assert row.value == Decimal("8.25") and row.entered_by == ops_api.api_client.user


def test_note_is_optional_and_an_integer_is_a_whole_percent(prime, ops_api):
    response = ops_api.post(VALUES, {"value": 8, "effective_from": "2026-03-20"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["value"] == "8.000000" and response.json()["note"] == ""


def test_sources_are_listed_with_their_current_value(prime, ops_api):
    load_index_history(
        prime, values=[(dt.date(2025, 10, 1), Decimal("8.5")), (dt.date(2026, 3, 8), Decimal("8"))]
    )
    IndexSource.objects.create(code="SOFR30", name="SOFR 30-day", is_active=False)
    response = ops_api.get("/api/v1/indexes")
    assert response.status_code == 200
    assert response.json() == [
        {
            "code": "PRIME",
            "name": "WSJ Prime",
            "refresh_frequency": "manual",
            "active": True,
            "description": "Prime rate",
            "current_value": "8.000000",
            "current_effective_from": "2026-03-08",
        },
        {
            "code": "SOFR30",
            "name": "SOFR 30-day",
            "refresh_frequency": "daily",
            "active": False,
            "description": "",
            "current_value": None,
            "current_effective_from": None,
        },
    ]


def test_a_source_comes_with_its_history_newest_first(prime, ops_api):
    load_index_history(prime, values=[(dt.date(2025, 10, 1), Decimal("8.5"))])
    ops_api.post(VALUES, GOOD, format="json")
    body = ops_api.get("/api/v1/indexes/PRIME").json()
    assert body["current_value"] == "8.250000"
    assert [(v["effective_from"], v["value"]) for v in body["values"]] == [
        ("2026-03-10", "8.250000"),
        ("2025-10-01", "8.500000"),
    ]
    assert body["values"][0]["entered_by"] == "api:market-data"
    assert body["values"][0]["note"] == "WSJ"


def test_unknown_codes_are_404(prime, ops_api):
    for response in (
        ops_api.get("/api/v1/indexes/LIBOR"),
        ops_api.post("/api/v1/indexes/LIBOR/values", GOOD, format="json"),
        ops_api.post("/api/v1/indexes/LIBOR/values", {"value": 8.25}, format="json"),
        ops_api.get("/api/v1/indexes/prime"),  # codes are exact
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("value", 8.25, 'Send rates as decimal strings, e.g. "7.250000".'),
        ("value", "eight", "A valid number is required."),
        ("value", "", "A valid number is required."),
        ("value", None, "This field may not be null."),
        ("value", True, "A valid number is required."),
        ("value", [], "A valid number is required."),
        ("value", {"v": 1}, "A valid number is required."),
        ("value", "-5.000001", "Ensure this value is greater than or equal to -5."),
        ("value", "-40", "Ensure this value is greater than or equal to -5."),
        ("value", "100.5", "Ensure this value is less than or equal to 100."),
        ("value", "1e400", "Ensure that there are no more than 9 digits in total."),
        ("value", "99999999999", "Ensure that there are no more than 9 digits in total."),
        ("value", "8.1234567", "Ensure that there are no more than 6 decimal places."),
        ("value", "NaN", "A valid number is required."),
        ("value", "Infinity", None),
        ("effective_from", "2026-02-30", None),
        ("effective_from", "2026-13-01", None),
        ("effective_from", "10/03/2026", None),
        ("effective_from", 20260310, None),
        ("effective_from", "", None),
        ("effective_from", None, "This field may not be null."),
        ("effective_from", "10000-01-01", None),
        ("note", "x" * 501, "Ensure this field has no more than 500 characters."),
        ("note", "nul\x00char", "Null characters are not allowed."),
    ],
)
def test_bad_input_is_400_naming_the_field(prime, ops_api, field, value, message):
    response = ops_api.post(VALUES, {**GOOD, field: value}, format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid" and list(body["errors"]) == [field], body
    if message:
        assert body["errors"][field] == [message]
    assert not IndexValue.objects.exists()


@pytest.mark.parametrize("field", ["value", "effective_from"])
def test_missing_fields_are_400(prime, ops_api, field):
    body = {k: v for k, v in GOOD.items() if k != field}
    response = ops_api.post(VALUES, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {field: ["This field is required."]}


@pytest.mark.parametrize("body", [[1, 2], "8.25", None])
def test_a_body_that_is_not_an_object_is_400(prime, ops_api, body):
    response = ops_api.post(VALUES, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_malformed_json_is_400(prime, ops_api):
    response = ops_api.post(VALUES, '{"value": "8.25",', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_an_old_effective_date_on_an_empty_source_is_still_the_window_rule(prime, ops_api):
    response = ops_api.post(VALUES, {**GOOD, "effective_from": "1850-01-01"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "index_value_too_old"


@pytest.mark.parametrize(
    ("effective_from", "code", "detail"),
    [
        ("2026-03-21", "index_value_in_future", "after the business date 2026-03-20"),
        ("2026-02-17", "index_value_too_old", "accepted from 2026-02-18"),
    ],
)
def test_dates_outside_the_window_are_409(prime, ops_api, effective_from, code, detail):
    response = ops_api.post(VALUES, {**GOOD, "effective_from": effective_from}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == code and detail in response.json()["detail"]


def test_a_second_value_for_a_date_is_409(prime, ops_api):
    assert ops_api.post(VALUES, GOOD, format="json").status_code == 201
    response = ops_api.post(VALUES, {**GOOD, "value": "8.300000"}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "code": "index_value_exists",
        "detail": "PRIME already has a value effective 2026-03-10; a value is never overwritten.",
    }


def test_an_inactive_source_is_409(prime, ops_api):
    prime.is_active = False
    prime.save()
    response = ops_api.post(VALUES, GOOD, format="json")
    assert response.status_code == 409 and response.json()["code"] == "index_source_inactive"


def test_idempotency_key_replays_the_first_answer(prime, ops_api):
    key = str(uuid.uuid4())
    first = ops_api.post(VALUES, GOOD, format="json", headers={"Idempotency-Key": key})
    again = ops_api.post(VALUES, GOOD, format="json", headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
    assert IndexValue.objects.count() == 1
    other = ops_api.post(
        VALUES, {**GOOD, "value": "9"}, format="json", headers={"Idempotency-Key": key}
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


def test_a_refused_request_may_be_retried_with_its_key(prime, ops_api):
    key = str(uuid.uuid4())
    future = {**GOOD, "effective_from": "2026-03-21"}
    assert (
        ops_api.post(VALUES, future, format="json", headers={"Idempotency-Key": key}).status_code
        == 409
    )
    set_business_date(dt.date(2026, 3, 21))
    retry = ops_api.post(VALUES, future, format="json", headers={"Idempotency-Key": key})
    assert retry.status_code == 201


def test_writing_needs_the_ops_scope_and_reading_the_read_scope(prime, token_client):
    reader = token_client("read")
    assert reader.get("/api/v1/indexes").status_code == 200
    assert reader.get("/api/v1/indexes/PRIME").status_code == 200
    denied = reader.post(VALUES, GOOD, format="json")
    assert denied.status_code == 403
    assert denied.json() == {
        "code": "permission_denied",
        "detail": "This endpoint needs the 'ops' scope.",
    }
    payments = token_client("payments", "onboarding", "draws")
    assert payments.get("/api/v1/indexes").status_code == 403
    assert payments.post(VALUES, GOOD, format="json").status_code == 403
    writer = token_client("ops")
    assert writer.post(VALUES, GOOD, format="json").status_code == 201
    assert not IndexValue.objects.exclude(entered_by_label="api:los-ops").exists()


def test_without_credentials_it_is_401(prime, client):
    assert client.get("/api/v1/indexes").status_code == 401
    assert client.post(VALUES, GOOD, content_type="application/json").status_code == 401


@pytest.mark.parametrize(
    ("role", "status"), [("agent", 403), ("supervisor", 403), ("ops", 201), ("admin", 201)]
)
def test_browser_sessions_write_with_their_roles_scopes(prime, client, make_user, role, status):
    client.force_login(make_user(role))
    assert client.get("/api/v1/indexes").status_code == 200
    response = client.post(VALUES, GOOD, content_type="application/json")
    assert response.status_code == status


def test_the_endpoints_are_in_the_openapi_schema(db, client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    post = schema["paths"]["/api/v1/indexes/{code}/values"]["post"]
    assert {"201", "400", "401", "403", "404", "409", "422"} <= set(post["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])
    body = post["requestBody"]["content"]["application/json"]
    assert body["examples"]["PrimeRateChange"]["value"]["value"] == "8.250000"
    assert "index_value_too_old" in str(post["responses"]["409"])
    assert "get" in schema["paths"]["/api/v1/indexes"]
    assert "get" in schema["paths"]["/api/v1/indexes/{code}"]
