"""Agent pages for loan actions: forms, inline errors, roles, downloads."""

import datetime as dt
import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from loans.models import LedgerEntry
from loans.services.payments import post_payment, reverse_payment
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


def errors_of(response) -> list[str]:
    """The inline error texts a form page shows (field and non-field)."""
    html = response.content.decode()
    return re.findall(r'class="(?:field-error|form-errors)"[^>]*>\s*(?:<p>)?(.*?)</p>', html)


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        ("abc", "Enter a number."),
        ("NaN", "Enter a number."),
        ("Infinity", "Enter a number."),
        ("0", "greater than or equal to 0.01"),
        ("1e30", "no more than 14 digits in total"),
        ("10.123", "no more than 2 decimal places"),
    ],
)
def test_payment_rejects_malformed_amounts_inline(agent_client, loan, amount, error):
    form = {"amount": amount, "effective_date": "2026-02-01", "instrument": "ach"}
    for extra in ({}, {"preview": "1"}):
        response = agent_client.post(page(loan, "payment/"), {**form, **extra})
        assert response.status_code == 200
        assert any(error in text for text in errors_of(response)), errors_of(response)
    assert not LedgerEntry.objects.filter(kind="payment").exists()


@pytest.mark.parametrize(
    ("dates", "error"),
    [
        ({"effective_date": "2026-02-30"}, "Enter a valid date."),
        ({"effective_date": "0001-01-01"}, "cannot be before the funded date 2026-01-01"),
        ({"effective_date": "9999-12-31"}, "cannot be after the business date 2026-02-01"),
        (
            {"effective_date": "2026-02-01", "payment_date": "2030-01-01"},
            "The payment date cannot be after the business date 2026-02-01",
        ),
    ],
)
def test_payment_rejects_impossible_dates_inline(agent_client, loan, dates, error):
    form = {"amount": "10.00", "instrument": "ach", **dates}
    response = agent_client.post(page(loan, "payment/"), form)
    assert response.status_code == 200
    assert any(error in text for text in errors_of(response)), errors_of(response)
    assert not LedgerEntry.objects.filter(kind="payment").exists()


def test_payment_rejects_unknown_instrument_and_hierarchy(agent_client, loan):
    form = {"amount": "10", "effective_date": "2026-02-01", "instrument": "bitcoin"}
    response = agent_client.post(page(loan, "payment/"), {**form, "hierarchy": "bogus"})
    errors = errors_of(response)
    assert any("bitcoin is not one of the available choices" in e for e in errors)
    assert any("bogus is not one of the available choices" in e for e in errors)


def test_htmx_preview_with_bad_input_swaps_the_form_with_its_errors(agent_client, loan):
    response = agent_client.post(
        page(loan, "payment/"),
        {"amount": "-5", "effective_date": "2026-02-01", "instrument": "ach", "preview": "1"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="payment-panel"' in html and 'id="payment-form"' in html
    assert "greater than or equal to 0.01" in html
    assert "Correct the highlighted fields" in html


@pytest.mark.parametrize(
    ("suffix", "fields"),
    [
        ("payment/", ["amount", "effective_date", "instrument"]),
        ("fee/", ["name", "amount"]),
        ("waive/", ["amount", "reason"]),
        ("note/", ["text"]),
    ],
)
def test_an_empty_post_shows_required_errors(agent_client, loan, make_user, suffix, fields):
    agent_client.force_login(make_user("supervisor", username="sup"))
    response = agent_client.post(page(loan, suffix), {})
    assert response.status_code == 200
    assert errors_of(response).count("This field is required.") == len(fields)


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"name": "Late fee", "amount": "-5"}, "greater than or equal to 0.01"),
        ({"name": "Late fee", "amount": "99999999999999"}, "no more than 12 digits before"),
        ({"name": "   ", "amount": "5"}, "This field is required."),
        ({"name": "x" * 101, "amount": "5"}, "at most 100 characters"),
        ({"name": "Late fee", "amount": "5", "effective_date": "2026-13-01"}, "valid date"),
        (
            {"name": "Late fee", "amount": "5", "effective_date": "2030-01-01"},
            "between the funded date and the business date",
        ),
        (
            {"name": "Late fee", "amount": "5", "effective_date": "2025-12-31"},
            "between the funded date and the business date",
        ),
    ],
)
def test_fee_errors_are_inline(agent_client, loan, form, error):
    response = agent_client.post(page(loan, "fee/"), form)
    assert response.status_code == 200
    assert any(error in text for text in errors_of(response)), errors_of(response)
    assert not LedgerEntry.objects.filter(kind="fee_assessed").exists()


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"amount": "-1", "reason": "goodwill"}, "greater than or equal to 0.01"),
        ({"amount": "1e30", "reason": "goodwill"}, "no more than 14 digits"),
        ({"amount": "5", "reason": "   "}, "This field is required."),
        ({"amount": "5", "reason": "goodwill"}, "Only 0.00 of fees are outstanding."),
    ],
)
def test_waiver_errors_are_inline(client, loan, make_user, form, error):
    client.force_login(make_user("supervisor", username="sup"))
    response = client.post(page(loan, "waive/"), form)
    assert response.status_code == 200
    assert any(error in text for text in errors_of(response)), errors_of(response)
    assert not LedgerEntry.objects.filter(kind="fee_waived").exists()


