"""The loan page's Documents tab and document downloads (loans/views_documents.py)."""

import pytest

from loans.models import LoanDocument
from loans.services.documents import store_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(board):
    loan = board()
    return store_document(
        loan,
        kind=LoanDocument.Kind.LETTER,
        title="Welcome letter",
        filename="w.pdf",
        content=b"%PDF-1.7 test",
    )


def test_documents_tab_lists_the_loan_documents(agent_client, document):
    response = agent_client.get(f"/loans/{document.loan.loan_number}/documents/")
    assert response.status_code == 200
    assert b"Welcome letter" in response.content
    assert f"/loans/{document.loan.loan_number}/documents/{document.pk}/".encode() in (
        response.content
    )


def test_download_returns_the_bytes(agent_client, document):
    response = agent_client.get(f"/loans/{document.loan.loan_number}/documents/{document.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response) == b"%PDF-1.7 test"
    assert 'filename="w.pdf"' in response["Content-Disposition"]


def test_download_of_another_loans_document_is_404(agent_client, document, board):
    other = board(application_number="APP-OTHER")
    response = agent_client.get(f"/loans/{other.loan_number}/documents/{document.pk}/")
    assert response.status_code == 404


def test_download_needs_a_role(client, make_user, document):
    client.force_login(make_user(None, username="norole"))
    response = client.get(f"/loans/{document.loan.loan_number}/documents/{document.pk}/")
    assert response.status_code == 403
