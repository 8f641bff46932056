"""Global search provider: loans by number, application, borrower name or id."""

from django.urls import reverse

from loans import selectors
from servicing.registry import SearchResult


def search_provider(query: str, user) -> list[SearchResult]:
    return [
        SearchResult(
            kind="Loan",
            label=f"{loan.loan_number} · {loan.borrower.display_name}",
            url=reverse("loan-detail", args=[loan.loan_number]),
            detail=(
                f"{loan.product.code} · {loan.get_status_display()} · app {loan.application_number}"
            ),
        )
        for loan in selectors.search_loans(query, limit=20)
    ]
