"""A service's transaction, and the request transaction an idempotent API call runs in.

Every service opens its own durable transaction: called at the top level it commits when
it returns, and nesting it by mistake in another service's transaction fails loudly
instead of silently losing its atomicity. The one caller allowed around it is an
``Idempotency-Key`` request (``servicing.api.idempotency``): the key, the work and the
stored response commit together, so a worker killed after the work cannot leave a key
without its response (whose retry would do the work twice).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

_in_request = ContextVar("servicing_request_transaction", default=False)


def service_atomic(*, durable: bool = True):
    """``transaction.atomic`` for a service: durable unless ``durable`` is False (one step
    of a caller's use case) or it runs inside ``request_transaction``."""
    return transaction.atomic(durable=durable and not _in_request.get())


@contextmanager
def request_transaction() -> Iterator[None]:
    """One transaction around a whole request; the services inside it join it."""
    token = _in_request.set(True)
    try:
        with transaction.atomic(durable=True):
            yield
    finally:
        _in_request.reset(token)
