"""Batch escrow analysis (spec/escrow.md "Batch and individual analysis"): selection by
last analysis date, a job run with per-loan failures, idempotent re-runs, reports, email,
Fetch Report."""
# ruff: noqa: F811  (the fixtures are imported from tests/escrow/analysis_fixtures.py)

import csv
import datetime as dt
import io
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from escrow.batch import plan_batch, resume_batch, run_batch_chunk, select_loans, start_batch
from escrow.models import EscrowAnalysis, EscrowBatchItem, EscrowReport
from escrow.reports import fetch_report
from escrow.services import analysis as service
from escrow.services import batch_analysis
from loans.selectors import current_schedule_version
from servicing.errors import DomainError
from servicing.models import JobRun
from servicing.tenant import get_tenant_settings
from tests.escrow.analysis_fixtures import board, escrow_loan  # noqa: F401

pytestmark = pytest.mark.django_db

RANGE = {"start_date": dt.date(2025, 1, 1), "end_date": dt.date(2025, 1, 31)}


@pytest.fixture
def run_batch(django_capture_on_commit_callbacks):
    """Start a batch as a view does; its tasks (eager) run on commit."""

    def run(**options):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            job = start_batch(
                **{**RANGE, "update": True, "generate_report": True, "send_email": False} | options
            )
        assert len(callbacks) == 1  # queued after commit, never inside the transaction
        job.refresh_from_db()
        return job

    return run


@pytest.fixture
def loans(escrow_loan):
    first = escrow_loan(application_number="APP-E1", borrower_id="B-E1")
    second = escrow_loan(application_number="APP-E2", borrower_id="B-E2")
    outside = escrow_loan(application_number="APP-E3", borrower_id="B-E3")
    outside.escrow_accounts.update(last_analysis_date=dt.date(2025, 3, 1))
    return first, second, outside


def test_selection_by_last_analysis_date(loans):
    first, second, _ = loans
    assert select_loans(**RANGE) == [first.pk, second.pk]


def test_batch_updates_the_selected_loans(loans, run_batch, settings):
    settings.ESCROW_ANALYSIS_CHUNK_SIZE = 1  # two chunks, then the finish
    first, _, outside = loans
    job = run_batch()
    assert job.state == JobRun.State.SUCCEEDED
    assert (job.total, job.done, job.failed) == (2, 2, 0)
    assert EscrowAnalysis.objects.filter(job_run=job, updated=True).count() == 2
    assert current_schedule_version(first).version == 2
    assert current_schedule_version(outside).version == 1


def test_rerun_does_not_update_a_loan_twice(loans, run_batch):
    first, _, _ = loans
    # The range still holds the loans after the first run (their dates moved into it).
    wide = {"start_date": dt.date(2025, 1, 1), "end_date": dt.date(2026, 12, 31)}
    run_batch(**wide)
    again = run_batch(**wide)
    assert again.state == JobRun.State.SUCCEEDED
    assert EscrowAnalysis.objects.filter(loan=first, updated=True).count() == 1
    assert current_schedule_version(first).version == 2
    outcomes = set(EscrowBatchItem.objects.filter(job_run=again).values_list("outcome", flat=True))
    assert outcomes == {"already_analyzed"}


def test_a_failing_loan_is_listed_and_the_batch_goes_on(loans, run_batch):
    first, second, _ = loans
    real = batch_analysis.decide

    def flaky(loan, gathered):
        if loan.pk == first.pk:
            raise RuntimeError("disk on fire")
        return real(loan, gathered)

    with mock.patch("escrow.services.batch_analysis.decide", flaky):
        job = run_batch()
    assert job.state == JobRun.State.COMPLETED_WITH_ERRORS
    assert (job.done, job.failed) == (1, 1)
    error = job.errors.get()
    assert error.item_ref == first.loan_number
    assert "disk on fire" in error.message
    assert current_schedule_version(second).version == 2
    assert not EscrowAnalysis.objects.filter(loan=first).exists()
    rows = list(csv.DictReader(io.StringIO(bytes(csv_report(job).content).decode())))
    assert [r["Outcome"] for r in rows] == ["Analyzed", "failed"]


def test_a_chunk_whose_writes_fail_goes_loan_by_loan(loans, run_batch):
    """The set-based writes roll back whole; the reference path then analyzes each loan
    alone, so a loan that fails there fails alone."""
    first, second, _ = loans
    real = service.analyze_loan

    def flaky(loan, **kwargs):
        if loan.pk == first.pk:
            raise RuntimeError("disk on fire")
        return real(loan, **kwargs)

    with (
        mock.patch("escrow.services.batch_analysis._apply", side_effect=RuntimeError("bulk write")),
        mock.patch("escrow.batch.analyze_loan", flaky),
    ):
        job = run_batch()
    assert (job.done, job.failed) == (1, 1)
    assert "disk on fire" in job.errors.get().message
    assert EscrowAnalysis.objects.filter(job_run=job).count() == 1  # nothing of the chunk left
    assert current_schedule_version(second).version == 2
    assert current_schedule_version(first).version == 1


