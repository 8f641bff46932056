"""Agent pages for lines of credit: the line panel, the Draw Requests tab, draw and line
actions (forms, inline errors, refused states, roles)."""

import datetime as dt
from decimal import Decimal as D
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loans.models import CreditLine, Draw, DrawEvent
from loans.selectors import current_schedule_version
from loans.services.draws import approve_draw, initiate_draw
from loans.services.lines import cancel_line, suspend_line
from servicing.activity import activity_for
from servicing.models import TenantSettings
from tests.loans.test_views_actions import errors_of as raw_errors

BD = dt.date(2026, 1, 15)


@pytest.fixture(autouse=True)
def tenant(db):
    """Disbursement dates that do not depend on the clock: every approval is before the
    cut-off, paid out the next business day."""
    TenantSettings.objects.update_or_create(
        pk=1, defaults={"payment_cutoff_time": dt.time(23, 59, 59), "payment_processing_days": 1}
    )


@pytest.fixture
def line(board_line):
    return board_line(BD)


@pytest.fixture
def supervisor(make_user):
    return make_user("supervisor", username="sup1")


@pytest.fixture
def sup_client(client, supervisor):
    client.force_login(supervisor)
    return client


def url(loan, suffix=""):
    return f"/loans/{loan.loan_number}/{suffix}"


def draw_on(loan, amount="1000.00", *, via=Draw.Via.UI, **kwargs):
    """A draw in verification, initiated through the service."""
    return initiate_draw(loan, requested_date=BD, requested_amount=D(amount), via=via, **kwargs)


def errors_of(response) -> list[str]:
    """The inline errors a form page shows, unescaped."""
    return [unescape(e) for e in raw_errors(response)]


def text(response) -> str:
    return response.content.decode()


def state(loan) -> tuple:
    """What an action could have written: draws, their history, the line's status."""
    line = CreditLine.objects.get(loan=loan)
    draws = list(Draw.objects.filter(line=line).values_list("pk", "status", "approved_amount"))
    return draws, DrawEvent.objects.count(), line.status


# --- The loan page ---------------------------------------------------------------------


def test_summary_shows_the_line_panel(agent_client, line):
    draw = draw_on(line, "2500.00")
    approve_draw(line, draw.pk, approved_amount=D("2500.00"))
    html = text(agent_client.get(url(line)))
    panel = line_panel(html)
    for label, value in [
        ("Credit limit", "10,000.00"),
        ("Used", "2,500.00"),
        ("Available", "7,500.00"),
        ("Principal outstanding", "0.00"),
    ]:
        assert label in panel and value in panel, (label, value)
    assert "Active" in panel and "Revolving" in panel and "Fixed term" in panel
    assert "Valid till" in panel and "Maturity" in panel and "2027-01-01" in panel
    assert 'data-testid="line-badge">Line active' in html


def test_summary_shows_open_term_non_revolving_and_valid_till(agent_client, board_line):
    loc = {
        "credit_limit": "5000.00",
        "revolving": False,
        "term_type": "open",
        "draw_term_payments": 6,
        "valid_till_date": "2026-06-30",
    }
    loan = board_line(BD, loc=loc)
    html = text(agent_client.get(url(loan)))
    assert "Non-revolving" in html and "Open term" in html
    assert "6 payments from each draw" in html and "2026-06-30" in html


def test_a_line_has_the_draw_requests_tab_and_menu(agent_client, line):
    html = text(agent_client.get(url(line)))
    assert ">Draw requests</a>" in html
    assert url(line, "draws/new/") in html
    # an agent is not shown the supervisor's actions
    assert "Suspend line" not in html and "Cancel line" not in html


