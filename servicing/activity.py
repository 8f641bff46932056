"""The activity (audit) log: one reusable call for every service."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from servicing.models import ActivityEntry


def actor_label(actor) -> str:
    if actor is None:
        return "system"
    client = getattr(actor, "api_client", None) if hasattr(actor, "pk") else None
    if client is not None:
        return f"api:{client.name}"
    return actor.get_username()


def _jsonable(value: Any) -> Any:
    # Decimal and dates become strings, as the API shows them.
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def record_activity(
    *,
    actor,
    action: str,
    summary: str,
    target: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    details: dict | None = None,
    business_date: dt.date | None = None,
) -> ActivityEntry:
    """Append an activity entry: who (actor or system), what, on which object, before/after."""
    if business_date is None:
        from servicing.business_date import get_business_date

        business_date = get_business_date()
    return ActivityEntry.objects.create(
        **_entry_values(actor, action, summary, target, before, after, details, business_date)
    )


def record_activities(entries: list[dict]) -> None:
    """Append many entries in one insert (``servicing.bulk.bulk_insert``): each dict holds
    ``record_activity``'s keyword arguments, ``business_date`` given. For batch work; the
    rows are those ``record_activity`` writes."""
    from django.db import connection
    from django.utils import timezone

    from servicing.bulk import bulk_insert

    now = timezone.now()
    # COPY takes the JSON text as it is: dumped once, not dumped, loaded and dumped again.
    as_text = connection.vendor == "postgresql"
    rows = []
    for e in entries:
        values = _entry_values(
            e["actor"],
            e["action"],
            e["summary"],
            e.get("target"),
            e.get("before"),
            e.get("after"),
            e.get("details"),
            e["business_date"],
            as_text=as_text,
        )
        actor, content_type = values.pop("actor"), values.pop("content_type")
        values["actor_id"] = actor.pk if actor is not None else None
        values["content_type_id"] = content_type.pk if content_type is not None else None
        values["created_at"] = now
        rows.append(values)
    bulk_insert(ActivityEntry, rows)


def _entry_values(
    actor, action, summary, target, before, after, details, business_date, *, as_text=False
) -> dict:
    """The entry's fields; ``as_text``: the details as JSON text (for COPY)."""
    payload = dict(details or {})
    if before is not None:
        payload["before"] = before
    if after is not None:
        payload["after"] = after
    return {
        "business_date": business_date,
        "actor": actor if getattr(actor, "pk", None) else None,
        "actor_label": actor_label(actor),
        "action": action,
        "summary": summary[:500],
        "content_type": ContentType.objects.get_for_model(target) if target is not None else None,
        "object_id": str(target.pk) if target is not None else "",
        "object_repr": str(target)[:200] if target is not None else "",
        "details": json.dumps(payload, cls=DjangoJSONEncoder) if as_text else _jsonable(payload),
    }


def activity_for(target: models.Model):
    """Entries recorded on one object, newest first."""
    return ActivityEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(target), object_id=str(target.pk)
    ).order_by("-created_at", "-id")
