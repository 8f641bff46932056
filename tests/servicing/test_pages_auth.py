import pytest

from tests.factories import PASSWORD


@pytest.mark.parametrize(
    "url", ["/", "/search/?q=x", "/activity/", "/ops/jobs/", "/ops/business-date/"]
)
def test_every_page_needs_a_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=")


def test_login_and_logout(client, agent):
    response = client.post("/login/", {"username": "agent1", "password": PASSWORD}, follow=True)
    assert b"Dashboard" in response.content
    assert b"This page is for: agent, supervisor, ops, admin." in response.content
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_wrong_password_shows_an_error(client, agent):
    response = client.post("/login/", {"username": "agent1", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_user_without_a_role_is_refused(client, make_user):
    client.force_login(make_user(None, username="norole"))
    assert client.get("/").status_code == 403


def test_nav_shows_only_what_the_role_may_open(client, agent, ops_user):
    client.force_login(agent)
    agent_page = client.get("/").content.decode()
    assert "/ops/jobs/" not in agent_page
    client.force_login(ops_user)
    ops_page = client.get("/").content.decode()
    assert "/ops/jobs/" in ops_page and "/ops/business-date/" in ops_page


def test_search_with_no_provider_match_says_so(agent_client):
    response = agent_client.get("/search/", {"q": "L-000001"})
    assert b"Nothing matches" in response.content


def test_healthz_is_public_and_reports_database(client, db, settings):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"] == ("ok" if settings.REDIS_URL else "not configured")


def test_healthz_reports_unreachable_redis(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")
