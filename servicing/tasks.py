"""Kernel Celery tasks: thin wrappers, kwargs only."""

from celery import shared_task
from django.conf import settings

from servicing.api.idempotency import purge_idempotency_keys


@shared_task(acks_late=True)
def purge_idempotency_keys_task(*, older_than_hours: int | None = None) -> int:
    return purge_idempotency_keys(
        older_than_hours=older_than_hours or settings.IDEMPOTENCY_KEY_TTL_HOURS
    )
