import datetime as dt

from playwright.sync_api import expect

from servicing.jobs import add_progress, create_job, finish_job, record_item_errors, start_job
from servicing.models import JobRun


def test_running_job_progress_bar_updates_live(page, login, screenshot):
    login("ops")
    job = create_job(kind=JobRun.Kind.COB, business_date=dt.date(2026, 11, 23), total=10)
    start_job(job.pk)
    add_progress(job.pk, done=3)
    page.goto("/ops/jobs/")
    page.get_by_role("link", name=str(job.pk), exact=True).click()
    bar = page.locator("#job-progress [role=progressbar]")
    expect(bar).to_have_attribute("aria-valuenow", "30")
    expect(page.get_by_test_id("job-state")).to_have_text("Running")
    screenshot("job-running")

    # The worker moves on: the page follows without a reload (htmx polling).
    add_progress(job.pk, done=6)
    record_item_errors(job.pk, [("L-000042", "no index value for 2026-11-23")])
    expect(bar).to_have_attribute("aria-valuenow", "100")
    finish_job(job.pk)
    expect(page.get_by_test_id("job-state")).to_have_text("Completed with errors")
    expect(page.get_by_role("cell", name="no index value for 2026-11-23")).to_be_visible()
    screenshot("job-finished")