def test_supervisor_menu_follows_the_line_and_its_draws(sup_client, line):
    html = text(sup_client.get(url(line)))
    assert "Suspend line" in html and "Cancel line" in html and "Activate line" not in html
    assert "Approve draw" not in html and "Fund draw" not in html  # nothing waiting
    draw = draw_on(line)
    html = text(sup_client.get(url(line)))
    assert url(line, "draws/approve/") in html and url(line, "draws/reject/") in html
    approve_draw(line, draw.pk, approved_amount=D("1000.00"))
    html = text(sup_client.get(url(line)))
    assert url(line, "draws/fund/") in html and "Approve draw" not in html
    suspend_line(line, reason="review")
    html = text(sup_client.get(url(line)))
    assert "Activate line" in html and "Suspend line" not in html
    assert url(line, "draws/new/") not in html  # new draws only while active
    assert "Line suspended" in html
    cancel_line(line, reason="closed")
    html = text(sup_client.get(url(line)))
    assert "Activate line" not in html and "Cancel line" not in html


def test_term_loan_has_no_line_panel_tab_or_actions(sup_client, board):
    loan = board()
    html = text(sup_client.get(url(loan)))
    assert "line-summary" not in html and "Draw requests" not in html
    assert "Initiate draw" not in html and "Suspend line" not in html
    for suffix in [
        "draws/",
        "draws/new/",
        "draws/approve/",
        "draws/1/approve/",
        "draws/1/reject/",
        "draws/1/delete/",
        "draws/1/fund/",
        "line/suspend/",
        "line/cancel/",
    ]:
        assert sup_client.get(url(loan, suffix)).status_code == 404, suffix
        assert sup_client.post(url(loan, suffix), {"reason": "x"}).status_code == 404, suffix


def test_draw_requests_tab_lists_every_draw_with_its_history(sup_client, line, supervisor):
    funded = draw_on(line, "1000.00", fee=D("25.00"), external_id="LOS-9", via=Draw.Via.API)
    approve_draw(line, funded.pk, approved_amount=D("900.00"), actor=supervisor)
    sup_client.post(url(line, f"draws/{funded.pk}/fund/"), {"funded_date": "2026-01-15"})
    rejected = draw_on(line, "300.00")
    sup_client.post(url(line, f"draws/{rejected.pk}/reject/"), {"reason": "No collateral"})
    auto = draw_on(line, "200.00", auto_funded=True)
    approve_draw(line, auto.pk, approved_amount=D("200.00"))
    waiting = draw_on(line, "100.00")

    html = text(sup_client.get(url(line, "draws/")))
    rows = {d.pk: block(html, f'data-testid="draw-{d.pk}"') for d in (funded, rejected, auto)}
    assert "Funded" in rows[funded.pk] and "875.00" in rows[funded.pk]  # 900 less the 25 fee
    assert "1,000.00" in rows[funded.pk] and "900.00" in rows[funded.pk]
    assert "25.00" in rows[funded.pk] and "LOS-9" in rows[funded.pk] and "API" in rows[funded.pk]
    assert "Funded 875.00 on 2026-01-15; schedule v2" in rows[funded.pk]  # its history
    assert "sup1" in rows[funded.pk]
    assert "Rejected" in rows[rejected.pk] and "Reason: No collateral" in rows[rejected.pk]
    assert "Loan page" in rows[rejected.pk]
    assert "disbursement 2026-01-16" in rows[auto.pk] and "Approved" in rows[auto.pk]
    assert "/fund/" not in rows[auto.pk]  # auto-funded: its disbursement funds it
    row = block(html, f'data-testid="draw-{waiting.pk}"')
    for action in ("approve", "reject", "delete"):
        assert url(line, f"draws/{waiting.pk}/{action}/") in row
    assert "History of draw" in row and "Verification" in row


def block(html: str, marker: str, end: str = "</tbody>\n") -> str:
    """The HTML from ``marker`` to ``end`` (by default a draw's row and history)."""
    start = html.index(marker)
    return html[start : html.index(end, start)]


def line_panel(html: str) -> str:
    return block(html, 'data-testid="line-summary"', "</dl>")


