"""Job runs: progress and per-item errors of batch work, written set-wise with F()."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from servicing.activity import record_activity
from servicing.models import JobItemError, JobRun


def create_job(
    *, kind: str, business_date: dt.date, total: int = 0, params: dict | None = None, actor=None
) -> JobRun:
    """A queued job run, recorded in the activity log."""
    job = JobRun.objects.create(
        kind=kind,
        business_date=business_date,
        total=total,
        params=params or {},
        started_by=actor if getattr(actor, "pk", None) else None,
    )
    record_activity(
        actor=actor,
        action="job.created",
        summary=f"{job.get_kind_display()} for {business_date.isoformat()} queued",
        target=job,
        business_date=business_date,
    )
    return job


def start_job(job_id: int, *, total: int | None = None) -> None:
    """Mark a job running (compare-and-set: only a queued job starts)."""
    fields = {"state": JobRun.State.RUNNING, "started_at": timezone.now()}
    if total is not None:
        fields["total"] = total
    JobRun.objects.filter(pk=job_id, state=JobRun.State.QUEUED).update(**fields)


def add_progress(job_id: int, *, done: int = 0, failed: int = 0) -> None:
    """Add to the counters in one UPDATE, safe from concurrent chunk workers."""
    JobRun.objects.filter(pk=job_id).update(done=F("done") + done, failed=F("failed") + failed)


def record_item_errors(job_id: int, errors: list[tuple[str, str]]) -> None:
    """Record failed items ``[(item_ref, message), ...]`` and count them as failed."""
    if not errors:
        return
    with transaction.atomic():
        JobItemError.objects.bulk_create(
            [JobItemError(job_run_id=job_id, item_ref=ref, message=msg) for ref, msg in errors]
        )
        add_progress(job_id, failed=len(errors))


def finish_job(job_id: int, *, message: str = "", crashed: bool = False) -> JobRun:
    """Close a job: failed when it crashed, with errors when some items failed."""
    job = JobRun.objects.get(pk=job_id)
    if crashed:
        state = JobRun.State.FAILED
    elif job.failed:
        state = JobRun.State.COMPLETED_WITH_ERRORS
    else:
        state = JobRun.State.SUCCEEDED
    JobRun.objects.filter(pk=job_id).update(
        state=state, finished_at=timezone.now(), message=message
    )
    job.refresh_from_db()
    record_activity(
        actor=None,
        action="job.finished",
        summary=f"{job} finished: {job.get_state_display()} ({job.done} done, {job.failed} failed)",
        target=job,
        business_date=job.business_date,
    )
    return job
