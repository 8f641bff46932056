"""The business calendar: Federal Reserve holidays plus the ones ops add in the admin."""

from __future__ import annotations

from servicing.dates import BusinessCalendar
from servicing.models import Holiday


def get_calendar() -> BusinessCalendar:
    """A calendar with the current ops holidays (one query; reuse it within a batch)."""
    return BusinessCalendar(Holiday.objects.values_list("date", flat=True))