def test_agent_sees_delete_but_not_the_supervisor_buttons(agent_client, line):
    ui = draw_on(line)
    los = draw_on(line, "50.00", via=Draw.Via.API)
    html = text(agent_client.get(url(line, "draws/")))
    assert url(line, f"draws/{ui.pk}/delete/") in html
    assert url(line, f"draws/{los.pk}/delete/") not in html  # an LOS draw cannot be deleted
    assert "/approve/" not in html and "/reject/" not in html


def test_draws_tab_empty_and_htmx_fragment(agent_client, line):
    assert "No draws yet." in text(agent_client.get(url(line, "draws/")))
    fragment = agent_client.get(url(line, "draws/"), headers={"HX-Request": "true"})
    assert b'id="tab-draws"' in fragment.content and b"<html" not in fragment.content


def test_line_page_query_count_is_bounded(sup_client, line):
    for _ in range(3):
        draw = draw_on(line, "100.00")
        approve_draw(line, draw.pk, approved_amount=D("100.00"))
    draw_on(line, "100.00")
    sup_client.get(url(line))
    for tab in ("", "draws/", "schedule/"):
        with CaptureQueriesContext(connection) as queries:
            assert sup_client.get(url(line, tab)).status_code == 200
        # 16 + 1: the escrow app's action row asks about the loan's accounts (one query).
        assert len(queries) <= 17, (tab, len(queries))


# --- Initiate --------------------------------------------------------------------------


def test_initiate_draw(agent_client, line, agent):
    page = text(agent_client.get(url(line, "draws/new/")))
    assert 'value="2026-01-15"' in page and "Available 10,000.00 of the 10,000.00 limit" in page
    form = {
        "requested_date": "2026-01-15",
        "requested_amount": "1500.00",
        "fee": "15.00",
        "auto_funded": "on",
        "external_id": " REQ-1 ",
    }
    response = agent_client.post(url(line, "draws/new/"), form, follow=True)
    assert response.redirect_chain[-1][0] == url(line, "draws/")
    draw = Draw.objects.get()
    assert f"Draw {draw.pk} of 1,500.00 initiated: in verification." in text(response)
    assert (draw.status, draw.requested_amount, draw.fee) == ("verification", D("1500"), D("15"))
    assert draw.auto_funded and draw.external_id == "REQ-1" and draw.initiated_via == "ui"
    assert draw.events.get().actor_label == agent.username


def test_initiate_draw_fee_is_optional(agent_client, line):
    form = {"requested_date": "2026-01-15", "requested_amount": "10"}
    agent_client.post(url(line, "draws/new/"), form)
    draw = Draw.objects.get()
    assert draw.fee == 0 and not draw.auto_funded and draw.external_id == ""


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"requested_amount": ""}, "This field is required."),
        ({"requested_date": ""}, "This field is required."),
        ({"requested_amount": "abc"}, "Enter a number."),
        ({"requested_amount": "0"}, "greater than or equal to 0.01"),
        ({"requested_amount": "1.001"}, "no more than 2 decimal places"),
        ({"requested_date": "2026-02-30"}, "Enter a valid date."),
        ({"fee": "-1"}, "greater than or equal to 0"),
        ({"fee": "100.00"}, "The fee must be less than the requested amount."),
        ({"requested_date": "2025-12-31"}, "before the line's funded date 2026-01-01"),
        ({"requested_date": "2027-01-01"}, "A fixed-term line matures on 2027-01-01"),
        (
            {"requested_amount": "10000.01"},
            "10,000.01 is more than the line's available amount 10,000.00",
        ),
        ({"external_id": "x" * 65}, "at most 64 characters"),
    ],
)
def test_initiate_draw_bad_input_is_inline_and_writes_nothing(agent_client, line, form, error):
    data = {"requested_date": "2026-01-15", "requested_amount": "100.00", **form}
    response = agent_client.post(url(line, "draws/new/"), data)
    assert response.status_code == 200
    assert any(error in e for e in errors_of(response)), errors_of(response)
    assert not Draw.objects.exists()


