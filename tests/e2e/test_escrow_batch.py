"""Browser: an ops user runs a batch escrow analysis from Ops > Escrow analysis, watches
its progress bar finish, downloads the report, fetches it again; a loan's analysis from
its action menu and the statement in its Documents tab."""
# ruff: noqa: F811  (the fixtures are imported from tests/escrow/analysis_fixtures.py)

import csv
import io
from unittest import mock

from celery import chain
from playwright.sync_api import expect

from escrow.tasks import escrow_batch_finish_task, escrow_batch_task
from servicing.models import JobRun
from tests.escrow.analysis_fixtures import board, escrow_loan  # noqa: F401

# An analysis renders its statement PDF inside the request (WeasyPrint: seconds on a busy
# machine); the page may take longer than the default 10 s to answer.
SLOW = 60_000


def test_ops_runs_a_batch_and_downloads_the_report(page, login, screenshot, escrow_loan):
    loans = [
        escrow_loan(application_number=f"APP-E{n}", borrower_id=f"B-E{n}") for n in range(1, 4)
    ]
    login("ops")
    page.goto("/")
    page.get_by_role("link", name="Escrow analysis").click()
    expect(page.get_by_role("heading", name="Escrow analysis", exact=True)).to_be_visible()
    page.get_by_label("Start date").fill("2025-01-01")
    page.get_by_label("End date").fill("2025-01-31")
    page.get_by_label("Update").check()
    page.get_by_label("Generate Report").check()
    screenshot("escrow-batch-form")
    # The batch is queued, not run inside the request: the test plays the worker below,
    # so the page shows the job before, while and after it runs (eager Celery would have
    # finished it before the redirect).
    with mock.patch("escrow.batch._dispatch"):
        page.get_by_role("button", name="Run escrow analysis").click()
    page.wait_for_url("**/ops/escrow-analysis/*/")
    job = JobRun.objects.get(kind=JobRun.Kind.ESCROW_ANALYSIS)
    expect(page.get_by_test_id("job-state")).to_have_text("Queued")
    screenshot("escrow-batch-queued")

    chain(
        escrow_batch_task.si(job_run_id=job.pk), escrow_batch_finish_task.si(job_run_id=job.pk)
    ).apply()
    bar = page.locator("#job-progress [role=progressbar]")
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(page.get_by_test_id("job-state")).to_have_text("Succeeded")
    expect(page.get_by_test_id("job-counts")).to_contain_text("3 done of 3")
    items = page.get_by_test_id("escrow-batch-items")
    for loan in loans:
        expect(items.get_by_role("link", name=loan.loan_number)).to_be_visible()
    screenshot("escrow-batch-finished")

    with page.expect_download() as download_info:
        page.get_by_test_id("report-csv").click()
    download = download_info.value
    assert download.suggested_filename == f"escrow-analysis-20260115-job{job.pk}.csv"
    with open(download.path(), encoding="utf-8") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    assert sorted(r["Loan"] for r in rows) == sorted(loan.loan_number for loan in loans)
    assert {r["Updated"] for r in rows} == {"yes"}

    page.get_by_role("button", name="Fetch Report").click()
    page.wait_for_url("**/ops/escrow-analysis/")
    listing = page.get_by_test_id("downloaded-reports")
    expect(listing.get_by_role("link", name=f"job{job.pk}-fetched.pdf")).to_be_visible()
    screenshot("escrow-downloaded-reports")

    # The batch stored each loan's annual statement to be rendered on its first download.
    loan = loans[0]
    page.goto(f"/loans/{loan.loan_number}/")
    page.get_by_role("link", name="Documents").first.click()
    documents = page.get_by_test_id("documents")
    expect(documents).to_contain_text("Escrow account statement")
    expect(documents).to_contain_text("on download")
    screenshot("escrow-batch-statement-listed")
    with page.expect_download(timeout=SLOW) as download_info:
        page.get_by_test_id("document-download").first.click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"escrow-statement-{loan.loan_number}-")
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert loan.documents.get().content  # rendered once, kept


def test_loan_analysis_from_the_action_menu(page, login, screenshot, escrow_loan):
    loan = escrow_loan()
    login("ops")
    page.goto(f"/loans/{loan.loan_number}/")
    actions = page.get_by_role("group", name="Escrow actions")
    actions.get_by_role("link", name="Escrow analysis").click()
    page.get_by_label("Update").check()
    page.get_by_role("button", name="Run analysis").click(timeout=SLOW)
    result = page.get_by_test_id("escrow-analysis-result")
    expect(result).to_contain_text("Applied", timeout=SLOW)
    expect(page.get_by_test_id("escrow-analysis-rows").locator("tbody tr")).to_have_count(13)
    payment = loan.escrow_analyses.get().new_monthly_payment
    expect(page.get_by_test_id("new-escrow-payment")).to_have_text(str(payment))
    screenshot("escrow-loan-analysis")
    page.get_by_role("link", name="Documents").first.click()
    expect(page.get_by_test_id("documents")).to_contain_text("Escrow account statement 2026-02")
    screenshot("loan-documents")
    with page.expect_download() as download_info:
        page.get_by_test_id("document-download").first.click()
    assert download_info.value.suggested_filename.startswith(
        f"escrow-statement-{loan.loan_number}-2026-02"
    )