def test_reversal_errors_are_inline_and_unknown_rows_404(agent_client, loan, agent):
    payment = post_payment(
        loan, amount=Decimal("100.00"), effective_date=dt.date(2026, 2, 1), actor=agent
    )
    url = page(loan, f"transactions/{payment.pk}/reverse/")
    assert errors_of(agent_client.post(url, {"reason": "   "})) == ["This field is required."]
    assert "at most 400 characters" in errors_of(agent_client.post(url, {"reason": "x" * 401}))[0]
    agent_client.post(url, {"reason": "R01 NSF"})
    again = agent_client.post(url, {"reason": "R01 NSF"})
    assert again.status_code == 200
    assert errors_of(again) == ["This payment was already reversed."]
    assert LedgerEntry.objects.filter(kind="payment_reversal").count() == 1
    disbursement = LedgerEntry.objects.get(loan=loan, kind="disbursement")
    assert (
        agent_client.get(page(loan, f"transactions/{disbursement.pk}/reverse/")).status_code == 404
    )
    assert agent_client.get(page(loan, "transactions/999999/reverse/")).status_code == 404


@pytest.mark.parametrize(
    ("date", "error"),
    [
        ("2026-02-30", "Enter a valid date."),
        ("garbage", "Enter a valid date."),
        ("0001-01-01", "cannot be in the past"),
        ("9999-12-31", "at most a year ahead"),
    ],
)
def test_payoff_errors_are_inline_and_no_letter_is_made(agent_client, loan, date, error):
    for extra in ({}, {"format": "pdf"}):
        response = agent_client.get(page(loan, "payoff/"), {"date": date, **extra})
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
        assert any(error in text for text in errors_of(response)), errors_of(response)
        assert b'data-testid="payoff-total"' not in response.content


def test_payoff_letter_carries_the_quoted_amount(agent_client, loan):
    quote = agent_client.get(page(loan, "payoff/"), {"date": "2026-02-10"}).content.decode()
    total = re.search(r'data-testid="payoff-total">([\d,.]+)<', quote).group(1)
    pdf = agent_client.get(page(loan, "payoff/"), {"date": "2026-02-10", "format": "pdf"})
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages)
    assert f"Payoff amount {total}" in text
    assert "-0.00" not in text and "-0.00" not in quote  # no excess held: no minus sign


@pytest.mark.parametrize("version", ["abc", "²", "99999999999999999999999", "999", "-1"])
def test_loan_tabs_tolerate_odd_version_params(agent_client, loan, version):
    response = agent_client.get(page(loan, "schedule/"), {"version": version})
    assert response.status_code == 200
    download = agent_client.get(f"/loans/{loan.loan_number}/schedule.csv", {"version": version})
    assert download.status_code in (200, 404)


def test_every_tab_renders_and_unknown_tabs_404(agent_client, loan):
    for tab in ("", "summary/", "schedule/", "transactions/", "activity/", "notes/"):
        assert agent_client.get(page(loan, tab)).status_code == 200, tab
    assert agent_client.get(page(loan, "bogus/")).status_code == 404
    assert agent_client.get("/loans/L9999999/").status_code == 404
    assert agent_client.get("/loans/L9999999/payment/").status_code == 404


def test_transactions_hide_daily_accruals_unless_asked(agent_client, loan):
    hidden = agent_client.get(page(loan, "transactions/")).content
    everything = agent_client.get(page(loan, "transactions/"), {"accruals": "show"}).content
    assert b"Interest accrual" in everything and b"Interest accrual" not in hidden
    assert b"Disbursement" in hidden and b"Show daily accruals" in hidden
    assert b"Hide daily accruals" in everything


def test_summary_shows_the_balance_chart(agent_client, loan, agent):
    payment = post_payment(
        loan, amount=Decimal("408.03"), effective_date=dt.date(2026, 2, 1), actor=agent
    )
    html = agent_client.get(page(loan, "")).content.decode()
    assert 'data-testid="balance-chart"' in html and 'role="img"' in html
    assert 'data-series="projected-balance"' in html and 'data-series="paid-to-date"' in html
    assert 'data-testid="paid-to-date">396.03<' in html
    reverse_payment(payment, reason="R01", actor=agent)
    html = agent_client.get(page(loan, "")).content.decode()
    assert 'data-testid="paid-to-date">0.00<' in html  # a reversed payment nets out


def test_transactions_are_paged_latest_first(agent_client, loan, monkeypatch):
    monkeypatch.setattr("loans.views.TRANSACTIONS_PER_PAGE", 5)
    html = agent_client.get(page(loan, "transactions/"), {"accruals": "show"}).content.decode()
    total = LedgerEntry.objects.filter(loan=loan).count()  # caught up: a month of accruals
    assert total > 5
    last = (
        LedgerEntry.objects.filter(loan=loan).order_by("effective_date", "posted_at", "id").last()
    )
    assert f"<td>{last.pk}</td>" in html and f"of {total}" in html and "‹ Earlier" in html
    first = agent_client.get(
        page(loan, "transactions/"), {"accruals": "show", "page": "1"}
    ).content.decode()
    assert "Rows 1–5" in first and "Later ›" in first
    # Nonsense page numbers fall back to a real page, never a 500.
    for bad in ("0", "-3", "abc", "99999"):
        response = agent_client.get(page(loan, "transactions/"), {"page": bad})
        assert response.status_code == 200