def test_initiate_draw_over_available_is_shown_next_to_the_amount(agent_client, line):
    data = {"requested_date": "2026-01-15", "requested_amount": "20000.00"}
    html = text(agent_client.post(url(line, "draws/new/"), data))
    field = html[html.index('id="id_requested_amount"') :]
    assert field.index("more than the line&#x27;s available") < field.index('id="id_fee"')


def test_initiate_draw_refused_on_a_suspended_line(agent_client, line):
    suspend_line(line, reason="review")
    data = {"requested_date": "2026-01-15", "requested_amount": "100.00"}
    response = agent_client.post(url(line, "draws/new/"), data)
    assert "The line is suspended: new draws only while it is active." in errors_of(response)
    assert not Draw.objects.exists()


def test_initiate_draw_duplicate_external_id(agent_client, line):
    draw_on(line, external_id="REQ-7")
    data = {"requested_date": "2026-01-15", "requested_amount": "10", "external_id": "REQ-7"}
    response = agent_client.post(url(line, "draws/new/"), data)
    assert "A draw with external id REQ-7 already exists on this line." in errors_of(response)
    assert Draw.objects.count() == 1


# --- Approve / reject / delete ---------------------------------------------------------


def test_approve_prefills_the_requested_amount(sup_client, line, supervisor):
    draw = draw_on(line, "1200.00", fee=D("20.00"))
    html = text(sup_client.get(url(line, f"draws/{draw.pk}/approve/")))
    assert 'name="approved_amount" value="1200.00"' in html
    assert 'name="requested_date" value="2026-01-15"' in html
    assert html.count("disabled") >= 2  # requested date and amount are shown, not editable
    assert "fee 20.00" in html and "Available 10,000.00" in html
    form = {"approved_amount": "1100.00", "requested_amount": "1.00"}  # read-only: ignored
    response = sup_client.post(url(line, f"draws/{draw.pk}/approve/"), form, follow=True)
    assert response.redirect_chain[-1][0] == url(line, "draws/")
    assert f"Draw {draw.pk} approved for 1,100.00." in text(response)
    draw.refresh_from_db()
    assert (draw.status, draw.approved_amount, draw.requested_amount) == (
        "approved",
        D("1100.00"),
        D("1200.00"),
    )
    assert draw.events.last().actor_label == supervisor.username


def test_approve_auto_funded_says_when_it_disburses(sup_client, line):
    draw = draw_on(line, "500.00", auto_funded=True)
    form = {"approved_amount": "500.00"}
    response = sup_client.post(url(line, f"draws/{draw.pk}/approve/"), form, follow=True)
    assert "Disbursement on 2026-01-16." in text(response)


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        ("", "This field is required."),
        ("-5", "greater than or equal to 0.01"),
        ("20.00", "The approved amount must exceed the draw's fee 20.00."),
        ("10000.01", "is more than the line's available amount 10,000.00"),
    ],
)
def test_approve_bad_input_is_inline(sup_client, line, amount, error):
    draw = draw_on(line, "1000.00", fee=D("20.00"))
    before = state(line)
    response = sup_client.post(url(line, f"draws/{draw.pk}/approve/"), {"approved_amount": amount})
    assert response.status_code == 200
    assert any(error in e for e in errors_of(response)), errors_of(response)
    assert state(line) == before


def test_approve_refused_for_a_draw_no_longer_in_verification(sup_client, line):
    draw = draw_on(line)
    approve_draw(line, draw.pk, approved_amount=D("1000.00"))
    before = state(line)
    response = sup_client.post(url(line, f"draws/{draw.pk}/approve/"), {"approved_amount": "10"})
    assert f"Draw {draw.pk} is approved, not verification." in errors_of(response)
    assert state(line) == before


