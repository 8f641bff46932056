"""The business date: stored, never the wall clock (ARCHITECTURE.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from servicing.activity import record_activity
from servicing.errors import DomainError
from servicing.models import BusinessDate

# Apps register a callable returning the latest date any of their objects was closed
# for (e.g. loans' last COB date). The business date may never move behind it.
_FLOORS: list[Callable[[], dt.date | None]] = []


def register_floor(floor: Callable[[], dt.date | None]) -> None:
    if floor not in _FLOORS:
        _FLOORS.append(floor)


def get_business_date() -> dt.date:
    """The current business date; a new install starts at today's local date."""
    date = BusinessDate.objects.filter(pk=1).values_list("date", flat=True).first()
    if date is None:
        row, _ = BusinessDate.objects.get_or_create(pk=1, defaults={"date": timezone.localdate()})
        date = row.date
    return date


def earliest_allowed_date() -> dt.date | None:
    """The latest closed date of any object: the business date may not go behind it."""
    dates = [d for d in (floor() for floor in _FLOORS) if d is not None]
    return max(dates) if dates else None


def set_business_date(new_date: dt.date, *, actor=None) -> dt.date:
    """Set the business date; refuses a date behind any loan's last closed date."""
    with transaction.atomic():
        row, _ = BusinessDate.objects.select_for_update().get_or_create(
            pk=1, defaults={"date": new_date}
        )
        floor = earliest_allowed_date()
        if floor is not None and new_date <= floor:
            raise DomainError(
                "business_date_behind_closed",
                f"Loans are closed through {floor.isoformat()}; "
                f"the business date must be after it.",
            )
        before = row.date
        row.date = new_date
        row.save(update_fields=["date", "updated_at"])
        record_activity(
            actor=actor,
            action="business_date.set",
            summary=f"Business date set from {before.isoformat()} to {new_date.isoformat()}",
            target=row,
            before={"date": before.isoformat()},
            after={"date": new_date.isoformat()},
            business_date=new_date,
        )
    return new_date
