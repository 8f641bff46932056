"""Runs against the real worker .ci/run starts (marker celery_worker; see README)."""

import datetime as dt

import pytest
from django.utils import timezone

from servicing.models import IdempotencyKey
from servicing.tasks import purge_idempotency_keys_task

# serialized_rollback: the database comes back as migrated after each test, content types
# with their ids included (the worker process caches them across tests).
pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_purge_task_runs_on_a_real_worker(make_user):
    owner = make_user(None, username="los-user")
    old = IdempotencyKey.objects.create(
        owner=owner, key="old", method="POST", path="/x", request_hash="h"
    )
    IdempotencyKey.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=3)
    )
    IdempotencyKey.objects.create(
        owner=owner, key="new", method="POST", path="/x", request_hash="h"
    )

    result = purge_idempotency_keys_task.delay(older_than_hours=24)

    assert result.get(timeout=60) == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