def test_reject_needs_a_reason(sup_client, line):
    draw = draw_on(line)
    page = text(sup_client.get(url(line, f"draws/{draw.pk}/reject/")))
    assert "1,000.00 requested for 2026-01-15" in page
    response = sup_client.post(url(line, f"draws/{draw.pk}/reject/"), {"reason": "  "})
    assert "This field is required." in errors_of(response)
    response = sup_client.post(
        url(line, f"draws/{draw.pk}/reject/"), {"reason": "Over budget"}, follow=True
    )
    assert f"Draw {draw.pk} rejected." in text(response)
    draw.refresh_from_db()
    assert draw.status == "rejected" and draw.reject_reason == "Over budget"
    again = sup_client.post(url(line, f"draws/{draw.pk}/reject/"), {"reason": "again"})
    assert f"Draw {draw.pk} is rejected, not verification." in errors_of(again)


def test_agent_deletes_a_draw_after_confirming(agent_client, line):
    draw = draw_on(line)
    page = text(agent_client.get(url(line, f"draws/{draw.pk}/delete/")))
    assert "Delete the draw request?" in page and "danger-button" in page
    assert Draw.objects.get().status == "verification"  # a GET deletes nothing
    response = agent_client.post(url(line, f"draws/{draw.pk}/delete/"), follow=True)
    assert f"Draw {draw.pk} deleted." in text(response)
    assert Draw.objects.get().status == "deleted"
    again = agent_client.post(url(line, f"draws/{draw.pk}/delete/"))
    assert f"Draw {draw.pk} is deleted, not verification." in errors_of(again)


def test_an_los_draw_cannot_be_deleted(agent_client, line):
    draw = draw_on(line, via=Draw.Via.API)
    response = agent_client.post(url(line, f"draws/{draw.pk}/delete/"))
    assert f"Draw {draw.pk} came from the LOS: reject it instead of deleting it." in errors_of(
        response
    )
    assert Draw.objects.get().status == "verification"


def test_a_draw_of_another_line_is_not_found(sup_client, line, board_line):
    other = board_line(BD, application_number="LOC-2002")
    draw = draw_on(other)
    for action in ("approve", "reject", "delete", "fund"):
        response = sup_client.post(url(line, f"draws/{draw.pk}/{action}/"), {"reason": "x"})
        assert response.status_code == 404, action
    assert Draw.objects.get().status == "verification"


# --- Fund ------------------------------------------------------------------------------


def approved(loan, amount="1000.00", **kwargs):
    draw = draw_on(loan, amount, **kwargs)
    return approve_draw(loan, draw.pk, approved_amount=D(amount))


def test_fund_draw_reamortizes_and_shows_the_new_version(sup_client, line):
    draw = approved(line, "3000.00", fee=D("30.00"))
    page = text(sup_client.get(url(line, f"draws/{draw.pk}/fund/")))
    assert 'value="2026-01-15"' in page and "less fee 30.00, funds 2,970.00" in page
    response = sup_client.post(
        url(line, f"draws/{draw.pk}/fund/"), {"funded_date": "2026-01-10"}, follow=True
    )
    assert response.redirect_chain[-1][0] == url(line, "draws/")
    assert f"Draw {draw.pk} funded: 2,970.00 from 2026-01-10; schedule re-amortized (v2)." in (
        text(response)
    )
    line.refresh_from_db()
    assert line.principal_balance == D("2970.00")
    assert current_schedule_version(line).reason == f"Draw {draw.pk} funded: re-amortized"
    summary = text(sup_client.get(url(line)))
    assert "2,970.00" in summary
    schedule = text(sup_client.get(url(line, "schedule/")))
    assert f"v2 · Draw {draw.pk} funded: re-amortized · 2026-01-10" in schedule
    assert any(e.action == "draw.funded" for e in activity_for(line))


