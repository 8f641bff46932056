"""Close of business (COB): the registry of daily steps and the run of a business date.

Apps register their steps from ``AppConfig.ready()``; the kernel never imports them.
spec/accrual.md "COB" fixes the order: 1 accrual, 2 default interest, 3 reprice, 4 dues
and DPD, 5 other apps' steps. Moving the business date on is the framework's last act.

A step is either *per item*: ``select(business_date)`` gives the ids still to process for
that date and ``run_chunk(ids, business_date)`` processes some of them and returns the
``[(item_ref, message)]`` that failed; or *once per date*: ``run_once(business_date)``
(a month-end file). Each step is idempotent per (item, date) and its selection leaves
out what is done, so a re-run or a resumed crash processes only the rest. ``run_chunk``
owns its transactions (the framework opens none around it, so it may call durable
services); a chunk that raises is retried item by item so a bad loan fails alone.

Orchestration: no task ever waits for another. CI runs one ``--pool=solo`` worker, so a
task waiting for its own subtasks would wait forever. A date is one Celery chain:
``cob_step_task`` for each step in order, then ``cob_close_task``. A per-item step task
selects its ids and *replaces itself* with a group of ``cob_chunk_task`` (Celery turns
it into a chord whose body is the rest of the chain), so the next step starts when the
last chunk ends, on whichever worker ends it. ``cob_close_task`` moves the business date
on, finishes the job and, when a later ``through`` date was asked for, queues the next
date's chain. Under eager Celery (tests, the embedded default) the same chain runs
inline, in order. ``run_cob`` (the command) instead closes one date at a time and polls
the job row in between: that is safe because the command's process is not a worker.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from celery import chain, current_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from servicing.activity import record_activity
from servicing.business_date import get_business_date, set_business_date
from servicing.errors import DomainError
from servicing.jobs import (
    add_progress,
    claim_job,
    create_job,
    finish_job,
    record_item_errors,
    wait_for_job,
)
from servicing.models import JobRun

logger = logging.getLogger(__name__)

Failures = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class CobStep:
    name: str
    order: int
    label: str
    select: Callable[[dt.date], Iterable[int]] | None = None
    run_chunk: Callable[[list[int], dt.date], Failures] | None = None
    run_once: Callable[[dt.date], None] | None = None

    @property
    def per_item(self) -> bool:
        return self.run_once is None


_STEPS: dict[str, CobStep] = {}


def register_cob_step(
    name: str,
    *,
    order: int,
    select: Callable[[dt.date], Iterable[int]] | None = None,
    run_chunk: Callable[[list[int], dt.date], Failures] | None = None,
    run_once: Callable[[dt.date], None] | None = None,
    label: str = "",
) -> CobStep:
    """Register a step: ``select`` and ``run_chunk`` (per item) or ``run_once`` (per date)."""
    per_item = select is not None and run_chunk is not None and run_once is None
    per_date = run_once is not None and select is None and run_chunk is None
    if not (per_item or per_date):
        raise ImproperlyConfigured(f"COB step {name!r}: give select and run_chunk, or run_once.")
    if name in _STEPS:
        raise ImproperlyConfigured(f"COB step {name!r} is already registered.")
    label = label or name.replace("_", " ").capitalize()
    step = CobStep(name, order, label, select=select, run_chunk=run_chunk, run_once=run_once)
    _STEPS[name] = step
    return step


def cob_steps() -> list[CobStep]:
    """The registered steps in run order (``order``, then name)."""
    return sorted(_STEPS.values(), key=lambda step: (step.order, step.name))


def get_cob_step(name: str) -> CobStep:
    try:
        return _STEPS[name]
    except KeyError:
        raise ImproperlyConfigured(f"No COB step {name!r} is registered here.") from None


@contextmanager
def isolated_cob_steps() -> Iterator[None]:
    """For tests: an empty registry inside the block; the apps' steps are back after it."""
    saved = dict(_STEPS)
    _STEPS.clear()
    try:
        yield
    finally:
        _STEPS.clear()
        _STEPS.update(saved)


# --- Starting dates ----------------------------------------------------------------------


def close_business_date(business_date: dt.date, *, actor=None) -> JobRun:
    """Close the current business date: one job run per date, resumed if left unfinished.

    A date whose job succeeded is not run again. Returns the job: finished under eager
    Celery, running when a worker does the work (``wait_for_job`` follows it).
    """
    return _start_date(business_date, through=business_date, actor=actor)


def queue_cob(through: dt.date | None = None, *, actor=None) -> JobRun:
    """Queue COB from the current business date through ``through`` (default: that date).

    Never waits, so tasks (the nightly beat) and views use it. Returns the first date's
    job; each date's close task queues the next date.
    """
    current = get_business_date()
    through = through or current
    _refuse_past(through, current)
    return _start_date(current, through=through, actor=actor)


