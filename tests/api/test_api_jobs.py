from datetime import date

from servicing.jobs import add_progress, create_job, record_item_errors, start_job
from servicing.models import JobRun


def test_job_progress(token_client):
    job = create_job(kind=JobRun.Kind.COB, business_date=date(2026, 11, 23), total=4)
    start_job(job.pk)
    add_progress(job.pk, done=2)
    record_item_errors(job.pk, [("L-7", "no rate")])
    body = token_client("read").get(f"/api/v1/jobs/{job.pk}").json()
    assert body["state"] == "running"
    assert (body["total"], body["done"], body["failed"], body["percent"]) == (4, 2, 1, 75)
    assert body["errors"] == [{"item_ref": "L-7", "message": "no rate"}]
    assert body["business_date"] == "2026-11-23"


def test_unknown_job_is_404(token_client):
    response = token_client("read").get("/api/v1/jobs/424242")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
