"""Celery tasks of the batch escrow analysis: thin, kwargs only (ids).

A batch is the chain ``escrow_batch_task`` -> ``escrow_batch_finish_task``; the first
replaces itself with a group of chunk tasks, which makes the rest of the chain its chord
body (as the close of business does, servicing/tasks.py): the finish runs after the last
chunk and nothing waits on a result. Eager Celery runs the same chain inline.
"""

from celery import group, shared_task

from escrow import batch


@shared_task(bind=True, acks_late=True)
def escrow_batch_task(self, *, job_run_id: int, **kwargs):
    chunks = batch.plan_batch(job_run_id)
    if chunks:
        return self.replace(
            group(escrow_batch_chunk_task.si(job_run_id=job_run_id, loan_ids=ids) for ids in chunks)
        )
    return None


@shared_task(acks_late=True)
def escrow_batch_chunk_task(*, job_run_id: int, loan_ids: list[int], **kwargs) -> None:
    batch.run_batch_chunk(job_run_id=job_run_id, loan_ids=loan_ids)


@shared_task(acks_late=True)
def escrow_batch_finish_task(*, job_run_id: int, **kwargs) -> None:
    batch.finish_batch(job_run_id=job_run_id)
