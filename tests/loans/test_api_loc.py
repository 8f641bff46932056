"""Lines of credit and draws over the REST API (spec/api.md "Lines of credit", spec/loc.md)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loans.models import CreditLine, Draw, DrawEvent, LedgerEntry
from loans.services.draws import initiate_draw
from loans.services.lines import close_expired_lines
from loans.services.payments import post_payment
from servicing.business_date import set_business_date
from servicing.models import ActivityEntry

BD = dt.date(2026, 1, 15)  # board_line's business date; the line was funded 2026-01-01


@pytest.fixture
def line(board_line):
    return board_line(BD)


@pytest.fixture
def los(token_client):
    return token_client("draws", "read")


def url(loan, suffix=""):
    return f"/api/v1/loans/{loan.loan_number}{suffix}"


def initiate(los, loan, amount="500.00", **body):
    body = {"requested_date": "2026-01-15", "requested_amount": amount, **body}
    response = los.post(url(loan, "/draws"), body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def act(los, loan, draw_id, action, body=None):
    """POST an action on a draw (``delete`` is the DELETE of the draw)."""
    if action == "delete":
        return los.delete(url(loan, f"/draws/{draw_id}"))
    return los.post(url(loan, f"/draws/{draw_id}/{action}"), body or {}, format="json")


def writes() -> tuple[int, int, int, int]:
    """Rows any draw or line action writes: draws, their history, ledger rows, activity."""
    return (
        Draw.objects.count(),
        DrawEvent.objects.count(),
        LedgerEntry.objects.count(),
        ActivityEntry.objects.count(),
    )


# --- The whole flow -----------------------------------------------------------------------


def test_initiate_approve_fund_then_the_list_shows_the_history(line, los):
    draw = initiate(los, line, "4000.00", fee="100.00", external_id="LOS-1")
    assert draw["status"] == "verification" and draw["initiated_via"] == "api"
    assert (draw["requested_amount"], draw["fee"], draw["external_id"]) == (
        "4000.00",
        "100.00",
        "LOS-1",
    )
    assert draw["approved_amount"] is None and draw["disbursement_date"] is None
    approved = act(los, line, draw["id"], "approve", {"approved_amount": "4000.00"})
    assert approved.status_code == 200, approved.json()
    assert (approved.json()["status"], approved.json()["approved_amount"]) == (
        "approved",
        "4000.00",
    )
    funded = act(los, line, draw["id"], "fund", {"funded_date": "2026-01-15"})
    assert funded.status_code == 200, funded.json()

    (listed,) = los.get(url(line, "/draws")).json()
    assert listed == funded.json()
    assert listed["status"] == "funded"
    assert (listed["funded_amount"], listed["funded_date"]) == ("3900.00", "2026-01-15")
    assert [event["status"] for event in listed["history"]] == [
        "verification",
        "approved",
        "funded",
    ]
    assert {event["actor"] for event in listed["history"]} == {"api:los-draws-read"}
    assert {event["business_date"] for event in listed["history"]} == {"2026-01-15"}
    assert "Funded 3,900.00 on 2026-01-15" in listed["history"][-1]["note"]
    # The principal grew by the approved amount less the fee.
    loan = los.get(url(line)).json()
    assert loan["balances"]["principal"] == "3900.00"
    assert loan["schedule_version"] == 2  # re-amortized
    summary = los.get(url(line, "/loc")).json()
    assert summary["principal_outstanding"] == "3900.00"
    assert (summary["available_amount"], summary["used"]) == ("6100.00", "3900.00")


def test_draws_are_listed_newest_first(line, los):
    first = initiate(los, line, "100.00")
    second = initiate(los, line, "200.00")
    assert [d["id"] for d in los.get(url(line, "/draws")).json()] == [second["id"], first["id"]]
    assert los.get(url(line, f"/draws/{first['id']}")).json() == first


def test_the_draw_list_takes_the_same_queries_for_one_draw_or_many(line, los):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert los.get(url(line, "/draws")).status_code == 200
        return len(captured)

    initiate(los, line, auto_funded=True)
    one = queries()
    for _ in range(4):
        draw = initiate(los, line, auto_funded=True)
        act(los, line, draw["id"], "approve", {"approved_amount": "500.00"})
    assert queries() == one


def test_the_line_as_boarded(line, los):
    response = los.get(url(line, "/loc"))
    assert response.status_code == 200
    assert response.json() == {
        "loan_number": line.loan_number,
        "loc_status": "active",
        "credit_limit": "10000.00",
        "available_amount": "10000.00",
        "used": "0.00",
        "principal_outstanding": "0.00",
        "revolving": True,
        "term_type": "fixed",
        "valid_till_date": None,
        "draw_term_payments": None,
        "maturity_date": "2027-01-01",
        "status_changed_on": "2026-01-01",
        "status_reason": "",
    }


def test_an_auto_funded_draw_gets_its_disbursement_date_and_no_funding_request(line, los):
    draw = initiate(los, line, auto_funded=True)
    approved = act(los, line, draw["id"], "approve", {"approved_amount": "500.00"}).json()
    assert approved["auto_funded"] is True
    disbursement_date = dt.date.fromisoformat(approved["disbursement_date"])
    assert disbursement_date >= BD
    assert f"Disbursement on {disbursement_date}" in approved["history"][-1]["note"]
    response = act(los, line, draw["id"], "fund", {"funded_date": "2026-01-15"})
    assert response.status_code == 409 and response.json()["code"] == "draw_auto_funded"


def test_a_draw_initiated_on_the_loan_page_can_be_deleted_over_the_api(line, los):
    draw = initiate_draw(line, requested_date=BD, requested_amount=D("300.00"), via="ui")
    response = act(los, line, draw.pk, "delete")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["initiated_via"]) == ("deleted", "ui")
    assert [event["status"] for event in body["history"]] == ["verification", "deleted"]


def test_a_rejected_draw_keeps_its_reason(line, los):
    draw = initiate(los, line)
    body = act(los, line, draw["id"], "reject", {"reason": "  Collateral missing "}).json()
    assert (body["status"], body["reject_reason"]) == ("rejected", "Collateral missing")
    assert body["history"][-1]["note"] == "Collateral missing"


def test_line_actions_return_the_line_with_the_reason(line, los):
    response = los.post(url(line, "/loc/suspend"), {"reason": "Covenant review"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["loc_status"], body["status_reason"]) == ("suspended", "Covenant review")
    assert body["status_changed_on"] == "2026-01-15"
    response = los.post(url(line, "/loc/activate"), format="json")  # no body: reason optional
    assert response.status_code == 200, response.json()
    assert (response.json()["loc_status"], response.json()["status_reason"]) == ("active", "")


def test_a_backdated_funding_replays_the_loan_from_its_funded_date(line, los):
    set_business_date(dt.date(2026, 2, 10))
    draw = initiate(los, line, "5000.00", requested_date="2026-01-20")
    act(los, line, draw["id"], "approve", {"approved_amount": "5000.00"})
    funded = act(los, line, draw["id"], "fund", {"funded_date": "2026-01-20"}).json()
    assert (funded["status"], funded["funded_date"]) == ("funded", "2026-01-20")
    assert funded["history"][-1]["business_date"] == "2026-02-10"
    assert funded["history"][-1]["note"].endswith("loan replayed")
    balances = los.get(url(line)).json()["balances"]
    # ACT/360 at 12% from 01-20 through 02-09: 5,000 x 0.12 x 21 / 360 = 35.00
    assert (balances["principal"], balances["interest"]) == ("5000.00", "35.00")


def test_an_open_term_draw_moves_the_maturity_out(board_line, los):
    loan = board_line(BD, loc={"term_type": "open", "draw_term_payments": 24})
    draw = initiate(los, loan, "5000.00")
    act(los, loan, draw["id"], "approve", {"approved_amount": "5000.00"})
    act(los, loan, draw["id"], "fund", {"funded_date": "2026-01-15"})
    summary = los.get(url(loan, "/loc")).json()
    # 24 monthly payments from the funded date: 2026-02-01 .. 2028-01-01
    assert (summary["term_type"], summary["maturity_date"]) == ("open", "2028-01-01")


def test_a_non_revolving_line_paid_off_closes_and_takes_no_more_draws(board_line, los):
    loan = board_line(BD, loc={"revolving": False})
    draw = initiate(los, loan, "5000.00", fee="100.00")
    act(los, loan, draw["id"], "approve", {"approved_amount": "5000.00"})
    act(los, loan, draw["id"], "fund", {"funded_date": "2026-01-15"})
    summary = los.get(url(loan, "/loc")).json()
    # Non-revolving: the approved amount (fee included) is used for good.
    assert (summary["principal_outstanding"], summary["available_amount"]) == (
        "4900.00",
        "5000.00",
    )
    set_business_date(dt.date(2026, 2, 1))
    payoff = los.get(url(loan, "/payoff")).json()["total"]
    post_payment(loan, amount=D(payoff), effective_date=dt.date(2026, 2, 1))
    summary = los.get(url(loan, "/loc")).json()
    assert (summary["loc_status"], summary["status_reason"]) == ("closed", "Paid off")
    body = {"requested_date": "2026-02-01", "requested_amount": "10.00"}
    response = los.post(url(loan, "/draws"), body, format="json")
    assert response.status_code == 409 and response.json()["code"] == "loan_not_open"


# --- Status machines ----------------------------------------------------------------------


def line_in(los, loan, status):
    """Bring the line to ``status`` the way production does (API, or the COB step)."""
    if status in ("suspended", "canceled"):
        action = {"suspended": "suspend", "canceled": "cancel"}[status]
        assert los.post(url(loan, f"/loc/{action}"), format="json").status_code == 200
    if status == "closed":
        assert close_expired_lines([loan.pk], BD) == []
    assert CreditLine.objects.get(loan=loan).status == status


# (line status before, action) -> status after, or the 409 code refusing it (spec/loc.md).
LINE_TABLE = [
    ("active", "suspend", "suspended"),
    ("active", "activate", "loc_not_suspended"),
    ("active", "cancel", "canceled"),
    ("suspended", "suspend", "loc_not_active"),
    ("suspended", "activate", "active"),
    ("suspended", "cancel", "canceled"),
    ("canceled", "suspend", "loc_not_active"),
    ("canceled", "activate", "loc_not_suspended"),
    ("canceled", "cancel", "loc_final"),
    ("closed", "suspend", "loc_not_active"),
    ("closed", "activate", "loc_not_suspended"),
    ("closed", "cancel", "loc_final"),
]


@pytest.mark.parametrize(("before", "action", "outcome"), LINE_TABLE)
def test_line_status_transitions(board_line, los, before, action, outcome):
    # Valid till the business date: the close of that date closes it (the "closed" rows).
    loan = board_line(BD, loc={"valid_till_date": "2026-01-15"})
    line_in(los, loan, before)
    done = writes()
    response = los.post(url(loan, f"/loc/{action}"), {"reason": "test"}, format="json")
    if outcome in CreditLine.Status.values:
        assert response.status_code == 200, response.json()
        assert response.json()["loc_status"] == outcome
        assert CreditLine.objects.get(loan=loan).status == outcome
    else:
        assert response.status_code == 409, response.json()
        assert response.json()["code"] == outcome
        assert CreditLine.objects.get(loan=loan).status == before
        assert writes() == done


@pytest.mark.parametrize("action", ["suspend", "cancel"])
def test_a_draw_in_verification_blocks_suspend_and_cancel(line, los, action):
    initiate(los, line)
    response = los.post(url(line, f"/loc/{action}"), format="json")
    assert response.status_code == 409 and response.json()["code"] == "draw_in_verification"
    assert CreditLine.objects.get(loan=line).status == "active"


@pytest.mark.parametrize("status", ["suspended", "canceled", "closed"])
def test_new_draws_only_while_the_line_is_active(board_line, los, status):
    loan = board_line(BD, loc={"valid_till_date": "2026-01-15"})
    line_in(los, loan, status)
    body = {"requested_date": "2026-01-15", "requested_amount": "100.00"}
    response = los.post(url(loan, "/draws"), body, format="json")
    assert response.status_code == 409 and response.json()["code"] == "loc_not_active"
    assert not Draw.objects.exists()


def test_a_suspended_line_approves_no_draw(line, los):
    draw = initiate(los, line)
    # No action leaves a draw in verification on a suspended line (suspend is refused while
    # there is one): the approval's own guard is reached by setting the status.
    CreditLine.objects.filter(loan=line).update(status="suspended")
    response = act(los, line, draw["id"], "approve", {"approved_amount": "500.00"})
    assert response.status_code == 409 and response.json()["code"] == "loc_not_active"


def draw_in(los, loan, status) -> int:
    """A draw of 500.00 brought to ``status`` (a deleted one was initiated on the page)."""
    if status == "deleted":
        draw_id = initiate_draw(loan, requested_date=BD, requested_amount=D("500"), via="ui").pk
    else:
        draw_id = initiate(los, loan)["id"]
    steps = {
        "approved": ["approve"],
        "funded": ["approve", "fund"],
        "rejected": ["reject"],
        "deleted": ["delete"],
    }
    for step in steps.get(status, []):
        assert act(los, loan, draw_id, step, BODIES[step]).status_code == 200
    return draw_id


BODIES = {
    "approve": {"approved_amount": "500.00"},
    "reject": {"reason": "Not eligible"},
    "fund": {"funded_date": "2026-01-15"},
    "delete": None,
}
# (draw status before, action) -> status after, or the 409 code refusing it (spec/loc.md).
DRAW_TABLE = [
    ("verification", "approve", "approved"),
    ("verification", "reject", "rejected"),
    ("verification", "delete", "draw_not_deletable"),  # initiated by the LOS
    ("verification", "fund", "draw_not_approved"),
    ("approved", "approve", "draw_not_in_verification"),
    ("approved", "reject", "draw_not_in_verification"),
    ("approved", "delete", "draw_not_in_verification"),
    ("approved", "fund", "funded"),
    *[
        (before, action, "draw_not_approved" if action == "fund" else "draw_not_in_verification")
        for before in ("rejected", "deleted", "funded")
        for action in ("approve", "reject", "delete", "fund")
    ],
]


@pytest.mark.parametrize(("before", "action", "outcome"), DRAW_TABLE)
def test_draw_status_transitions(line, los, before, action, outcome):
    draw_id = draw_in(los, line, before)
    done = writes()
    response = act(los, line, draw_id, action, BODIES[action])
    if outcome in Draw.Status.values:
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == outcome
        assert response.json()["history"][-1]["status"] == outcome
    else:
        assert response.status_code == 409, response.json()
        assert response.json()["code"] == outcome
        assert Draw.objects.get(pk=draw_id).status == before
        assert writes() == done


# --- Availability -------------------------------------------------------------------------


def test_a_draw_above_the_available_amount_is_refused(line, los):
    body = {"requested_date": "2026-01-15", "requested_amount": "10000.01"}
    response = los.post(url(line, "/draws"), body, format="json")
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "draw_exceeds_available"
    assert response.json()["available_amount"] == "10000.00"
    assert not Draw.objects.exists()
    assert initiate(los, line, "10000.00")["status"] == "verification"  # the limit itself


def test_an_approval_above_what_is_left_is_refused(line, los):
    first, second = initiate(los, line, "6000.00"), initiate(los, line, "6000.00")
    assert act(los, line, first["id"], "approve", {"approved_amount": "6000.00"}).status_code == 200
    response = act(los, line, second["id"], "approve", {"approved_amount": "6000.00"})
    assert response.status_code == 409 and response.json()["code"] == "draw_exceeds_available"
    assert Draw.objects.get(pk=second["id"]).status == "verification"
    assert los.get(url(line, "/loc")).json()["available_amount"] == "4000.00"


# --- Which loan, which draw ---------------------------------------------------------------


def test_a_term_loan_is_not_a_line(board, los):
    loan = board(BD)
    draw = {"requested_date": "2026-01-15", "requested_amount": "100.00"}
    for response in (
        los.get(url(loan, "/draws")),
        los.post(url(loan, "/draws"), draw, format="json"),
        los.get(url(loan, "/loc")),
        los.post(url(loan, "/loc/suspend"), format="json"),
        los.post(url(loan, "/loc/activate"), format="json"),
        los.post(url(loan, "/loc/cancel"), format="json"),
        los.post(url(loan, "/draws/1/approve"), {"approved_amount": "1.00"}, format="json"),
        los.delete(url(loan, "/draws/1")),
    ):
        assert response.status_code == 409, response.json()
        assert response.json()["code"] == "not_a_line"
    assert not Draw.objects.exists()


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "/draws", None),
        ("post", "/draws", {"requested_date": "2026-01-15", "requested_amount": "1.00"}),
        ("get", "/loc", None),
        ("post", "/loc/suspend", {}),
        ("get", "/draws/1", None),
        ("delete", "/draws/1", None),
    ],
)
def test_an_unknown_loan_is_404(los, db, method, suffix, body):
    response = getattr(los, method)(f"/api/v1/loans/NOPE{suffix}", body, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_an_unknown_draw_or_another_lines_draw_is_404(line, board_line, los):
    other = board_line(BD, application_number="LOC-2002")
    theirs = initiate(los, other)["id"]
    for draw_id in (theirs, theirs + 1000, 10**20):
        for action in ("approve", "reject", "fund", "delete"):
            response = act(los, line, draw_id, action, BODIES[action])
            assert response.status_code == 404, (action, response.json())
            assert response.json()["code"] == "draw_not_found"
        response = los.get(url(line, f"/draws/{draw_id}"))
        assert response.status_code == 404 and response.json()["code"] == "draw_not_found"
    assert Draw.objects.get(pk=theirs).status == "verification"


def test_a_second_draw_with_the_same_external_id_is_409(line, los):
    initiate(los, line, external_id="LOS-7")
    body = {"requested_date": "2026-01-15", "requested_amount": "100.00", "external_id": "LOS-7"}
    response = los.post(url(line, "/draws"), body, format="json")
    assert response.status_code == 409 and response.json()["code"] == "duplicate_external_id"
    assert Draw.objects.count() == 1
