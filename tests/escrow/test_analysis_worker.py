"""A batch escrow analysis on the real worker .ci/run starts (marker celery_worker): the
chain, the group of chunks and the finish run on the broker, not inline."""
# ruff: noqa: F811  (the fixtures are imported from tests/escrow/analysis_fixtures.py)

import datetime as dt

import pytest
from django.db import transaction

from escrow.batch import start_batch
from escrow.models import EscrowAnalysis, EscrowReport
from servicing.jobs import wait_for_job
from servicing.models import JobRun
from tests.escrow.analysis_fixtures import board, escrow_loan  # noqa: F401

# serialized_rollback: the database comes back as migrated after each test, content types
# with their ids included (the worker process caches them across tests).
pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_batch_runs_on_a_real_worker(escrow_loan):
    for n in range(1, 4):
        escrow_loan(application_number=f"APP-W{n}", borrower_id=f"B-W{n}")
    with transaction.atomic():
        job = start_batch(
            start_date=dt.date(2025, 1, 1),
            end_date=dt.date(2025, 1, 31),
            update=True,
            generate_report=True,
            send_email=False,
        )
    job = wait_for_job(job.pk, stale_after=dt.timedelta(seconds=120))
    assert job.state == JobRun.State.SUCCEEDED, job.message
    assert (job.total, job.done, job.failed) == (3, 3, 0)
    assert EscrowAnalysis.objects.filter(job_run=job, updated=True).count() == 3
    assert EscrowReport.objects.filter(job_run=job).count() == 2