def test_funding_on_an_open_term_line_moves_the_maturity_shown(sup_client, board_line):
    loc = {"credit_limit": "5000.00", "revolving": False, "term_type": "open"}
    loan = board_line(BD, loc={**loc, "draw_term_payments": 18})
    assert "2027-01-01" in line_panel(text(sup_client.get(url(loan))))
    draw = approved(loan, "1000.00")
    sup_client.post(url(loan, f"draws/{draw.pk}/fund/"), {"funded_date": "2026-01-15"})
    panel = line_panel(text(sup_client.get(url(loan))))
    assert "2027-07-01" in panel and "4,000.00" in panel  # 18 payments from the draw


@pytest.mark.parametrize(
    ("funded_date", "error"),
    [
        ("", "This field is required."),
        ("2026-13-01", "Enter a valid date."),
        ("2026-01-16", "The funded date cannot be after the business date 2026-01-15."),
        ("2025-12-31", "cannot be before the line's funded date 2026-01-01"),
    ],
)
def test_fund_bad_dates_are_inline(sup_client, line, funded_date, error):
    draw = approved(line)
    before = state(line)
    response = sup_client.post(url(line, f"draws/{draw.pk}/fund/"), {"funded_date": funded_date})
    assert any(error in e for e in errors_of(response)), errors_of(response)
    assert state(line) == before and current_schedule_version(line).version == 1


def test_fund_refused_states(sup_client, line):
    waiting = draw_on(line)
    response = sup_client.post(
        url(line, f"draws/{waiting.pk}/fund/"), {"funded_date": "2026-01-15"}
    )
    assert f"Draw {waiting.pk} is verification, not approved." in errors_of(response)
    auto = approved(line, "100.00", auto_funded=True)
    response = sup_client.post(url(line, f"draws/{auto.pk}/fund/"), {"funded_date": "2026-01-15"})
    assert any(
        "is auto-funded: its disbursement funds it on 2026-01-16" in e for e in errors_of(response)
    )
    assert Draw.objects.filter(status="funded").count() == 0


# --- The action menu's draw picker -----------------------------------------------------


def test_pick_goes_straight_to_the_only_waiting_draw(sup_client, line):
    draw = draw_on(line)
    response = sup_client.get(url(line, "draws/approve/"))
    assert response.status_code == 302
    assert response["Location"] == url(line, f"draws/{draw.pk}/approve/")


def test_pick_lists_several_and_says_when_none(sup_client, line):
    assert "No draw is waiting" in text(sup_client.get(url(line, "draws/fund/")))
    first, second = draw_on(line, "10"), draw_on(line, "20")
    html = text(sup_client.get(url(line, "draws/reject/")))
    assert "choose one" in html
    assert url(line, f"draws/{first.pk}/reject/") in html
    assert url(line, f"draws/{second.pk}/reject/") in html
    assert sup_client.get(url(line, "draws/bogus/")).status_code == 404


# --- The line's status -----------------------------------------------------------------


def test_suspend_needs_a_reason_and_a_confirmation(sup_client, line):
    page = text(sup_client.get(url(line, "line/suspend/")))
    assert "The line is active." in page and 'type="checkbox"' in page
    response = sup_client.post(url(line, "line/suspend/"), {"reason": ""})
    errors = errors_of(response)
    assert "This field is required." in errors and "Tick the box to confirm." in errors
    response = sup_client.post(url(line, "line/suspend/"), {"reason": "Covenant breach"})
    assert "Tick the box to confirm." in errors_of(response)
    assert CreditLine.objects.get().status == "active"
    response = sup_client.post(
        url(line, "line/suspend/"), {"reason": "Covenant breach", "confirm": "on"}, follow=True
    )
    assert response.redirect_chain[-1][0] == url(line, "summary/")
    assert "The line is suspended" in text(response)
    line_row = CreditLine.objects.get()
    assert line_row.status == "suspended" and line_row.status_reason == "Covenant breach"
    assert "Covenant breach" in text(response)  # under the LOC status on the summary


