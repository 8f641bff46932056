"""Index values: recording a published value of an index source (spec/accrual.md).

Repricing the loans on an index is not done here: it reads the history these write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import IntegrityError, transaction

from loans.models import IndexSource, IndexValue, Loan, LoanTier
from loans.models.indexes import EARLIEST_EFFECTIVE_FROM, MAX_INDEX_VALUE, MIN_INDEX_VALUE
from servicing.activity import actor_label, record_activity
from servicing.business_date import get_business_date
from servicing.errors import DomainError, InvalidInput
from servicing.money import RATE_QUANTUM, to_decimal
from servicing.tenant import get_tenant_settings
from servicing.transactions import service_atomic


def _checked_value(value: Decimal | int | str) -> Decimal:
    try:
        value = to_decimal(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{exc}.", field="value") from exc
    if not MIN_INDEX_VALUE <= value <= MAX_INDEX_VALUE:
        raise InvalidInput(
            f"An index value is between {MIN_INDEX_VALUE} and {MAX_INDEX_VALUE} (%).",
            field="value",
        )
    if value != value.quantize(RATE_QUANTUM):
        raise InvalidInput("An index value has at most 6 decimal places.", field="value")
    return value.quantize(RATE_QUANTUM)


def _check_not_future(effective_from: dt.date, business_date: dt.date) -> None:
    if effective_from > business_date:
        raise DomainError(
            "index_value_in_future",
            f"The effective date {effective_from.isoformat()} is after the business date "
            f"{business_date.isoformat()}: a value is recorded once its date has come.",
        )


def _check_active(source: IndexSource) -> None:
    if not source.is_active:
        raise DomainError(
            "index_source_inactive", f"The index {source.code} is inactive: it takes no values."
        )


def _insert(source: IndexSource, **fields) -> IndexValue:
    """Insert one value; the unique constraint, not a prior read, refuses a second one."""
    try:
        with transaction.atomic():
            return IndexValue.objects.create(source=source, **fields)
    except IntegrityError:
        if not IndexValue.objects.filter(
            source=source, effective_from=fields["effective_from"]
        ).exists():
            raise
    raise DomainError(
        "index_value_exists",
        f"{source.code} already has a value effective {fields['effective_from'].isoformat()}; "
        "a value is never overwritten.",
    )


def record_index_value(
    source: IndexSource,
    *,
    value: Decimal,
    effective_from: dt.date,
    actor=None,
    note: str = "",
) -> IndexValue:
    """Record a value of ``source`` effective from a date (the business date or earlier).

    spec/accrual.md: a backdated value is allowed within the tenant's window (tenant
    setting ``backdated_index_window_days``) of the business date; older is refused.
    """
    value = _checked_value(value)
    note = (note or "").strip()
    with service_atomic():
        source = IndexSource.objects.select_for_update().get(pk=source.pk)
        _check_active(source)
        business_date = get_business_date()
        _check_not_future(effective_from, business_date)
        window = get_tenant_settings().backdated_index_window_days
        earliest = business_date - dt.timedelta(days=window)
        if effective_from < earliest:
            raise DomainError(
                "index_value_too_old",
                f"The effective date {effective_from.isoformat()} is more than {window} days "
                f"before the business date {business_date.isoformat()}: backdated index values "
                f"are accepted from {earliest.isoformat()} (tenant setting "
                "backdated_index_window_days).",
            )
        row = _insert(
            source,
            value=value,
            effective_from=effective_from,
            business_date=business_date,
            entered_by=actor if getattr(actor, "pk", None) else None,
            entered_by_label=actor_label(actor),
            note=note,
        )
        record_activity(
            actor=actor,
            action="index_value.recorded",
            summary=f"{source.code} {value}% effective {effective_from.isoformat()} recorded",
            target=source,
            after={"value": value, "effective_from": effective_from, "note": note},
            details={"index_value": row.pk},
            business_date=business_date,
        )
    # Loans whose reprice events on or after the effective date were already opened are
    # repriced again and replayed (one transaction each, after this value is committed).
    from loans.services.reprice import correct_after_index_value

    correct_after_index_value(source.code, effective_from, actor=actor)
    return row


def load_index_history(
    source: IndexSource,
    *,
    values: Iterable[tuple[dt.date, Decimal]],
    actor=None,
    note: str = "",
) -> list[IndexValue]:
    """Load the past values of a new source at once: (effective_from, value) pairs.

    The backdating window protects loans already priced from an index; a source with
    no value yet and no loan naming it has priced nothing, so its history may be as old
    as it is. Used by the demo seeding; later values go through ``record_index_value``.
    """
    pairs = sorted((effective_from, _checked_value(value)) for effective_from, value in values)
    note = (note or "").strip()
    with service_atomic():
        source = IndexSource.objects.select_for_update().get(pk=source.pk)
        _check_active(source)
        if source.values.exists() or _index_in_use(source.code):
            raise DomainError(
                "index_history_exists",
                f"{source.code} already has values or loans priced from it: record new values "
                "one at a time, within the backdating window.",
            )
        business_date = get_business_date()
        rows = []
        for effective_from, value in pairs:
            if effective_from < EARLIEST_EFFECTIVE_FROM:
                raise InvalidInput("Index history starts in 1900.", field="effective_from")
            _check_not_future(effective_from, business_date)
            rows.append(
                _insert(
                    source,
                    value=value,
                    effective_from=effective_from,
                    business_date=business_date,
                    entered_by=actor if getattr(actor, "pk", None) else None,
                    entered_by_label=actor_label(actor),
                    note=note,
                )
            )
        record_activity(
            actor=actor,
            action="index_value.history_loaded",
            summary=f"{source.code}: {len(rows)} past values loaded",
            target=source,
            after={"values": [[d.isoformat(), str(v)] for d, v in pairs]},
            business_date=business_date,
        )
    return rows


def _index_in_use(code: str) -> bool:
    return (
        Loan.objects.filter(index_code=code).exists()
        or LoanTier.objects.filter(index_code=code).exists()
    )
