"""The loan page's Documents tab (registered in loans/apps.py) and document downloads."""

from __future__ import annotations

from django.http import Http404, HttpResponse

from loans import selectors
from loans.models import LoanDocument
from loans.services.documents import document_content
from servicing.roles import ALL_ROLES, role_required


def documents_tab_context(request, loan) -> dict:
    """The tab's list: newest first, without the bytes."""
    documents = loan.documents.defer("content").order_by("-created_at", "-id")
    return {"documents": documents}


@role_required(*ALL_ROLES)  # whoever may open the loan page may read its documents
def document_download(request, loan_number: str, document_id: int):
    loan = selectors.loan_by_number(loan_number)
    document = (
        LoanDocument.objects.filter(loan=loan, pk=document_id).first() if loan is not None else None
    )
    if document is None:
        raise Http404("No such document.")
    response = HttpResponse(document_content(document), content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response
