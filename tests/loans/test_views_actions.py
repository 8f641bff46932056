"""Agent pages for loan actions: forms, inline errors, roles, downloads."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loans.models import LedgerEntry
from servicing.business_date import set_business_date


@pytest.fixture
def loan(board):
    loan = board(business_date=dt.date(2026, 1, 1))
    set_business_date(dt.date(2026, 2, 1))
    return loan


def page(loan, suffix):
    return f"/loans/{loan.loan_number}/{suffix}"


def test_payment_preview_then_post(agent_client, loan):
    form = {"amount": "408.03", "effective_date": "2026-02-01", "instrument": "ach"}
    preview = agent_client.post(
        page(loan, "payment/"), {**form, "preview": "1"}, headers={"HX-Request": "true"}
    )
    assert (
        b'data-testid="allocation-preview"' in preview.content and b"<html" not in preview.content
    )
    assert b"396.03" in preview.content and b"12.00" in preview.content
    assert not LedgerEntry.objects.filter(kind="payment").exists()
    response = agent_client.post(page(loan, "payment/"), form, follow=True)
    assert b"Payment of 408.03 posted" in response.content
    assert LedgerEntry.objects.filter(kind="payment").count() == 1


def test_payment_errors_are_inline(agent_client, loan):
    response = agent_client.post(
        page(loan, "payment/"),
        {"amount": "10", "effective_date": "2026-03-01", "instrument": "ach"},
    )
    assert response.status_code == 200
    assert b"cannot be after the business date" in response.content
    response = agent_client.post(
        page(loan, "payment/"),
        {"amount": "-1", "effective_date": "2026-02-01", "instrument": "ach"},
    )
    assert b"greater than or equal to 0.01" in response.content


def test_reverse_needs_a_reason_and_replays(agent_client, loan, agent):
    from decimal import Decimal

    from loans.services.payments import post_payment

    payment = post_payment(
        loan, amount=Decimal("408.03"), effective_date=dt.date(2026, 2, 1), actor=agent
    )
    url = page(loan, f"transactions/{payment.pk}/reverse/")
    assert b"Reverse payment" in agent_client.get(url).content
    assert b"This field is required" in agent_client.post(url, {"reason": ""}).content
    response = agent_client.post(url, {"reason": "R01 NSF"}, follow=True)
    assert b"reversed; the loan was replayed" in response.content
    assert LedgerEntry.objects.filter(reversal_of=payment).exists()


def test_waiving_is_for_supervisors(agent_client, loan, make_user):
    assert agent_client.get(page(loan, "waive/")).status_code == 403
    agent_client.force_login(make_user("supervisor", username="sup"))
    agent_client.post(page(loan, "fee/"), {"name": "Late fee", "amount": "25.00"})
    response = agent_client.post(page(loan, "waive/"), {"amount": "30.00", "reason": "goodwill"})
    assert b"Only 25.00 of fees are outstanding" in response.content
    response = agent_client.post(
        page(loan, "waive/"), {"amount": "25.00", "reason": "goodwill"}, follow=True
    )
    assert b"Fees of 25.00 waived" in response.content


def test_ops_cannot_post_payments(ops_client, loan):
    assert ops_client.get(page(loan, "payment/")).status_code == 403


def test_payoff_quote_and_pdf_letter(agent_client, loan):
    response = agent_client.get(page(loan, "payoff/"), {"date": "2026-02-10"})
    assert b'data-testid="payoff-total"' in response.content
    pdf = agent_client.get(page(loan, "payoff/"), {"date": "2026-02-10", "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    bad = agent_client.get(page(loan, "payoff/"), {"date": "2025-01-01"})
    assert b"cannot be in the past" in bad.content


def test_schedule_downloads(agent_client, loan):
    csv = agent_client.get(f"/loans/{loan.loan_number}/schedule.csv")
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("number,due_date,principal") and lines[1].startswith(
        "1,2026-02-01,396.03"
    )
    pdf = agent_client.get(f"/loans/{loan.loan_number}/schedule.pdf")
    assert pdf.content.startswith(b"%PDF")
    assert agent_client.get(f"/loans/{loan.loan_number}/schedule.xls").status_code == 404


def test_notes(agent_client, loan):
    response = agent_client.post(
        page(loan, "note/"), {"text": "Borrower called about autopay."}, follow=True
    )
    assert b"Borrower called about autopay." in response.content


def test_calculator(agent_client, loan):
    response = agent_client.get(
        "/loans/calculator/",
        {
            "product_code": "TERM",
            "funded_amount": "200000",
            "funded_date": "2026-01-01",
            "interest_rate": "6",
            "day_count": "30/360",
            "payment_frequency": "monthly",
            "first_payment_date": "2026-02-01",
            "number_of_payments": "360",
            "schedule_type": "equated",
            "broken_period": "merged",
        },
    )
    assert b"1,199.10" in response.content and b"360 installments" in response.content


def test_loan_page_query_count_is_bounded(agent_client, loan):
    agent_client.get(page(loan, ""))  # catch-up happens once
    for tab in ("", "schedule/", "transactions/", "activity/", "notes/"):
        with CaptureQueriesContext(connection) as queries:
            assert agent_client.get(page(loan, tab)).status_code == 200
        assert len(queries) <= 15, (tab, len(queries))
