"""The COB framework with steps the tests register (the loans steps plug in the same way)."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError
from django.utils import timezone

from servicing import cob
from servicing.business_date import get_business_date, set_business_date
from servicing.cob import (
    close_business_date,
    cob_steps,
    isolated_cob_steps,
    queue_cob,
    register_cob_step,
    run_cob,
)
from servicing.errors import DomainError
from servicing.jobs import claim_job, create_job, wait_for_job
from servicing.models import ActivityEntry, JobRun

BD = dt.date(2026, 11, 23)
NEXT = BD + dt.timedelta(days=1)


class WorkerKilled(BaseException):
    """Stands for a worker dying mid-run: nothing in the framework catches it."""


@dataclass
class Book:
    """What the test steps did. ``done`` counts each (step, item, date): must end at 1."""

    done: Counter = field(default_factory=Counter)
    calls: list = field(default_factory=list)  # (step, date, ids) per run_chunk/run_once call

    def chunks(self, step: str) -> list[tuple[int, ...]]:
        return [ids for name, _, ids in self.calls if name == step]


def item_step(book, name, *, order, items, fail=(), explode=(), crash_at_call=None):
    """A per-item step over ``items``, idempotent per (item, date) like a real one.

    ``fail``: items it reports as failed; ``explode``: a chunk holding one raises;
    ``crash_at_call``: the n-th run_chunk call (1-based) kills the "worker".
    """

    def select(business_date):
        return [i for i in items if (name, i, business_date) not in book.done]

    def run_chunk(ids, business_date):
        book.calls.append((name, business_date, tuple(ids)))
        if crash_at_call is not None and len(book.chunks(name)) == crash_at_call:
            raise WorkerKilled
        if any(i in explode for i in ids):
            raise ValueError(f"bad rate on {[i for i in ids if i in explode]}")
        failures = []
        for i in ids:
            if i in fail:
                failures.append((f"L-{i}", "no index value"))
            else:
                book.done[(name, i, business_date)] += 1
        return failures

    return register_cob_step(name, order=order, select=select, run_chunk=run_chunk)


def once_step(book, name, *, order, error=None):
    def run_once(business_date):
        book.calls.append((name, business_date, ()))
        if error is not None:
            raise error

    return register_cob_step(name, order=order, run_once=run_once, label=name.title())


@pytest.fixture
def book(db, settings):
    settings.COB_CHUNK_SIZE = 3
    settings.COB_BLOCK_ON_ERRORS = False
    set_business_date(BD)
    with isolated_cob_steps():
        yield Book()


@pytest.fixture
def close(django_capture_on_commit_callbacks):
    """Close the current business date, running the work queued on commit (eager Celery)."""

    def run(business_date=None, **kwargs) -> JobRun:
        with django_capture_on_commit_callbacks(execute=True):
            job = close_business_date(business_date or get_business_date(), **kwargs)
        job.refresh_from_db()
        return job

    return run


# --- Registry ---------------------------------------------------------------------------


def test_a_step_name_is_registered_once(book):
    item_step(book, "accrue", order=1, items=[1])
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        item_step(book, "accrue", order=2, items=[1])


@pytest.mark.parametrize(
    "kinds",
    [
        {},
        {"select": list},
        {"run_chunk": list},
        {"select": list, "run_chunk": list, "run_once": id},
    ],
)
def test_a_step_is_per_item_or_once_per_date(book, kinds):
    with pytest.raises(ImproperlyConfigured, match="give select and run_chunk, or run_once"):
        register_cob_step("odd", order=1, **kinds)


def test_isolated_registry_gives_the_apps_steps_back(db):
    before = cob_steps()
    with isolated_cob_steps():
        register_cob_step("temporary", order=1, run_once=lambda d: None)
        assert [s.name for s in cob_steps()] == ["temporary"]
    assert cob_steps() == before


# --- One date ---------------------------------------------------------------------------


def test_steps_run_in_order_then_the_date_moves_on(book, close):
    # Registered out of order, as apps' ready() would: order decides, then the name.
    once_step(book, "month_end_file", order=5)
    item_step(book, "dues_dpd", order=4, items=[1, 2])
    item_step(book, "accrual", order=1, items=[1, 2])
    item_step(book, "default_interest", order=2, items=[2])
    item_step(book, "b_reprice", order=3, items=[1])
    item_step(book, "a_reprice", order=3, items=[1])

    job = close()

    assert [name for name, _, _ in book.calls] == [
        "accrual",
        "default_interest",
        "a_reprice",
        "b_reprice",
        "dues_dpd",
        "month_end_file",
    ]
    assert {d for _, d, _ in book.calls} == {BD}
    assert (job.state, job.total, job.done, job.failed) == (JobRun.State.SUCCEEDED, 7, 7, 0)
    assert get_business_date() == NEXT
    assert job.message == f"Business date moved to {NEXT}."
    assert ActivityEntry.objects.filter(action="business_date.set", actor=None).exists()


def test_ids_are_cut_into_chunks_of_cob_chunk_size(book, close):
    item_step(book, "accrual", order=1, items=[7, 3, 1, 5, 2, 6, 4, 3])  # unsorted, a duplicate
    job = close()
    assert book.chunks("accrual") == [(1, 2, 3), (4, 5, 6), (7,)]
    assert (job.total, job.done) == (7, 7)


def test_a_date_with_nothing_to_do_still_closes(book, close):
    item_step(book, "accrual", order=1, items=[])
    job = close()
    assert book.calls == []
    assert (job.state, job.total) == (JobRun.State.SUCCEEDED, 0)
    assert get_business_date() == NEXT


def test_a_failed_item_is_recorded_and_the_others_are_done(book, close):
    item_step(book, "accrual", order=1, items=[1, 2, 3, 4, 5], fail={2})
    item_step(book, "dues", order=2, items=[1, 2, 3, 4, 5])

    job = close()

    assert (job.state, job.done, job.failed) == (JobRun.State.COMPLETED_WITH_ERRORS, 9, 1)
    assert [(e.item_ref, e.message) for e in job.errors.all()] == [
        ("L-2", "Accrual: no index value")
    ]
    assert sum(book.done.values()) == 9 and ("accrual", 2, BD) not in book.done
    # The date still moves on: loan 2 stays behind for the next date's selection.
    assert get_business_date() == NEXT
    assert "1 failed item stays behind" in job.message


def test_a_chunk_that_raises_is_retried_item_by_item(book, close):
    item_step(book, "accrual", order=1, items=[1, 2, 3, 4, 5, 6], explode={5})

    job = close()

    assert book.chunks("accrual") == [(1, 2, 3), (4, 5, 6), (4,), (5,), (6,)]
    assert (job.state, job.done, job.failed) == (JobRun.State.COMPLETED_WITH_ERRORS, 5, 1)
    error = job.errors.get()
    assert (error.item_ref, error.message) == ("5", "Accrual: ValueError: bad rate on [5]")
    assert all(count == 1 for count in book.done.values())


def test_rerunning_a_succeeded_date_is_a_noop(book, close):
    item_step(book, "accrual", order=1, items=[1, 2])
    once_step(book, "report", order=5)
    job = close()
    calls = list(book.calls)

    again = close(BD)  # the business date is NEXT now: BD is closed

    assert again.pk == job.pk and again.state == JobRun.State.SUCCEEDED
    assert book.calls == calls
    assert get_business_date() == NEXT
    assert JobRun.objects.filter(kind=JobRun.Kind.COB).count() == 1

    # Set back by hand (no loan closed past it): still no step, the date moves on again.
    set_business_date(BD)
    assert close().pk == job.pk
    assert book.calls == calls
    assert get_business_date() == NEXT


def test_a_crash_mid_run_resumes_with_only_the_rest(book, close):
    items = list(range(1, 11))
    item_step(book, "accrual", order=1, items=items, crash_at_call=3)
    item_step(book, "dues", order=2, items=items)

    with pytest.raises(WorkerKilled):
        close()

    job = JobRun.objects.get(kind=JobRun.Kind.COB, business_date=BD)
    assert (job.state, job.done, job.total) == (JobRun.State.RUNNING, 6, 10)
    assert get_business_date() == BD
    # The dead run still holds its lease: a second run is refused until it goes stale.
    with pytest.raises(DomainError, match="is running"):
        close()
    JobRun.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=901))

    resumed = close()

    assert resumed.pk == job.pk
    assert (resumed.state, resumed.done, resumed.total) == (JobRun.State.SUCCEEDED, 20, 20)
    assert resumed.params["attempt"] == 2
    # The second run selected only what the first had not done: 7..10, then all of dues.
    assert book.chunks("accrual") == [(1, 2, 3), (4, 5, 6), (7, 8, 9), (7, 8, 9), (10,)]
    assert len(book.done) == 20 and set(book.done.values()) == {1}
    assert get_business_date() == NEXT
    assert ActivityEntry.objects.filter(action="job.resumed", object_id=str(job.pk)).exists()

    # The dead attempt's messages, redelivered later (acks_late), do nothing.
    calls = list(book.calls)
    stale = {"job_run_id": job.pk, "attempt": 1, "business_date": BD}
    assert cob.plan_cob_step(**stale, step_name="accrual") == []
    assert cob.run_cob_chunk(**stale, step_name="accrual", ids=[7, 8, 9]) == 0
    assert cob.close_cob_date(**stale) is None
    assert book.calls == calls
    resumed.refresh_from_db()
    assert (resumed.done, resumed.total) == (20, 20)


def test_a_step_that_fails_fails_the_job_which_resumes_on_the_same_row(book, close):
    broken = {"select": True}

    def select(business_date):
        if broken["select"]:
            raise RuntimeError("index table unavailable")
        return [1, 2]

    def run_chunk(ids, business_date):
        book.calls.append(("accrual", business_date, tuple(ids)))
        return []

    register_cob_step("accrual", order=1, select=select, run_chunk=run_chunk)

    with pytest.raises(RuntimeError):
        close()
    job = JobRun.objects.get(kind=JobRun.Kind.COB, business_date=BD)
    assert job.state == JobRun.State.FAILED
    assert job.message == "RuntimeError: index table unavailable Run it again to resume."
    assert get_business_date() == BD

    broken["select"] = False
    resumed = close()
    assert (resumed.pk, resumed.state, resumed.done) == (job.pk, JobRun.State.SUCCEEDED, 2)
    assert get_business_date() == NEXT


def test_a_once_per_date_step_that_raises_keeps_the_date(book, close):
    once_step(book, "metro2", order=5, error=OSError("outbound folder missing"))
    with pytest.raises(OSError):
        close()
    job = JobRun.objects.get(kind=JobRun.Kind.COB, business_date=BD)
    assert job.state == JobRun.State.FAILED and "outbound folder missing" in job.message
    assert get_business_date() == BD


def test_block_on_errors_keeps_the_date_until_a_rerun_clears_them(book, close, settings):
    settings.COB_BLOCK_ON_ERRORS = True
    failing = {3}
    item_step(book, "accrual", order=1, items=[1, 2, 3, 4], fail=failing)

    job = close()

    assert (job.state, job.failed) == (JobRun.State.COMPLETED_WITH_ERRORS, 1)
    assert get_business_date() == BD
    assert "the business date stays 2026-11-23 (COB_BLOCK_ON_ERRORS)" in job.message

    failing.clear()  # ops fixed loan 3
    resumed = close()

    assert book.chunks("accrual") == [(1, 2, 3), (4,), (3,)]
    assert (resumed.pk, resumed.state) == (job.pk, JobRun.State.SUCCEEDED)
    assert (resumed.done, resumed.failed, resumed.total) == (4, 0, 4)
    assert not resumed.errors.exists()
    assert get_business_date() == NEXT


def test_only_the_business_date_can_be_closed(book, close):
    with pytest.raises(DomainError, match="runs for it, not for 2026-11-25"):
        close(BD + dt.timedelta(days=2))
    with pytest.raises(DomainError, match="not for 2026-11-20"):
        close(BD - dt.timedelta(days=3))


def test_one_cob_job_per_business_date(db):
    create_job(kind=JobRun.Kind.COB, business_date=BD)
    create_job(kind=JobRun.Kind.ESCROW_ANALYSIS, business_date=BD)
    with pytest.raises(IntegrityError):
        create_job(kind=JobRun.Kind.COB, business_date=BD)


def test_a_running_job_is_claimed_once_and_again_when_silent(db):
    job = create_job(kind=JobRun.Kind.COB, business_date=BD)
    stale_after = dt.timedelta(minutes=15)
    assert claim_job(job.pk, stale_after=stale_after)
    assert not claim_job(job.pk, stale_after=stale_after)
    JobRun.objects.filter(pk=job.pk).update(heartbeat_at=None)  # a run that never beat
    assert claim_job(job.pk, stale_after=stale_after)


def test_waiting_for_a_silent_job_gives_up(db):
    job = create_job(kind=JobRun.Kind.COB, business_date=BD)
    claim_job(job.pk, stale_after=dt.timedelta(minutes=15))
    JobRun.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(DomainError, match="is a Celery worker running"):
        wait_for_job(job.pk, stale_after=dt.timedelta(minutes=15), poll_seconds=0)


# --- Several dates ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_run_cob_closes_every_date_through(book):
    item_step(book, "accrual", order=1, items=[1, 2, 3, 4])
    once_step(book, "report", order=5)
    seen = []

    jobs = run_cob(BD + dt.timedelta(days=2), on_date=seen.append)

    dates = [BD + dt.timedelta(days=n) for n in range(3)]
    assert [job.business_date for job in jobs] == dates == [job.business_date for job in seen]
    assert {job.state for job in jobs} == {JobRun.State.SUCCEEDED}
    assert [(name, d) for name, d, _ in book.calls if name == "report"] == [
        ("report", d) for d in dates
    ]
    assert len(book.done) == 12 and set(book.done.values()) == {1}
    assert get_business_date() == BD + dt.timedelta(days=3)


@pytest.mark.django_db(transaction=True)
def test_run_cob_refuses_a_past_date(book):
    with pytest.raises(DomainError, match="dates before it are closed"):
        run_cob(BD - dt.timedelta(days=1))
    assert not JobRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_run_cob_stops_at_a_date_that_keeps_the_business_date(book, settings):
    settings.COB_BLOCK_ON_ERRORS = True
    item_step(book, "accrual", order=1, items=[1, 2], fail={2})
    with pytest.raises(DomainError, match="COB_BLOCK_ON_ERRORS"):
        run_cob(BD + dt.timedelta(days=3))
    assert get_business_date() == BD
    assert JobRun.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_run_cob_refuses_to_wait_inside_a_worker(book, monkeypatch):
    worker_task = SimpleNamespace(request=SimpleNamespace(is_eager=False))
    monkeypatch.setattr(cob, "current_task", worker_task)
    with pytest.raises(RuntimeError, match="call queue_cob"):
        run_cob(BD)


def test_run_cob_refuses_to_wait_inside_a_transaction(book):
    with pytest.raises(RuntimeError, match="outside a transaction"):
        run_cob(BD)


def test_queue_cob_chains_the_dates_without_waiting(book, django_capture_on_commit_callbacks):
    item_step(book, "accrual", order=1, items=[1, 2])
    with django_capture_on_commit_callbacks(execute=True):
        first = queue_cob(BD + dt.timedelta(days=2))
    assert first.business_date == BD
    closed = JobRun.objects.filter(kind=JobRun.Kind.COB).order_by("business_date")
    assert [(j.business_date, j.state, j.done) for j in closed] == [
        (BD + dt.timedelta(days=n), JobRun.State.SUCCEEDED, 2) for n in range(3)
    ]
    assert get_business_date() == BD + dt.timedelta(days=3)


def test_nightly_task_closes_the_business_date(book, django_capture_on_commit_callbacks, settings):
    from servicing.tasks import run_cob_task

    item_step(book, "accrual", order=1, items=[1])
    with django_capture_on_commit_callbacks(execute=True):
        run_cob_task.delay()
    assert JobRun.objects.get(business_date=BD).state == JobRun.State.SUCCEEDED
    assert get_business_date() == NEXT
    entry = settings.CELERY_BEAT_SCHEDULE["close-of-business"]
    assert entry["task"] == "servicing.tasks.run_cob_task"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({22}, {0})


def test_nightly_task_leaves_a_running_date_alone(book, caplog):
    from servicing.tasks import run_cob_task

    job = create_job(kind=JobRun.Kind.COB, business_date=BD)
    claim_job(job.pk, stale_after=dt.timedelta(minutes=15))
    run_cob_task.delay()
    assert "Close of business not queued" in caplog.text
    assert JobRun.objects.get(pk=job.pk).state == JobRun.State.RUNNING
