import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from servicing.api.auth import create_api_client
from servicing.errors import InvalidInput
from servicing.models import ApiClient

JOB_URL = "/api/v1/business-date"


def test_no_token_is_401(db):
    response = APIClient().get(JOB_URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token not-a-real-key", "Bearer x"])
def test_bad_token_is_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get(JOB_URL).status_code == 401


def test_wrong_scope_is_403(token_client):
    client = token_client("payments")
    response = client.get(JOB_URL)
    assert response.status_code == 403
    assert response.json()["detail"] == "This endpoint needs the 'read' scope."


def test_right_scope_is_200_and_marks_last_use(token_client):
    client = token_client("read")
    response = client.get(JOB_URL)
    assert response.status_code == 200
    assert "business_date" in response.json()
    client.api_client.refresh_from_db()
    assert client.api_client.last_used_at is not None


def test_inactive_client_is_401(token_client):
    client = token_client("read")
    ApiClient.objects.filter(pk=client.api_client.pk).update(is_active=False)
    assert client.get(JOB_URL).status_code == 401


def test_only_the_token_hash_is_stored(db):
    client, token = create_api_client(name="los", scopes=["read"])
    assert token not in (client.key_hash, client.key_prefix + client.key_hash)
    assert len(client.key_hash) == 64


def test_unknown_scope_or_duplicate_name_is_refused(db):
    with pytest.raises(InvalidInput, match="Unknown scopes: admin"):
        create_api_client(name="los", scopes=["read", "admin"])
    create_api_client(name="los", scopes=["read"])
    with pytest.raises(InvalidInput, match="already exists"):
        create_api_client(name="los", scopes=["read"])


def test_create_api_client_prints_the_token_last(db, capsys):
    call_command("create_api_client", "los-main", "--scopes", "onboarding,draws,payments,read")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(JOB_URL).status_code == 200
    assert ApiClient.objects.get(name="los-main").scopes == [
        "draws",
        "onboarding",
        "payments",
        "read",
    ]


def test_agent_session_uses_role_scopes(agent_client):
    assert agent_client.get(JOB_URL).status_code == 200


def test_session_without_role_is_403(client, make_user):
    client.force_login(make_user(None, username="nobody"))
    assert client.get(JOB_URL).status_code == 403


def test_last_use_is_written_once_a_minute_not_on_every_request(token_client):
    import datetime as dt

    from django.utils import timezone

    client = token_client("read")
    assert client.get(JOB_URL).status_code == 200
    client.api_client.refresh_from_db()
    first = client.api_client.last_used_at
    assert client.get(JOB_URL).status_code == 200
    client.api_client.refresh_from_db()
    assert client.api_client.last_used_at == first  # within the minute: no write
    earlier = timezone.now() - dt.timedelta(minutes=2)
    ApiClient.objects.filter(pk=client.api_client.pk).update(last_used_at=earlier)
    assert client.get(JOB_URL).status_code == 200
    client.api_client.refresh_from_db()
    assert client.api_client.last_used_at > earlier
