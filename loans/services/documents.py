"""Documents kept with a loan (escrow statements, letters): one call stores one."""

from __future__ import annotations

from loans.models import Loan, LoanDocument
from loans.registry import DOCUMENT_RENDERERS
from servicing.activity import actor_label, record_activity


def store_document(
    loan: Loan,
    *,
    kind: str,
    title: str,
    filename: str,
    content: bytes,
    actor=None,
    renderer: str = "",
    render_data: dict | None = None,
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
        renderer=renderer,  # with render_data: what the content was rendered from
        render_data=render_data,
    )
    record_activity(
        actor=actor,
        action="loan.document_stored",
        summary=f"{title} stored in the loan's documents",
        target=loan,
        details={"document_id": document.pk, "kind": kind},
    )
    return document


def document_content(document: LoanDocument) -> bytes:
    """The document's bytes; a document stored to render is rendered now, from its frozen
    ``render_data``, and kept (the first download renders it, later ones read it)."""
    if document.is_rendered:
        return bytes(document.content)
    content = DOCUMENT_RENDERERS[document.renderer](document)
    # Only a cache fill: the same facts give the same bytes, so a racing download that
    # rendered it first wins and this one is dropped.
    LoanDocument.objects.filter(pk=document.pk, size=0).update(content=content, size=len(content))
    return content
