"""Ops > Close of business: start a run from the browser and follow it on its job page."""

import datetime as dt

import pytest

from servicing.business_date import get_business_date, set_business_date
from servicing.cob import isolated_cob_steps, register_cob_step
from servicing.jobs import claim_job, create_job
from servicing.models import JobRun

BD = dt.date(2026, 11, 23)
URL = "/ops/close-of-business/"


@pytest.fixture
def processed(db):
    set_business_date(BD)
    done = []
    with isolated_cob_steps():
        register_cob_step(
            "accrual",
            order=1,
            label="Regular interest accrual",
            select=lambda d: [i for i in (1, 2) if (i, d) not in done],
            run_chunk=lambda ids, d: done.extend((i, d) for i in ids) or [],
        )
        yield done


def test_page_shows_the_business_date_the_steps_and_the_form(ops_client, processed):
    page = ops_client.get(URL).content.decode()
    assert "The business date is <strong>2026-11-23</strong>" in page
    assert "Regular interest accrual" in page and "per loan, in chunks" in page
    assert 'name="through" value="2026-11-23"' in page
    assert "Run close of business" in page
    assert "This page is for: ops, supervisor, admin." in page


@pytest.mark.parametrize("role", ["ops", "supervisor", "admin"])
def test_ops_and_supervisors_run_it_and_land_on_the_job(
    client, make_user, processed, role, django_capture_on_commit_callbacks
):
    user = make_user(role, username=f"u-{role}")
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"through": "2026-11-24"})
    first = JobRun.objects.get(kind=JobRun.Kind.COB, business_date=BD)
    assert response.status_code == 302 and response.url == f"/ops/jobs/{first.pk}/"
    assert first.started_by == user
    assert get_business_date() == dt.date(2026, 11, 25)
    assert processed == [
        (1, BD),
        (2, BD),
        (1, BD + dt.timedelta(days=1)),
        (2, BD + dt.timedelta(days=1)),
    ]
    job_page = client.get(response.url).content.decode()
    assert "Close of business started for 2026-11-23 through 2026-11-24." in job_page
    assert 'data-testid="job-state">Succeeded' in job_page


def test_agents_may_not_open_or_post_it(agent_client, processed):
    assert agent_client.get(URL).status_code == 403
    assert agent_client.post(URL, {"through": "2026-11-23"}).status_code == 403
    assert not JobRun.objects.exists()
    assert URL not in agent_client.get("/").content.decode()


def test_nav_links_to_it_for_ops(ops_client, processed):
    assert f'href="{URL}"' in ops_client.get("/").content.decode()


def test_a_past_date_is_refused_inline(ops_client, processed):
    response = ops_client.post(URL, {"through": "2026-11-22"})
    assert response.status_code == 200
    assert "dates before it are closed" in response.content.decode()
    assert not JobRun.objects.exists()


def test_more_than_a_month_is_for_the_command(ops_client, processed):
    response = ops_client.post(URL, {"through": "2026-12-24"})
    assert "At most 31 dates from this page (through 2026-12-23)" in response.content.decode()
    assert not JobRun.objects.exists()


def test_a_date_already_running_is_refused_inline(ops_client, processed):
    job = create_job(kind=JobRun.Kind.COB, business_date=BD)
    claim_job(job.pk, stale_after=dt.timedelta(minutes=15))
    response = ops_client.post(URL, {"through": "2026-11-23"})
    assert "Close of business for 2026-11-23 is running" in response.content.decode()


def test_job_page_shows_the_running_step_and_attempt(ops_client, db):
    job = create_job(kind=JobRun.Kind.COB, business_date=BD)
    claim_job(job.pk, stale_after=dt.timedelta(minutes=15))
    step = {"name": "accrual", "label": "Regular interest accrual", "position": 1, "count": 4}
    JobRun.objects.filter(pk=job.pk).update(params={"step": step, "attempt": 2})
    page = ops_client.get(f"/ops/jobs/{job.pk}/").content.decode()
    assert "1 of 4: Regular interest accrual" in page
    assert "<dt>Attempt</dt><dd>2</dd>" in page


def test_anonymous_users_go_to_the_login_page(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith("/login/?next=")
