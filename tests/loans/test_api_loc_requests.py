"""Requests to the draw and line endpoints (spec/api.md "Auth, idempotency, errors"):
bad input is a 400 ``invalid`` naming the field and writes nothing; tokens and scopes;
Idempotency-Key replays. The flows and status machines: test_api_loc.py."""

import uuid

import pytest
from rest_framework.test import APIClient

from loans.models import CreditLine, Draw, DrawEvent
from tests.loans.test_api_loc import BD, initiate, url, writes

MISSING = object()
DRAW = {"requested_date": "2026-01-15", "requested_amount": "500.00"}


@pytest.fixture
def line(board_line):
    return board_line(BD)


@pytest.fixture
def los(token_client):
    return token_client("draws", "read")


def with_(base: dict, field: str, value) -> dict:
    body = dict(base)
    if value is MISSING:
        body.pop(field, None)
    else:
        body[field] = value
    return body


def assert_invalid(response, field: str) -> None:
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == [field], body
    assert all(isinstance(message, str) for message in body["errors"][field])


AMOUNTS = [
    MISSING,
    None,
    "",
    500.0,  # a JSON float: binary fractions lose cents
    1e15,
    "-1.00",
    "0",
    "0.00",
    "1e15",
    "1000000000000000.00",
    "10.001",
    "abc",
    "NaN",
    "Infinity",
    True,
    [],
    {"value": "1"},
]
DATES = [MISSING, None, "", "2026-02-30", "yesterday", "15/01/2026", 20260115, ["2026-01-15"]]
INITIATE = [
    *[("requested_date", value) for value in DATES],
    ("requested_date", "2025-12-31"),  # before the line's funded date
    ("requested_date", "2027-01-01"),  # on the fixed-term line's maturity
    *[("requested_amount", value) for value in AMOUNTS],
    *[("fee", value) for value in (None, 10.5, "-0.01", "500.00", "500.01", "1e15", "abc")],
    *[("auto_funded", value) for value in (None, "maybe", 2, [])],
    *[("external_id", value) for value in (None, "x" * 65, {"id": 1}, ["a"], "a\x00b")],
]


@pytest.mark.parametrize(("field", "value"), INITIATE)
def test_bad_draw_requests_are_400_and_write_nothing(line, los, field, value):
    done = writes()
    response = los.post(url(line, "/draws"), with_(DRAW, field, value), format="json")
    assert_invalid(response, field)
    assert writes() == done


@pytest.mark.parametrize("body", [[], ["a"], "text", 5])
def test_a_body_that_is_not_an_object_is_400(line, los, body):
    response = los.post(url(line, "/draws"), body, format="json")
    assert_invalid(response, "non_field_errors")
    assert not Draw.objects.exists()


def test_malformed_json_is_400(line, los):
    response = los.post(url(line, "/draws"), "{not json", content_type="application/json")
    assert_invalid(response, "non_field_errors")
    assert not Draw.objects.exists()


# The draw has a fee of 100.00: an approval must exceed it.
ACTIONS = [
    *[("approve", "approved_amount", value) for value in [*AMOUNTS, "100.00", "99.99"]],
    *[
        ("reject", "reason", value)
        for value in (MISSING, None, "", "   ", "x" * 301, {"why": "no"}, ["no"], "a\x00b")
    ],
    *[("fund", "funded_date", value) for value in DATES],
    ("fund", "funded_date", "2026-01-16"),  # after the business date
    ("fund", "funded_date", "2025-12-31"),  # before the line's funded date
    ("fund", "funded_date", 2026.0),
]


@pytest.mark.parametrize(("action", "field", "value"), ACTIONS)
def test_bad_draw_actions_are_400_and_write_nothing(line, los, action, field, value):
    draw = initiate(los, line, "1000.00", fee="100.00")
    status = "verification"
    if action == "fund":
        approve = {"approved_amount": "1000.00"}
        response = los.post(url(line, f"/draws/{draw['id']}/approve"), approve, format="json")
        assert response.status_code == 200
        status = "approved"
    done = writes()
    response = los.post(
        url(line, f"/draws/{draw['id']}/{action}"), with_({}, field, value), format="json"
    )
    assert_invalid(response, field)
    assert writes() == done
    assert Draw.objects.get(pk=draw["id"]).status == status


@pytest.mark.parametrize("action", ["suspend", "activate", "cancel"])
@pytest.mark.parametrize("reason", [None, "x" * 301, {"why": "no"}, ["no"], "a\x00b"])
def test_bad_line_reasons_are_400_and_change_nothing(line, los, action, reason):
    done = writes()
    response = los.post(url(line, f"/loc/{action}"), {"reason": reason}, format="json")
    assert_invalid(response, "reason")
    assert CreditLine.objects.get(loan=line).status == "active"
    assert writes() == done


# --- Auth and idempotency -----------------------------------------------------------------

ENDPOINTS = [
    ("get", "/draws"),
    ("post", "/draws"),
    ("get", "/draws/{id}"),
    ("delete", "/draws/{id}"),
    ("post", "/draws/{id}/approve"),
    ("post", "/draws/{id}/reject"),
    ("post", "/draws/{id}/fund"),
    ("get", "/loc"),
    ("post", "/loc/suspend"),
    ("post", "/loc/activate"),
    ("post", "/loc/cancel"),
]


@pytest.mark.parametrize(("method", "suffix"), ENDPOINTS)
def test_no_token_is_401_and_a_token_without_the_scope_is_403(
    line, los, token_client, method, suffix
):
    path = url(line, suffix.format(id=initiate(los, line)["id"]))
    # Reading needs read; every change needs draws (a read token cannot initiate a draw).
    needed = "read" if method == "get" else "draws"
    other = token_client("payments", "onboarding", "draws" if needed == "read" else "read")
    done = writes()
    response = getattr(APIClient(), method)(path, {}, format="json")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    response = getattr(other, method)(path, {}, format="json")
    assert response.status_code == 403, response.json()
    assert response.json()["detail"] == f"This endpoint needs the '{needed}' scope."
    assert writes() == done


def test_an_agent_session_may_call_the_draw_api(line, agent_client):
    body = {"requested_date": "2026-01-15", "requested_amount": "100.00"}
    response = agent_client.post(url(line, "/draws"), body, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["history"][0]["actor"] == "agent1"


def test_an_idempotency_key_replays_the_draw_instead_of_a_second_one(line, los):
    key = str(uuid.uuid4())
    body = {"requested_date": "2026-01-15", "requested_amount": "250.00", "external_id": "X-9"}
    first = los.post(url(line, "/draws"), body, format="json", headers={"Idempotency-Key": key})
    again = los.post(url(line, "/draws"), body, format="json", headers={"Idempotency-Key": key})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Draw.objects.count() == 1
    other = los.post(
        url(line, "/draws"),
        {**body, "requested_amount": "260.00"},
        format="json",
        headers={"Idempotency-Key": key},
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert Draw.objects.count() == 1


def test_an_approval_replayed_by_its_key_is_not_approved_twice(line, los):
    draw = initiate(los, line)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    path, body = url(line, f"/draws/{draw['id']}/approve"), {"approved_amount": "500.00"}
    first = los.post(path, body, format="json", headers=key)
    again = los.post(path, body, format="json", headers=key)
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert DrawEvent.objects.filter(draw_id=draw["id"]).count() == 2
    # Without the key the second approval is a state conflict.
    assert los.post(path, body, format="json").json()["code"] == "draw_not_in_verification"