def csv_report(job, fetched=False):
    return EscrowReport.objects.get(job_run=job, fmt="csv", fetched=fetched)


def test_report_csv_content(loans, run_batch):
    first, second, _ = loans
    job = run_batch()
    report = csv_report(job)
    rows = list(csv.DictReader(io.StringIO(bytes(report.content).decode())))
    assert [r["Loan"] for r in rows] == sorted([first.loan_number, second.loan_number])
    analysis = EscrowAnalysis.objects.get(loan=first, job_run=job)
    row = next(r for r in rows if r["Loan"] == first.loan_number)
    assert row["Borrower"] == "Ann Lee"
    assert row["Current escrow payment"] == "130.00"
    assert row["New escrow payment"] == str(analysis.new_monthly_payment)
    assert row["Annual disbursements (D)"] == "1560.00"
    assert row["Cushion"] == "260.00"
    assert row["Required starting balance"] == str(analysis.required_starting_balance)
    assert row["Projected starting balance"] == "600.00"
    assert row["Updated"] == "yes"
    assert row["Rule outcomes"] == "none applied"
    pdf = EscrowReport.objects.get(job_run=job, fmt="pdf", fetched=False)
    assert bytes(pdf.content).startswith(b"%PDF")


def test_send_email_mails_both_reports_to_the_report_address(loans, run_batch):
    tenant = get_tenant_settings()
    tenant.report_email = "escrow-desk@example.com"
    tenant.save()
    job = run_batch(send_email=True, generate_report=False)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["escrow-desk@example.com"]
    assert f"#{job.pk}" in message.subject
    assert sorted(name for name, _, _ in message.attachments) == sorted(
        [f"escrow-analysis-20260115-job{job.pk}.csv", f"escrow-analysis-20260115-job{job.pk}.pdf"]
    )
    assert "Emailed to escrow-desk@example.com" in job.message


def test_fetch_report_regenerates_into_downloaded_reports(loans, run_batch):
    job = run_batch(generate_report=False)
    assert not EscrowReport.objects.filter(job_run=job).exists()
    reports = fetch_report(job)
    assert {r.fmt for r in reports} == {"csv", "pdf"}
    assert all(r.fetched for r in reports)
    rows = list(csv.DictReader(io.StringIO(bytes(csv_report(job, fetched=True).content).decode())))
    assert len(rows) == 2


def test_empty_range_finishes_with_an_empty_report(loans, run_batch):
    job = run_batch(start_date=dt.date(2020, 1, 1), end_date=dt.date(2020, 1, 2))
    assert job.state == JobRun.State.SUCCEEDED
    assert job.total == 0
    assert csv_report(job).rows == 0


def test_retry_tries_the_failed_loans_only(loans, run_batch, django_capture_on_commit_callbacks):
    first, _, _ = loans
    real = batch_analysis.analyze_chunk
    with mock.patch("escrow.services.batch_analysis.decide", side_effect=_fail_for(first)):
        job = run_batch()
    assert job.state == JobRun.State.COMPLETED_WITH_ERRORS
    with (
        mock.patch("escrow.batch.analyze_chunk", wraps=real) as analyze,
        django_capture_on_commit_callbacks(execute=True),
    ):
        resume_batch(job)
    job.refresh_from_db()
    assert [c.args[1] for c in analyze.call_args_list] == [[first.pk]]
    assert job.state == JobRun.State.SUCCEEDED
    assert (job.total, job.done, job.failed) == (2, 2, 0)
    assert EscrowAnalysis.objects.filter(updated=True).count() == 2
    assert EscrowBatchItem.objects.filter(job_run=job).count() == 2


def _fail_for(loan_to_fail):
    real = batch_analysis.decide

    def flaky(loan, gathered):
        if loan.pk == loan_to_fail.pk:
            raise RuntimeError("disk on fire")
        return real(loan, gathered)

    return flaky


def test_stalled_batch_resumes_and_a_live_one_does_not(
    loans, settings, django_capture_on_commit_callbacks
):
    first, second, _ = loans
    with mock.patch("escrow.batch._dispatch"):  # the worker that dies
        job = start_batch(**RANGE, update=True, generate_report=False, send_email=False)
    plan_batch(job.pk)
    run_batch_chunk(job_run_id=job.pk, loan_ids=[first.pk])  # then it dies
    job.refresh_from_db()
    with pytest.raises(DomainError) as exc:  # still alive (its heartbeat is fresh)
        resume_batch(job)
    assert exc.value.code == "batch_not_resumable"
    JobRun.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(seconds=settings.COB_STALE_AFTER_SECONDS + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        resume_batch(job)
    job.refresh_from_db()
    assert job.state == JobRun.State.SUCCEEDED
    assert (job.total, job.done) == (2, 2)
    assert EscrowAnalysis.objects.filter(loan=first).count() == 1  # not analyzed again
    assert current_schedule_version(second).version == 2