def run_cob(
    through: dt.date, *, actor=None, on_date: Callable[[JobRun], None] | None = None
) -> list[JobRun]:
    """Close every date from the current business date through ``through``, in order.

    Waits for each date's job (polling its row), so it is for commands, never for a task.
    Stops at a date that failed or whose failures keep the business date
    (``COB_BLOCK_ON_ERRORS``). ``on_date(job)`` is called as each date finishes.
    """
    if current_task and not current_task.request.is_eager:
        raise RuntimeError("run_cob waits for Celery tasks: inside a task, call queue_cob.")
    if transaction.get_connection().in_atomic_block:
        # Each date's work is queued on commit: waiting inside a transaction never ends.
        raise RuntimeError("run_cob commits date by date: call it outside a transaction.")
    _refuse_past(through, get_business_date())
    jobs = []
    while (business_date := get_business_date()) <= through:
        try:
            job = close_business_date(business_date, actor=actor)
        except DomainError:
            raise
        except Exception:
            # Eager Celery raises a step's error here; the job is marked failed (and the
            # error logged) already, as a worker would: report it the same way.
            job = JobRun.objects.get(kind=JobRun.Kind.COB, business_date=business_date)
        job = wait_for_job(job.pk, stale_after=_stale_after())
        jobs.append(job)
        if on_date is not None:
            on_date(job)
        if job.state == JobRun.State.FAILED:
            raise DomainError(
                "cob_failed",
                f"Close of business for {business_date} failed (job #{job.pk}): {job.message}",
            )
        if get_business_date() <= business_date:
            raise DomainError("cob_blocked", job.message)
    return jobs


def _refuse_past(through: dt.date, current: dt.date) -> None:
    if through < current:
        raise DomainError(
            "cob_through_past",
            f"The business date is {current}; dates before it are closed. "
            f"Choose {current} or later.",
        )


def _start_date(business_date: dt.date, *, through: dt.date, actor) -> JobRun:
    current = get_business_date()
    job = JobRun.objects.filter(kind=JobRun.Kind.COB, business_date=business_date).first()
    if job is not None and business_date < current:
        return job  # the date was closed and the business date moved past it: nothing to do
    if business_date != current:
        raise DomainError(
            "cob_not_business_date",
            f"The business date is {current}: close of business runs for it, "
            f"not for {business_date}.",
        )
    if job is None:
        job = _create_job(business_date, actor=actor)
    if job.state == JobRun.State.SUCCEEDED:
        # No step runs again; only the last act is redone if the date was set back by hand.
        _move_date_past(business_date)
        following = business_date + dt.timedelta(days=1)
        if following <= through:
            return _start_date(following, through=through, actor=actor)
        return job
    if not claim_job(job.pk, stale_after=_stale_after()):
        job.refresh_from_db()
        last = timezone.localtime(job.heartbeat_at)
        raise DomainError(
            "cob_running",
            f"Close of business for {business_date} is running (job #{job.pk}, last "
            f"progress at {last:%H:%M:%S}).",
        )
    attempt = _count_attempt(job, through=through, actor=actor)
    actor_id = getattr(actor, "pk", None)
    transaction.on_commit(
        partial(_dispatch_date, job.pk, attempt, business_date, through, actor_id)
    )
    job.refresh_from_db()
    return job


def _create_job(business_date: dt.date, *, actor) -> JobRun:
    try:
        with transaction.atomic():
            return create_job(kind=JobRun.Kind.COB, business_date=business_date, actor=actor)
    except IntegrityError:  # one_cob_job_per_date: another caller created it just now
        return JobRun.objects.get(kind=JobRun.Kind.COB, business_date=business_date)


def _count_attempt(job: JobRun, *, through: dt.date, actor) -> int:
    attempt = job.params.get("attempt", 0) + 1
    params = {**job.params, "attempt": attempt, "through": through.isoformat()}
    params.pop("step", None)
    JobRun.objects.filter(pk=job.pk).update(params=params)
    if attempt > 1:
        record_activity(
            actor=actor,
            action="job.resumed",
            summary=f"{job} resumed (attempt {attempt})",
            target=job,
            business_date=job.business_date,
        )
    return attempt


def _dispatch_date(
    job_run_id: int, attempt: int, business_date: dt.date, through: dt.date, actor_id
) -> None:
    from servicing.tasks import cob_close_task, cob_step_task

    run = {"job_run_id": job_run_id, "attempt": attempt, "business_date": business_date.isoformat()}
    steps = [cob_step_task.si(**run, step=step.name) for step in cob_steps()]
    close = cob_close_task.si(**run, through=through.isoformat(), actor_id=actor_id)
    chain(*steps, close).apply_async()


# --- The work of a date (called by the tasks) --------------------------------------------


