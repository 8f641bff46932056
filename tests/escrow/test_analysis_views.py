"""Escrow analysis pages: the loan-page action and Ops > Escrow analysis (roles, batch,
progress, reports, Fetch Report, Downloaded BI Reports)."""
# ruff: noqa: F811  (the fixtures are imported from tests/escrow/analysis_fixtures.py)

import pytest

from escrow.models import EscrowAnalysis, EscrowReport
from servicing.models import JobRun
from tests.escrow.analysis_fixtures import board, escrow_loan  # noqa: F401

pytestmark = pytest.mark.django_db

BATCH = "/ops/escrow-analysis/"


def test_batch_page_for_ops_not_agents(ops_client, client, agent):
    response = ops_client.get(BATCH)
    assert response.status_code == 200
    assert b"Run escrow analysis" in response.content
    assert b'href="/ops/escrow-analysis/"' in ops_client.get("/").content  # in the nav
    client.force_login(agent)
    assert client.get(BATCH).status_code == 403


def test_run_batch_then_reports_and_fetch(
    escrow_loan, ops_client, django_capture_on_commit_callbacks
):
    loan = escrow_loan()
    with django_capture_on_commit_callbacks(execute=True):
        response = ops_client.post(
            BATCH,
            {
                "start_date": "2025-01-01",
                "end_date": "2025-01-31",
                "update": "on",
                "generate_report": "on",
            },
        )
    job = JobRun.objects.get(kind=JobRun.Kind.ESCROW_ANALYSIS)
    assert response.status_code == 302
    assert response["Location"] == f"{BATCH}{job.pk}/"
    page = ops_client.get(response["Location"])
    assert b"Download CSV" in page.content
    assert loan.loan_number.encode() in page.content
    csv_report = EscrowReport.objects.get(job_run=job, fmt="csv")
    download = ops_client.get(f"{BATCH}reports/{csv_report.pk}/")
    assert download.status_code == 200
    assert loan.loan_number.encode() in b"".join(download)
    # htmx polls the status fragment only.
    fragment = ops_client.get(response["Location"], headers={"HX-Request": "true"})
    assert b"<h1>" not in fragment.content
    assert b"escrow-batch-status" in fragment.content
    fetched = ops_client.post(f"{BATCH}{job.pk}/fetch/")
    assert fetched.status_code == 302
    listing = ops_client.get(BATCH)
    assert b"-fetched.csv" in listing.content
    assert EscrowReport.objects.filter(job_run=job, fetched=True).count() == 2


def test_batch_form_errors(ops_client):
    response = ops_client.post(BATCH, {"start_date": "2025-02-01", "end_date": "2025-01-01"})
    assert response.status_code == 200
    assert b"The end date is before the start date." in response.content
    assert not JobRun.objects.exists()


def test_loan_analysis_action_and_page(escrow_loan, ops_client, agent, client):
    loan = escrow_loan()
    page = ops_client.get(f"/loans/{loan.loan_number}/")
    assert f"/loans/{loan.loan_number}/escrow/analysis/".encode() in page.content
    response = ops_client.post(
        f"/loans/{loan.loan_number}/escrow/analysis/", {"effective_date": "2026-01-15"}
    )
    assert response.status_code == 200
    analysis = EscrowAnalysis.objects.get(loan=loan)
    assert not analysis.updated
    assert b"escrow-analysis-rows" in response.content
    assert str(analysis.new_monthly_payment).encode() in response.content
    client.force_login(agent)
    assert client.get(f"/loans/{loan.loan_number}/escrow/analysis/").status_code == 403


def test_loan_analysis_page_shows_a_refusal_inline(escrow_loan, ops_client):
    loan = escrow_loan()
    url = f"/loans/{loan.loan_number}/escrow/analysis/"
    ops_client.post(url, {"effective_date": "2026-01-15", "update": "on"})
    response = ops_client.post(url, {"effective_date": "2026-01-15", "update": "on"})
    assert response.status_code == 200
    assert b"already updated for this computation year" in response.content


def test_batch_detail_lists_failures(escrow_loan, ops_client, django_capture_on_commit_callbacks):
    from unittest import mock

    loan = escrow_loan()
    with (
        mock.patch(
            "escrow.services.batch_analysis.decide", side_effect=RuntimeError("no schedule")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ops_client.post(BATCH, {"start_date": "2025-01-01", "end_date": "2025-01-31"})
    job = JobRun.objects.get(kind=JobRun.Kind.ESCROW_ANALYSIS)
    page = ops_client.get(f"{BATCH}{job.pk}/")
    assert b"Completed with errors" in page.content
    assert b"RuntimeError: no schedule" in page.content
    assert loan.loan_number.encode() in page.content
    assert b"hx-get" not in page.content  # finished: nothing polls
    assert b"Retry failed loans" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = ops_client.post(f"{BATCH}{job.pk}/resume/", follow=True)
    assert b"resumed" in response.content
    job.refresh_from_db()
    assert job.state == JobRun.State.SUCCEEDED
    again = ops_client.post(f"{BATCH}{job.pk}/resume/", follow=True)
    assert b"nothing to resume" in again.content


def test_a_batch_statement_shows_on_download_then_downloads_as_pdf(
    escrow_loan, ops_client, django_capture_on_commit_callbacks
):
    from io import BytesIO

    from pypdf import PdfReader

    from loans.models import LoanDocument

    loan = escrow_loan()
    with django_capture_on_commit_callbacks(execute=True):
        ops_client.post(BATCH, {"start_date": "2025-01-01", "end_date": "2025-01-31"})
    document = LoanDocument.objects.get(loan=loan)
    tab = ops_client.get(f"/loans/{loan.loan_number}/documents/", HTTP_HX_REQUEST="true")
    assert b"on download" in tab.content
    response = ops_client.get(f"/loans/{loan.loan_number}/documents/{document.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(response.content)).pages)
    assert loan.loan_number in text
    analysis = EscrowAnalysis.objects.get(loan=loan)
    assert f"{analysis.new_monthly_payment:,}" in text or str(analysis.new_monthly_payment) in text
    document.refresh_from_db()
    assert document.size == len(response.content)
    assert (
        b"on download"
        not in ops_client.get(
            f"/loans/{loan.loan_number}/documents/", HTTP_HX_REQUEST="true"
        ).content
    )
