from datetime import date

import pytest

from servicing.jobs import add_progress, create_job, finish_job, record_item_errors, start_job
from servicing.models import JobRun

BD = date(2026, 11, 23)


@pytest.fixture
def job(db):
    return create_job(kind=JobRun.Kind.COB, business_date=BD, total=10)


def test_job_lifecycle_counts_and_errors(job):
    start_job(job.pk)
    add_progress(job.pk, done=4)
    add_progress(job.pk, done=4)
    record_item_errors(job.pk, [("L-1", "boom"), ("L-2", "bad rate")])
    finished = finish_job(job.pk)
    assert (finished.done, finished.failed, finished.percent) == (8, 2, 100)
    assert finished.state == JobRun.State.COMPLETED_WITH_ERRORS
    assert finished.started_at and finished.finished_at
    assert [e.item_ref for e in finished.errors.order_by("id")] == ["L-1", "L-2"]


def test_only_a_queued_job_starts(job):
    start_job(job.pk)
    finish_job(job.pk)
    start_job(job.pk)
    assert JobRun.objects.get(pk=job.pk).state == JobRun.State.SUCCEEDED


def test_crashed_job_is_failed(job):
    assert finish_job(job.pk, crashed=True, message="worker lost").state == JobRun.State.FAILED


def test_jobs_page_shows_progress(ops_client, job):
    start_job(job.pk)
    add_progress(job.pk, done=3)
    response = ops_client.get("/ops/jobs/")
    assert b"Close of business" in response.content and b"3/10" in response.content
    response = ops_client.get(f"/ops/jobs/{job.pk}/")
    assert b'aria-valuenow="30"' in response.content
    assert b'hx-trigger="every 1s"' in response.content


def test_job_progress_fragment_for_htmx_stops_polling_when_finished(ops_client, job):
    start_job(job.pk)
    fragment = ops_client.get(f"/ops/jobs/{job.pk}/", headers={"HX-Request": "true"})
    assert fragment.content.lstrip().startswith(b'<section id="job-progress"')
    assert b"<html" not in fragment.content
    record_item_errors(job.pk, [("L-9", "index missing")])
    finish_job(job.pk)
    fragment = ops_client.get(f"/ops/jobs/{job.pk}/", headers={"HX-Request": "true"})
    assert b"hx-trigger" not in fragment.content
    assert b"index missing" in fragment.content


def test_jobs_pages_are_not_for_agents(agent_client, job):
    assert agent_client.get("/ops/jobs/").status_code == 403
    assert agent_client.get(f"/ops/jobs/{job.pk}/").status_code == 403


def test_unknown_job_is_404(ops_client):
    assert ops_client.get("/ops/jobs/999999/").status_code == 404
