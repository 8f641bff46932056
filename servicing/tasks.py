"""Kernel Celery tasks: thin wrappers, kwargs only (ids and ISO dates).

The COB tasks never wait for one another: see servicing/cob.py for the chain a date is.
"""

import datetime as dt
import logging

from celery import group, shared_task
from django.conf import settings
from django.contrib.auth import get_user_model

from servicing import cob
from servicing.api.idempotency import purge_idempotency_keys
from servicing.errors import DomainError

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def purge_idempotency_keys_task(*, older_than_hours: int | None = None) -> int:
    return purge_idempotency_keys(
        older_than_hours=older_than_hours or settings.IDEMPOTENCY_KEY_TTL_HOURS
    )


@shared_task(acks_late=True)
def run_cob_task(*, through: str | None = None, actor_id: int | None = None, **kwargs) -> None:
    """Nightly (beat) and ops: queue COB through ``through`` (default: the business date)."""
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        cob.queue_cob(dt.date.fromisoformat(through) if through else None, actor=actor)
    except DomainError as exc:  # e.g. the date is already running: nothing to add
        logger.warning("Close of business not queued: %s", exc.message)


@shared_task(bind=True, acks_late=True)
def cob_step_task(self, *, job_run_id: int, attempt: int, business_date: str, step: str, **kwargs):
    """Start one step of a date; a per-item step becomes a chord of its chunks."""
    chunks = cob.plan_cob_step(
        job_run_id=job_run_id,
        attempt=attempt,
        business_date=dt.date.fromisoformat(business_date),
        step_name=step,
    )
    if chunks:
        # The rest of the date's chain runs when the last chunk ends: nothing waits.
        run = {"job_run_id": job_run_id, "attempt": attempt, "business_date": business_date}
        return self.replace(group(cob_chunk_task.si(**run, step=step, ids=ids) for ids in chunks))
    return None


@shared_task(acks_late=True)
def cob_chunk_task(
    *, job_run_id: int, attempt: int, business_date: str, step: str, ids: list[int], **kwargs
):
    return cob.run_cob_chunk(
        job_run_id=job_run_id,
        attempt=attempt,
        business_date=dt.date.fromisoformat(business_date),
        step_name=step,
        ids=ids,
    )


@shared_task(acks_late=True)
def cob_close_task(
    *,
    job_run_id: int,
    attempt: int,
    business_date: str,
    through: str | None = None,
    actor_id: int | None = None,
    **kwargs,
) -> None:
    cob.close_cob_date(
        job_run_id=job_run_id,
        attempt=attempt,
        business_date=dt.date.fromisoformat(business_date),
        through=dt.date.fromisoformat(through) if through else None,
        actor_id=actor_id,
    )
