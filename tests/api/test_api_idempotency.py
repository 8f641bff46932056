import datetime as dt
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from servicing.models import Holiday, IdempotencyKey
from servicing.tasks import purge_idempotency_keys_task

pytestmark = pytest.mark.urls("tests.api.idempotency_urls")
URL = "/api/v1/holidays"
BODY = {"date": "2026-12-24", "name": "Christmas Eve"}


@pytest.fixture
def api(token_client):
    return token_client("ops")


def post(api, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return api.post(URL, body, format="json", headers=headers)


def test_same_key_same_body_returns_the_first_response_without_redoing(api):
    key = str(uuid.uuid4())
    first = post(api, BODY, key)
    second = post(api, BODY, key)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Holiday.objects.count() == 1


def test_same_key_other_body_is_422(api):
    key = str(uuid.uuid4())
    post(api, BODY, key)
    response = post(api, {**BODY, "name": "Other"}, key)
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Holiday.objects.count() == 1


def test_without_a_key_the_work_is_done_each_time(api):
    assert post(api, BODY).status_code == 201
    response = post(api, BODY)
    assert response.status_code == 409
    assert response.json() == {"code": "holiday_exists", "detail": "That day is already a holiday."}


def test_keys_belong_to_their_client(api, token_client):
    key = str(uuid.uuid4())
    post(api, BODY, key)
    other = token_client("ops", name="other-los")
    response = post(other, {**BODY, "date": "2026-12-31"}, key)
    assert response.status_code == 201


def test_a_failed_request_does_not_burn_the_key(api):
    key = str(uuid.uuid4())
    bad = post(api, {"date": "2026-02-30", "name": "x"}, key)
    assert bad.status_code == 400
    assert bad.json() == {"code": "invalid", "errors": {"date": [bad.json()["errors"]["date"][0]]}}
    assert post(api, BODY, key).status_code == 201


def test_a_request_still_in_progress_is_409(api):
    key = str(uuid.uuid4())
    post(api, BODY, key)
    IdempotencyKey.objects.filter(key=key).update(response_status=None, response_body=None)
    response = post(api, BODY, key)
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_progress"


def test_a_request_that_dies_after_its_work_leaves_neither_work_nor_key(api):
    """The key, the work and the response commit together: nothing half-done to retry."""
    key = str(uuid.uuid4())
    with pytest.raises(RuntimeError):
        api.post(URL + "/crash", BODY, format="json", headers={"Idempotency-Key": key})
    assert Holiday.objects.count() == 0
    assert IdempotencyKey.objects.count() == 0
    assert post(api, BODY, key).status_code == 201  # the retry does the work once
    assert Holiday.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_concurrent_retry_waits_and_gets_the_first_response(token_client):
    """The same key twice at once: the second waits on the key until the first commits,
    then answers with its response (not a 409, and the work is done once)."""
    from tests.loans.test_concurrency import run_together

    first_client = token_client("ops")
    second_client = APIClient()  # the same LOS on a second connection
    second_client.credentials(**first_client._credentials)
    key = str(uuid.uuid4())

    def send(client):
        response = client.post(URL + "/slow", BODY, format="json", headers={"Idempotency-Key": key})
        return response.status_code, response.json(), response.get("Idempotent-Replayed")

    first, second = run_together(lambda: send(first_client), lambda: send(second_client))
    assert first[0] == second[0] == 201, (first, second)
    assert first[1] == second[1]
    assert sorted([first[2] or "", second[2] or ""]) == ["", "true"]
    assert Holiday.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256])
def test_bad_keys_are_400(api, key):
    response = api.post(URL, BODY, format="json", headers={"Idempotency-Key": key})
    assert response.status_code == 400
    assert Holiday.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"date": "tomorrow", "name": "x"},
        {"date": 20261224, "name": "x"},
        {"date": "2026-12-24", "name": "x" * 101},
        {"date": None, "name": None},
    ],
)
def test_invalid_bodies_are_400_with_field_errors(api, body):
    response = post(api, body, str(uuid.uuid4()))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["errors"]) <= {"date", "name"}


def test_malformed_json_is_400(api):
    response = api.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_old_keys_are_purged_but_kept_24_hours(api):
    post(api, BODY, "old")
    post(api, {**BODY, "date": "2026-12-31"}, "recent")
    IdempotencyKey.objects.filter(key="old").update(
        created_at=timezone.now() - dt.timedelta(hours=49)
    )
    IdempotencyKey.objects.filter(key="recent").update(
        created_at=timezone.now() - dt.timedelta(hours=23)
    )
    assert purge_idempotency_keys_task(older_than_hours=1) == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]
    call_command("purge_idempotency_keys")