def test_suspend_and_cancel_refused_while_a_draw_is_in_verification(sup_client, line):
    draw_on(line)
    for action in ("suspend", "cancel"):
        response = sup_client.post(url(line, f"line/{action}/"), {"reason": "r", "confirm": "on"})
        assert any("A draw is in verification" in e for e in errors_of(response)), action
    assert CreditLine.objects.get().status == "active"


def test_activate_then_cancel_which_is_final(sup_client, line):
    suspend_line(line, reason="review")
    response = sup_client.post(
        url(line, "line/activate/"), {"reason": "Cleared", "confirm": "on"}, follow=True
    )
    assert "The line is active" in text(response)
    page = text(sup_client.get(url(line, "line/cancel/")))
    assert "Canceling is final" in page and "I understand this is final" in page
    sup_client.post(url(line, "line/cancel/"), {"reason": "Borrower asked", "confirm": "on"})
    assert CreditLine.objects.get().status == "canceled"
    response = sup_client.post(url(line, "line/activate/"), {"reason": "x", "confirm": "on"})
    assert "Only a suspended line can be activated; it is canceled (final)." in errors_of(response)
    response = sup_client.post(url(line, "line/suspend/"), {"reason": "x", "confirm": "on"})
    assert "Only an active line can be suspended; it is canceled." in errors_of(response)
    assert sup_client.get(url(line, "line/close/")).status_code == 404


# --- Roles -----------------------------------------------------------------------------

SUPERVISOR_ONLY = [
    ("draws/{id}/approve/", {"approved_amount": "10"}),
    ("draws/{id}/reject/", {"reason": "x"}),
    ("draws/{id}/fund/", {"funded_date": "2026-01-15"}),
    ("draws/approve/", {}),
    ("line/suspend/", {"reason": "x", "confirm": "on"}),
    ("line/activate/", {"reason": "x", "confirm": "on"}),
    ("line/cancel/", {"reason": "x", "confirm": "on"}),
]
SERVICER = [
    ("draws/new/", {"requested_date": "2026-01-15", "requested_amount": "10"}),
    ("draws/{id}/delete/", {}),
]


@pytest.mark.parametrize(("suffix", "form"), SUPERVISOR_ONLY)
def test_agent_gets_403_on_the_supervisor_actions(agent_client, line, suffix, form):
    draw = draw_on(line)
    before = state(line)
    target = url(line, suffix.format(id=draw.pk))
    assert agent_client.get(target).status_code == 403
    assert agent_client.post(target, form).status_code == 403
    assert state(line) == before


@pytest.mark.parametrize(("suffix", "form"), SUPERVISOR_ONLY + SERVICER)
def test_ops_gets_403_on_every_line_action(ops_client, line, suffix, form):
    draw = draw_on(line)
    before = state(line)
    target = url(line, suffix.format(id=draw.pk))
    assert ops_client.get(target).status_code == 403
    assert ops_client.post(target, form).status_code == 403
    assert state(line) == before
    html = text(ops_client.get(url(line, "draws/")))
    assert "/delete/" not in html and "/approve/" not in html and "Initiate draw" not in html


@pytest.mark.parametrize("role", ["admin", "supervisor"])
def test_supervisors_and_admins_may_do_everything(client, make_user, line, role):
    client.force_login(make_user(role, username=f"u-{role}"))
    form = {"requested_date": "2026-01-15", "requested_amount": "10"}
    assert client.post(url(line, "draws/new/"), form).status_code == 302
    draw = Draw.objects.get()
    target = url(line, f"draws/{draw.pk}/approve/")
    assert client.post(target, {"approved_amount": "10"}).status_code == 302
    target = url(line, f"draws/{draw.pk}/fund/")
    assert client.post(target, {"funded_date": "2026-01-15"}).status_code == 302
    assert Draw.objects.get().status == "funded"
