import pytest
from rest_framework.test import APIClient

from servicing.api.auth import create_api_client
from tests.factories import UserFactory


@pytest.fixture
def make_user(db):
    def make(role: str | None = None, **kwargs):
        roles = [role] if role else []
        return UserFactory(roles=roles, **kwargs)

    return make


@pytest.fixture
def agent(make_user):
    return make_user("agent", username="agent1")


@pytest.fixture
def ops_user(make_user):
    return make_user("ops", username="ops1", is_staff=True)


@pytest.fixture
def admin_user_role(make_user):
    return make_user("admin", username="admin1", is_staff=True, is_superuser=True)


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def ops_client(client, ops_user):
    client.force_login(ops_user)
    return client


@pytest.fixture
def token_client(db):
    """``token_client(scopes)`` -> an APIClient sending a fresh client's token."""

    def make(*scopes: str, name: str | None = None) -> APIClient:
        api_client, token = create_api_client(
            name=name or f"los-{'-'.join(scopes)}", scopes=list(scopes)
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        client.api_client = api_client
        return client

    return make


@pytest.fixture(autouse=True)
def _fresh_content_types():
    """A transactional test's flush re-creates content types under new ids; the process
    cache would still hand out the old ones (activity rows would fail their foreign key)."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
