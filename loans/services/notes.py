"""Notes agents leave on a loan."""

from __future__ import annotations

from django.db import transaction

from loans.locks import lock_loan
from loans.models import Loan, Note
from servicing.activity import actor_label, record_activity
from servicing.errors import InvalidInput

MAX_NOTE = 5000


def add_note(loan: Loan, *, text: str, actor) -> Note:
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Write the note first.", field="text")
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"A note has at most {MAX_NOTE} characters.", field="text")
    with transaction.atomic():
        loan = lock_loan(loan.pk)
        note = Note.objects.create(
            loan=loan,
            author=actor if getattr(actor, "pk", None) else None,
            author_label=actor_label(actor),
            text=text,
        )
        record_activity(
            actor=actor,
            action="loan.note_added",
            summary=f"Note added: {text[:80]}",
            target=loan,
            details={"note_id": note.pk},
        )
    return note