def plan_cob_step(
    *, job_run_id: int, attempt: int, business_date: dt.date, step_name: str
) -> list[list[int]]:
    """Start a step: run a once-per-date step now, or select a per-item step's ids and cut
    them into chunks of ``COB_CHUNK_SIZE`` for the caller to fan out."""
    if not _is_current(job_run_id, attempt):
        return []
    with _failing_job(job_run_id):
        steps = cob_steps()
        step = get_cob_step(step_name)
        _show_step(job_run_id, step, position=steps.index(step) + 1, count=len(steps))
        if not step.per_item:
            step.run_once(business_date)
            return []
        # Sorted and distinct: chunks never overlap and lock loans in id order.
        ids = sorted({int(item) for item in step.select(business_date)})
        if ids:
            JobRun.objects.filter(pk=job_run_id).update(
                total=F("total") + len(ids), heartbeat_at=timezone.now()
            )
        size = settings.COB_CHUNK_SIZE
        return [ids[start : start + size] for start in range(0, len(ids), size)]


def run_cob_chunk(
    *, job_run_id: int, attempt: int, business_date: dt.date, step_name: str, ids: list[int]
) -> int:
    """Run a chunk of a per-item step and count it; returns how many items failed.

    A chunk that raises is retried item by item: one bad loan fails alone, with its
    message, and never stops the others.
    """
    if not _is_current(job_run_id, attempt):
        return 0
    with _failing_job(job_run_id):
        step = get_cob_step(step_name)
        try:
            failures = list(step.run_chunk(ids, business_date))
        except Exception:
            logger.warning("COB %s: a chunk of %d raised; retrying one by one", step.name, len(ids))
            failures = []
            for item in ids:
                try:
                    failures.extend(step.run_chunk([item], business_date))
                except Exception as exc:
                    logger.exception("COB %s failed for item %s", step.name, item)
                    failures.append((str(item), _describe(exc)))
        errors = [(str(ref)[:100], f"{step.label}: {message}") for ref, message in failures]
        with transaction.atomic():
            record_item_errors(job_run_id, errors)
            add_progress(job_run_id, done=max(0, len(ids) - len(errors)))
        return len(errors)


def close_cob_date(
    *,
    job_run_id: int,
    attempt: int,
    business_date: dt.date,
    through: dt.date | None = None,
    actor_id=None,
) -> JobRun | None:
    """The last act: move the business date to the next day, finish the job, queue the next
    date when ``through`` is later.

    Failed items do not hold the date: they stay behind, and the next date's selection
    (or inline catch-up) picks them up, unless ``COB_BLOCK_ON_ERRORS`` keeps the date.
    """
    if not _is_current(job_run_id, attempt):
        return None
    with _failing_job(job_run_id):
        job = JobRun.objects.get(pk=job_run_id)
        following = business_date + dt.timedelta(days=1)
        blocked = bool(job.failed) and settings.COB_BLOCK_ON_ERRORS
        if blocked:
            message = (
                f"{job.failed} failed; the business date stays {business_date} "
                "(COB_BLOCK_ON_ERRORS). Fix them and run close of business again."
            )
        else:
            message = f"Business date moved to {following}."
            if job.failed:
                items = "item stays" if job.failed == 1 else "items stay"
                message += f" {job.failed} failed {items} behind for the next date's run."
        with transaction.atomic():
            if not blocked:
                _move_date_past(business_date)
            job = finish_job(job_run_id, message=message)
    if not blocked and through is not None and following <= through:
        actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
        try:
            _start_date(following, through=through, actor=actor)
        except DomainError as exc:
            logger.warning("Close of business stopped before %s: %s", following, exc.message)
    return job


def _is_current(job_run_id: int, attempt: int) -> bool:
    """False for a task of an earlier attempt: a message redelivered after its worker died
    (acks_late) while a resumed attempt took over, or finished, the date."""
    job = JobRun.objects.only("state", "params").get(pk=job_run_id)
    if job.is_finished or job.params.get("attempt") != attempt:
        logger.warning("Skipping a task of attempt %s of %s: not the running attempt", attempt, job)
        return False
    return True


def _move_date_past(business_date: dt.date) -> None:
    if get_business_date() == business_date:
        set_business_date(business_date + dt.timedelta(days=1))


def _show_step(job_run_id: int, step: CobStep, *, position: int, count: int) -> None:
    # Only the step task writes params while the date runs (steps run one after another).
    job = JobRun.objects.get(pk=job_run_id)
    shown = {"name": step.name, "label": step.label, "position": position, "count": count}
    JobRun.objects.filter(pk=job_run_id).update(
        params={**job.params, "step": shown}, heartbeat_at=timezone.now()
    )


@contextmanager
def _failing_job(job_run_id: int) -> Iterator[None]:
    """An unexpected error stops the date: the job is marked failed and stays resumable."""
    try:
        yield
    except Exception as exc:
        logger.exception("Close of business job #%s failed", job_run_id)
        if not JobRun.objects.get(pk=job_run_id).is_finished:
            message = f"{_describe(exc)} Run it again to resume."
            finish_job(job_run_id, crashed=True, message=message)
        raise


def _describe(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    return f"{type(exc).__name__}: {exc}"


def _stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.COB_STALE_AFTER_SECONDS)
