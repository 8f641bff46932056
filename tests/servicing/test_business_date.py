from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from servicing import business_date as bd
from servicing.errors import DomainError
from servicing.models import ActivityEntry


@pytest.fixture
def floor():
    """A stand-in for the loans app's 'last closed date' registration."""
    closed = {"date": None}

    def provider():
        return closed["date"]

    bd.register_floor(provider)
    yield closed
    bd._FLOORS.remove(provider)


@pytest.mark.django_db
def test_new_install_starts_at_today():
    assert bd.get_business_date() == timezone.localdate()


@pytest.mark.django_db
def test_set_business_date_records_activity(agent):
    bd.set_business_date(date(2027, 1, 4), actor=agent)
    assert bd.get_business_date() == date(2027, 1, 4)
    entry = ActivityEntry.objects.get(action="business_date.set")
    assert entry.actor == agent
    assert entry.details["after"] == {"date": "2027-01-04"}


@pytest.mark.django_db
def test_business_date_cannot_go_behind_a_closed_loan(floor):
    floor["date"] = date(2027, 3, 1)
    with pytest.raises(DomainError, match="closed through 2027-03-01"):
        bd.set_business_date(date(2027, 2, 1))
    with pytest.raises(DomainError):
        bd.set_business_date(date(2027, 3, 1))
    bd.set_business_date(date(2027, 3, 2))
    assert bd.get_business_date() == date(2027, 3, 2)


@pytest.mark.django_db
def test_commands_print_and_set_the_date(capsys):
    call_command("set_business_date", "2026-12-31")
    call_command("business_date")
    assert capsys.readouterr().out.strip().splitlines()[-1] == "2026-12-31"


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["2026-02-30", "31/12/2026", "tomorrow"])
def test_set_business_date_refuses_impossible_dates(bad):
    with pytest.raises(CommandError, match="Not a date"):
        call_command("set_business_date", bad)


@pytest.mark.django_db
def test_command_reports_refusal(floor):
    floor["date"] = date(2027, 3, 1)
    with pytest.raises(CommandError, match="closed through"):
        call_command("set_business_date", "2027-01-01")


def test_business_date_page_is_for_ops(ops_client, agent):
    response = ops_client.get("/ops/business-date/")
    assert response.status_code == 200
    response = ops_client.post("/ops/business-date/", {"date": "2027-05-03"}, follow=True)
    assert b"Business date set to 2027-05-03" in response.content
    assert bd.get_business_date() == date(2027, 5, 3)
    response = ops_client.post("/ops/business-date/", {"date": "2027-02-31"})
    assert b"Enter a valid date" in response.content
    ops_client.force_login(agent)
    assert ops_client.get("/ops/business-date/").status_code == 403


def test_header_shows_the_business_date(agent_client):
    bd.set_business_date(date(2027, 6, 15))
    response = agent_client.get("/")
    assert b'data-testid="business-date">2027-06-15<' in response.content
