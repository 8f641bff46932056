"""Every line and draw transition through the loan page's forms, allowed and refused: the
same tables as the services' tests (tests/loans/test_services_loc.py)."""

import pytest

from loans.models import CreditLine, Draw
from tests.loans.test_services_loc import DRAW_TABLE, LINE_TABLE, _draw_in
from tests.loans.test_views_loc import (  # noqa: F401  (fixtures shared with the view tests)
    errors_of,
    sup_client,
    supervisor,
    tenant,
    url,
)

FORMS = {
    "approve": {"approved_amount": "500.00"},
    "reject": {"reason": "Not eligible"},
    "delete": {},
    "fund": {"funded_date": "2026-01-15"},
}


@pytest.fixture
def line(board_line):
    return board_line()


@pytest.mark.parametrize(("before", "action", "outcome"), LINE_TABLE)
def test_line_status_through_the_page(sup_client, line, before, action, outcome):  # noqa: F811
    CreditLine.objects.filter(loan=line).update(status=before)
    response = sup_client.post(
        url(line, f"line/{action}/"), {"reason": "test", "confirm": "on"}, follow=True
    )
    after = CreditLine.objects.get(loan=line).status
    if outcome in CreditLine.Status.values:
        assert after == outcome
        assert response.redirect_chain, "a done action redirects to the loan page"
    else:
        assert after == before  # refused: nothing written, the reason shown
        assert response.status_code == 200 and errors_of(response), (before, action)


@pytest.mark.parametrize(("before", "action", "outcome"), DRAW_TABLE)
def test_draw_status_through_the_page(sup_client, line, before, action, outcome):  # noqa: F811
    draw = _draw_in(line, before)
    response = sup_client.post(url(line, f"draws/{draw.pk}/{action}/"), FORMS[action])
    draw.refresh_from_db()
    if outcome in Draw.Status.values:
        assert response.status_code == 302
        assert draw.status == outcome
    else:
        assert draw.status == before
        assert response.status_code == 200 and errors_of(response)
