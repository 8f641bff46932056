"""Job runs: progress and per-item errors of batch work, written set-wise with F()."""

from __future__ import annotations

import datetime as dt
import time

from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from servicing.activity import record_activity
from servicing.errors import DomainError
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


def claim_job(job_id: int, *, stale_after: dt.timedelta) -> bool:
    """Compare-and-set: take a job for a new or resumed attempt; False if a live run holds it.

    Any job but a succeeded one may be claimed, unless it is running and showed a sign
    of life (``heartbeat_at``) within ``stale_after``: a worker that died leaves its job
    running, and that job becomes claimable once it has been silent that long.
    A resumed attempt keeps what was done (total starts at done) and drops the previous
    attempt's item errors: those items are tried again and re-recorded if they fail.
    """
    now = timezone.now()
    alive = Q(state=JobRun.State.RUNNING, heartbeat_at__gte=now - stale_after)
    with transaction.atomic():
        claimed = (
            JobRun.objects.filter(pk=job_id)
            .exclude(state=JobRun.State.SUCCEEDED)
            .exclude(alive)
            .update(
                state=JobRun.State.RUNNING,
                heartbeat_at=now,
                started_at=Coalesce("started_at", Value(now)),
                finished_at=None,
                message="",
                total=F("done"),
                failed=0,
            )
        )
        if claimed:
            JobItemError.objects.filter(job_run_id=job_id).delete()
    return bool(claimed)


def add_progress(job_id: int, *, done: int = 0, failed: int = 0) -> None:
    """Add to the counters in one UPDATE, safe from concurrent chunk workers; a heartbeat too."""
    JobRun.objects.filter(pk=job_id).update(
        done=F("done") + done, failed=F("failed") + failed, heartbeat_at=timezone.now()
    )


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


def wait_for_job(job_id: int, *, stale_after: dt.timedelta, poll_seconds: float = 0.5) -> JobRun:
    """Poll a job row until it finishes. For commands only: a task that waits on the queue
    it runs from (one ``--pool=solo`` worker) waits forever.

    Gives up when the job shows no sign of life for ``stale_after`` (no worker, or it died).
    """
    while True:
        job = JobRun.objects.get(pk=job_id)
        if job.is_finished:
            return job
        last = job.heartbeat_at or job.created_at
        if timezone.now() - last > stale_after:
            raise DomainError(
                "job_stalled",
                f"{job} shows no progress since {timezone.localtime(last):%Y-%m-%d %H:%M:%S}: "
                "is a Celery worker running? Run it again to resume.",
            )
        time.sleep(poll_seconds)
