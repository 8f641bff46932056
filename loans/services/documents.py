"""Documents kept with a loan (escrow statements, letters): one call stores one."""

from __future__ import annotations

from loans.models import Loan, LoanDocument
from servicing.activity import actor_label, record_activity


def store_document(
    loan: Loan, *, kind: str, title: str, filename: str, content: bytes, actor=None
) -> LoanDocument:
    """Keep ``content`` (a PDF) in the loan's Documents tab; recorded on its activity.

    Runs inside the caller's transaction: the document exists only if the action does."""
    document = LoanDocument.objects.create(
        loan=loan,
        kind=kind,
        title=title[:200],
        filename=filename[:200],
        content=content,
        size=len(content),
        actor_label=actor_label(actor),
    )
    record_activity(
        actor=actor,
        action="loan.document_stored",
        summary=f"{title} stored in the loan's documents",
        target=loan,
        details={"document_id": document.pk, "kind": kind},
    )
    return document
