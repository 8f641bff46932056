"""Batch escrow analysis (spec/escrow.md "Batch and individual analysis"): the loans whose
auto-analysis accounts were last analyzed within a date range, analyzed as a job run.

The job's chunks of loan ids run as Celery tasks (escrow/tasks.py: a chord of chunk tasks,
then ``finish_batch``); under eager Celery they run inline. A chunk is analyzed
set-based (escrow/services/batch_analysis.py); ``analyze_loan`` is the reference path for
the loans it leaves and for a chunk whose writes failed. A per-loan failure is the job's
item error and the batch goes on. Re-running a batch never updates a loan twice for
one computation year: ``analyze_loan`` refuses (``already_analyzed``), and the batch
records the stored analysis that did it instead (``EscrowBatchItem.Outcome``).
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from escrow.models import EscrowAccount, EscrowAnalysis, EscrowBatchItem
from escrow.reports import email_reports, loans_text, write_reports
from escrow.services.analysis import analyze_loan
from escrow.services.batch_analysis import analyze_chunk
from loans.models import Loan
from servicing.activity import record_activity
from servicing.business_date import get_business_date
from servicing.errors import DomainError
from servicing.jobs import (
    add_progress,
    claim_job,
    create_job,
    finish_job,
    record_item_errors,
    start_job,
)
from servicing.models import JobRun

logger = logging.getLogger(__name__)


def select_loans(start_date: dt.date, end_date: dt.date) -> list[int]:
    """Open loans with an auto-analysis account last analyzed in [start_date, end_date]."""
    return list(
        EscrowAccount.objects.filter(
            auto_analysis=True,
            last_analysis_date__range=(start_date, end_date),
            loan__status=Loan.Status.OPEN,
        )
        .values_list("loan_id", flat=True)
        .distinct()
        .order_by("loan_id")
    )


def start_batch(
    *,
    start_date: dt.date,
    end_date: dt.date,
    update: bool,
    generate_report: bool,
    send_email: bool,
    actor=None,
) -> JobRun:
    """Queue a batch (inside the caller's transaction): its tasks start after commit."""
    business_date = get_business_date()
    job = create_job(
        kind=JobRun.Kind.ESCROW_ANALYSIS,
        business_date=business_date,
        params={
            "start_date": start_date.isoformat(),
            "end_date": end_date.isoformat(),
            # The analyses' effective date: the business date the batch was started on.
            "effective_date": business_date.isoformat(),
            "update": update,
            "generate_report": generate_report,
            "send_email": send_email,
        },
        actor=actor,
    )
    transaction.on_commit(partial(_dispatch, job.pk))
    return job


def _dispatch(job_run_id: int) -> None:
    from celery import chain

    from escrow.tasks import escrow_batch_finish_task, escrow_batch_task

    chain(
        escrow_batch_task.si(job_run_id=job_run_id),
        escrow_batch_finish_task.si(job_run_id=job_run_id),
    ).apply_async()


def plan_batch(job_run_id: int) -> list[list[int]]:
    """Select the loans not done yet by this job (all of them on its first attempt), start
    the job with their count; the chunks of ids to run."""
    job = JobRun.objects.get(pk=job_run_id)
    done = set(EscrowBatchItem.objects.filter(job_run=job).values_list("loan_id", flat=True))
    ids = [
        pk
        for pk in select_loans(
            dt.date.fromisoformat(job.params["start_date"]),
            dt.date.fromisoformat(job.params["end_date"]),
        )
        if pk not in done
    ]
    start_job(job_run_id)  # a first attempt: queued -> running (a resumed one is running)
    JobRun.objects.filter(pk=job_run_id).update(total=F("done") + len(ids))
    size = settings.ESCROW_ANALYSIS_CHUNK_SIZE
    return [ids[k : k + size] for k in range(0, len(ids), size)]


def resume_batch(job: JobRun, *, actor=None) -> JobRun:
    """Run a batch again: one whose worker died (running, silent for
    COB_STALE_AFTER_SECONDS) or one that ended with failures. Loans it already analyzed
    are skipped; its failed loans are tried again (``claim_job`` drops their errors)."""
    if job.kind != JobRun.Kind.ESCROW_ANALYSIS:
        raise DomainError("not_escrow_batch", f"Job #{job.pk} is not an escrow analysis batch.")
    stale = dt.timedelta(seconds=settings.COB_STALE_AFTER_SECONDS)
    if job.state == JobRun.State.SUCCEEDED or not claim_job(job.pk, stale_after=stale):
        raise DomainError(
            "batch_not_resumable",
            f"Batch #{job.pk} is {job.get_state_display().lower()}: nothing to resume.",
        )
    record_activity(
        actor=actor,
        action="job.resumed",
        summary=f"{job} resumed",
        target=job,
        business_date=job.business_date,
    )
    transaction.on_commit(partial(_dispatch, job.pk))
    job.refresh_from_db()
    return job


def run_batch_chunk(*, job_run_id: int, loan_ids: list[int]) -> None:
    """Analyze the chunk set-based (``analyze_chunk``), then its progress in one step; the
    loans it leaves (behind the business date), or all of them when its bulk writes
    failed, loan by loan."""
    job = JobRun.objects.select_related("started_by").get(pk=job_run_id)
    effective_date = dt.date.fromisoformat(job.params["effective_date"])
    update = bool(job.params.get("update"))
    try:
        result = analyze_chunk(
            job,
            loan_ids,
            effective_date=effective_date,
            update=update,
            business_date=get_business_date(),
        )
    except Exception:  # the chunk rolled back: each loan alone, so a bad one fails alone
        logger.exception("Escrow batch %s: a chunk failed set-based, going loan by loan", job.pk)
        analyze_one_by_one(job, loan_ids, effective_date, update)
        return
    record_item_errors(job_run_id, result.errors)
    add_progress(job_run_id, done=result.done)
    analyze_one_by_one(job, result.left, effective_date, update)


def analyze_one_by_one(job: JobRun, loan_ids: list[int], effective_date, update: bool) -> None:
    """The reference path: ``analyze_loan`` for each loan the job holds no item for, with
    progress after each."""
    seen = set(
        EscrowBatchItem.objects.filter(job_run=job, loan_id__in=loan_ids).values_list(
            "loan_id", flat=True
        )
    )
    for loan in Loan.objects.filter(pk__in=loan_ids).exclude(pk__in=seen).order_by("pk"):
        try:
            analysis, outcome = _analyze(loan, job, effective_date, update)
            EscrowBatchItem.objects.create(
                job_run=job, loan=loan, analysis=analysis, outcome=outcome
            )
        except IntegrityError:  # a resumed chunk raced another worker on this loan
            continue
        except DomainError as exc:
            record_item_errors(job.pk, [(loan.loan_number, f"{exc.code}: {exc.message}")])
            continue
        except Exception as exc:  # one loan's failure never stops the batch
            logger.exception("Escrow analysis of %s failed", loan.loan_number)
            record_item_errors(job.pk, [(loan.loan_number, f"{type(exc).__name__}: {exc}")])
            continue
        add_progress(job.pk, done=1)


def _analyze(loan, job, effective_date, update) -> tuple[EscrowAnalysis, str]:
    try:
        analysis = analyze_loan(
            loan, effective_date=effective_date, update=update, actor=job.started_by, job_run=job
        )
    except DomainError as exc:
        if exc.code != "already_analyzed" or not exc.extra.get("analysis_id"):
            raise
        done = EscrowAnalysis.objects.get(pk=exc.extra["analysis_id"])
        return done, EscrowBatchItem.Outcome.ALREADY_ANALYZED
    return analysis, EscrowBatchItem.Outcome.ANALYZED


def finish_batch(*, job_run_id: int) -> JobRun:
    """The reports (when asked or to mail them), the email, then the job's end state."""
    job = JobRun.objects.get(pk=job_run_id)
    message = ""
    try:
        if job.params.get("generate_report") or job.params.get("send_email"):
            reports = write_reports(job)
            message = f"Report: {loans_text(reports[0].rows)}."
            if job.params.get("send_email"):
                address = email_reports(job, reports)
                message += f" Emailed to {address}."
    except Exception as exc:  # the analyses stand; say what went wrong with the report
        logger.exception("Escrow batch report of job %s failed", job_run_id)
        message = f"Report failed: {type(exc).__name__}: {exc}"
    return finish_job(job_run_id, message=message)
