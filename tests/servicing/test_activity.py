from decimal import Decimal

import pytest

from servicing.activity import activity_for, record_activity
from servicing.models import ActivityEntry, Holiday


@pytest.fixture
def holiday(db):
    return Holiday.objects.create(date="2026-12-24", name="Christmas Eve")


def test_record_activity_keeps_who_what_target_and_before_after(agent, holiday):
    entry = record_activity(
        actor=agent,
        action="holiday.renamed",
        summary="Holiday renamed",
        target=holiday,
        before={"name": "Xmas Eve"},
        after={"name": "Christmas Eve", "fee": Decimal("10.50")},
    )
    assert entry.actor_label == "agent1"
    assert entry.object_repr == "2026-12-24 Christmas Eve"
    assert entry.details == {
        "before": {"name": "Xmas Eve"},
        "after": {"name": "Christmas Eve", "fee": "10.50"},
    }
    assert list(activity_for(holiday)) == [entry]


def test_system_actions_are_labelled_system(holiday):
    entry = record_activity(actor=None, action="x.y", summary="nightly", target=holiday)
    assert entry.actor is None and entry.actor_label == "system"


def test_api_clients_are_labelled_by_name(token_client, holiday):
    client = token_client("read", name="los-main")
    entry = record_activity(
        actor=client.api_client.user, action="x.y", summary="via API", target=holiday
    )
    assert entry.actor_label == "api:los-main"


def test_activity_page_filters_by_object(agent_client, agent, holiday):
    other = Holiday.objects.create(date="2026-12-31", name="New Year's Eve")
    record_activity(actor=agent, action="holiday.a", summary="first holiday", target=holiday)
    record_activity(actor=agent, action="holiday.b", summary="second holiday", target=other)
    response = agent_client.get("/activity/", {"type": "servicing.holiday", "id": holiday.pk})
    assert response.status_code == 200
    assert b"first holiday" in response.content
    assert b"second holiday" not in response.content
    response = agent_client.get("/activity/", {"action": "holiday.b"})
    assert b"second holiday" in response.content and b"first holiday" not in response.content
    response = agent_client.get("/activity/", {"type": "nonsense", "page": "x"})
    assert response.status_code == 200


def test_activity_entries_are_read_only_in_admin(client, admin_user_role, holiday):
    entry = record_activity(actor=None, action="x.y", summary="s", target=holiday)
    client.force_login(admin_user_role)
    assert client.get(f"/admin/servicing/activityentry/{entry.pk}/delete/").status_code == 403
    assert ActivityEntry.objects.count() == 1
