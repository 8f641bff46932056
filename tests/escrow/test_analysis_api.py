"""POST /api/v1/loans/{loan_number}/escrow-analysis and /escrow-analysis/batches
(spec/api.md "Ops"): the response fields exactly, 400s, 409s, scopes."""
# ruff: noqa: F811  (the fixtures are imported from tests/escrow/analysis_fixtures.py)

import pytest

from escrow.models import EscrowAnalysis
from loans.models import LoanDocument
from servicing.models import JobRun
from tests.escrow.analysis_fixtures import TODAY, add_account, board, escrow_loan  # noqa: F401

pytestmark = pytest.mark.django_db

FIELDS = {
    "analysis_id",
    "computation_year_start",
    "annual_disbursements",
    "monthly_payment",
    "cushion",
    "required_starting_balance",
    "projected_starting_balance",
    "surplus",
    "shortage",
    "deficiency",
    "low_point_month",
    "new_monthly_payment",
    "exempt",
    "actions",
    "rows",
}


def url(loan):
    return f"/api/v1/loans/{loan.loan_number}/escrow-analysis"


def test_response_has_exactly_the_contract_fields(escrow_loan, token_client):
    loan = escrow_loan()
    response = token_client("ops").post(
        url(loan), {"effective_date": "2026-01-15", "update": True}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == FIELDS
    analysis = EscrowAnalysis.objects.get(pk=body["analysis_id"])
    assert analysis.updated
    assert body["computation_year_start"] == "2026-02-01"
    assert body["annual_disbursements"] == "1560.00"
    assert body["monthly_payment"] == "130.00"
    assert body["cushion"] == "260.00"
    assert body["projected_starting_balance"] == "600.00"
    assert body["required_starting_balance"] == str(analysis.required_starting_balance)
    assert body["new_monthly_payment"] == str(analysis.new_monthly_payment)
    assert body["low_point_month"] == analysis.low_point_month
    assert len(body["low_point_month"]) == 7
    assert body["exempt"] is False
    assert len(body["rows"]) == 13
    assert set(body["rows"][0]) == {
        "month",
        "deposit",
        "disbursement",
        "step1",
        "step2",
        "step3",
        "projected",
    }
    assert body["rows"][0] == {
        "month": "2026-01",
        "deposit": "0.00",
        "disbursement": "0.00",
        "step1": "0.00",
        "step2": body["rows"][0]["step2"],
        "step3": body["required_starting_balance"],
        "projected": "600.00",
    }
    assert {a["code"] for a in body["actions"]} <= {
        "spread_shortage",
        "refund_surplus",
        "credit_surplus",
    }
    # The statement is in the loan's documents when the call returns.
    assert LoanDocument.objects.filter(loan=loan, kind="escrow_statement").exists()


def test_second_update_is_409_already_analyzed(escrow_loan, token_client):
    loan = escrow_loan()
    client = token_client("ops")
    body = {"effective_date": "2026-01-15", "update": True}
    first = client.post(url(loan), body, format="json").json()
    response = client.post(url(loan), body, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "already_analyzed"
    assert str(first["analysis_id"]) in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"effective_date": "2026-13-01"},
        {"effective_date": "yesterday"},
        {"effective_date": "2026-01-15", "update": "maybe"},
        {"effective_date": 20260115},
    ],
)
def test_bad_input_is_400(escrow_loan, token_client, body):
    loan = escrow_loan()
    response = token_client("ops").post(url(loan), body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not EscrowAnalysis.objects.exists()


def test_loan_without_auto_analysis_account_is_409(board, token_client):
    loan = board(TODAY, number_of_payments=24)
    add_account(loan, auto_analysis=False)
    response = token_client("ops").post(url(loan), {"effective_date": "2026-01-15"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "no_escrow_to_analyze"


def test_closed_loan_is_409(escrow_loan, token_client):
    loan = escrow_loan()
    loan.status = "closed"
    loan.closure_reason = "paid_off"
    loan.save(update_fields=["status", "closure_reason"])
    response = token_client("ops").post(url(loan), {"effective_date": "2026-01-15"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "loan_not_open"


def test_unknown_loan_is_404(token_client, db):
    response = token_client("ops").post(
        "/api/v1/loans/NOPE/escrow-analysis", {"effective_date": "2026-01-15"}, format="json"
    )
    assert response.status_code == 404


def test_needs_the_ops_scope(escrow_loan, token_client, client, agent, ops_user):
    loan = escrow_loan()
    body = {"effective_date": "2026-01-15"}
    assert token_client("read", "payments").post(url(loan), body, format="json").status_code == 403
    assert client.post(url(loan), body, content_type="application/json").status_code in (401, 403)
    client.force_login(agent)
    assert client.post(url(loan), body, content_type="application/json").status_code == 403


def test_batch_api_queues_a_job(escrow_loan, token_client, django_capture_on_commit_callbacks):
    escrow_loan()
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client("ops").post(
            "/api/v1/escrow-analysis/batches",
            {
                "start_date": "2025-01-01",
                "end_date": "2025-01-31",
                "update": True,
                "generate_report": True,
                "send_email": False,
            },
            format="json",
        )
    assert response.status_code == 202
    job = JobRun.objects.get(pk=response.json()["job_id"])
    assert job.kind == JobRun.Kind.ESCROW_ANALYSIS
    progress = token_client("read").get(f"/api/v1/jobs/{job.pk}").json()
    assert (progress["state"], progress["total"], progress["done"]) == ("succeeded", 1, 1)


@pytest.mark.parametrize(
    "body",
    [
        {"start_date": "2025-02-01", "end_date": "2025-01-01"},
        {"start_date": "2025-02-01"},
        {"start_date": "x", "end_date": "2025-01-01"},
    ],
)
def test_batch_api_bad_input_is_400(token_client, db, body):
    response = token_client("ops").post("/api/v1/escrow-analysis/batches", body, format="json")
    assert response.status_code == 400
    assert not JobRun.objects.exists()


def test_batch_api_needs_the_ops_scope(token_client, db):
    response = token_client("read").post(
        "/api/v1/escrow-analysis/batches",
        {"start_date": "2025-01-01", "end_date": "2025-01-31"},
        format="json",
    )
    assert response.status_code == 403
