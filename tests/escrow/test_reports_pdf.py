"""The batch report's PDF (servicing.pdf_tables) and its rows read set-based
(spec/escrow.md "Report")."""
# ruff: noqa: F811  (the fixtures are imported)

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from escrow.models import EscrowBatchItem, EscrowReport
from escrow.reports import COLUMNS, _BorrowerName, _grouped, fetch_report, report_rows
from loans.models import Borrower
from tests.escrow.analysis_fixtures import board, escrow_loan  # noqa: F401
from tests.escrow.test_analysis_batch import loans, run_batch  # noqa: F401

pytestmark = pytest.mark.django_db


def pdf_text(job, fetched=False) -> str:
    report = EscrowReport.objects.get(job_run=job, fmt="pdf", fetched=fetched)
    reader = PdfReader(io.BytesIO(bytes(report.content)), strict=True)
    return "\n".join(page.extract_text() for page in reader.pages)


def test_report_pdf_shows_the_batch(loans, run_batch):
    first, second, _ = loans
    job = run_batch()
    text = pdf_text(job)
    assert f"Escrow analysis batch #{job.pk}" in text
    assert (
        "Business date 2026-01-15 · loans last analyzed 2025-01-01 to 2025-01-31 · update · 2 loans"
    ) in text
    for label in ("Loan", "Borrower", "Outcome", "Cushion", "Deficiency", "Rule outcomes"):
        assert label in text
    assert first.loan_number in text and second.loan_number in text
    assert "Ann Lee" in text and "1,560.00" in text and "260.00" in text
    assert "Page 1 of 1" in text


def test_report_pdf_groups_thousands_and_the_csv_does_not(loans, run_batch):
    job = run_batch()
    assert "1,560.00" in pdf_text(job) and "1560.00" not in pdf_text(job)
    csv_text = bytes(EscrowReport.objects.get(job_run=job, fmt="csv").content).decode()
    assert "1560.00" in csv_text and "1,560.00" not in csv_text


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("0.00", "0.00"),
        ("999.99", "999.99"),
        ("1560.00", "1,560.00"),
        ("1234567.89", "1,234,567.89"),
        ("-2500.10", "-2,500.10"),
        ("", ""),
    ],
)
def test_amounts_grouped_for_reading(amount, shown):
    assert _grouped(amount) == shown


def test_one_loan_is_one_loan_not_one_loans(escrow_loan, run_batch):
    escrow_loan()
    text = pdf_text(run_batch())
    assert "· 1 loan" in text and "1 loans" not in text


def test_fetched_report_pdf_says_when(loans, run_batch):
    job = run_batch(generate_report=False, update=False)
    fetch_report(job)
    text = pdf_text(job, fetched=True)
    assert "analysis only · 2 loans · fetched 20" in text


def test_empty_report_pdf_says_no_loans(loans, run_batch):
    job = run_batch(start_date=dt.date(2020, 1, 1), end_date=dt.date(2020, 1, 2))
    text = pdf_text(job)
    assert "No loans were last analyzed in the range." in text
    assert "0 loans" in text and "Page 1 of 1" in text


def test_report_rows_take_the_same_queries_for_one_loan_or_five(escrow_loan, run_batch):
    for n in range(5):
        escrow_loan(application_number=f"APP-Q{n}", borrower_id=f"B-Q{n}")
    lone = escrow_loan(application_number="APP-Q9", borrower_id="B-Q9")
    lone.escrow_accounts.update(last_analysis_date=dt.date(2025, 3, 1))
    five = run_batch(generate_report=False)
    one = run_batch(
        start_date=dt.date(2025, 3, 1), end_date=dt.date(2025, 3, 31), generate_report=False
    )
    counts = []
    for job, expected in ((one, 1), (five, 5)):
        assert EscrowBatchItem.objects.filter(job_run=job).count() == expected
        with CaptureQueriesContext(connection) as queries:
            rows = list(report_rows(job))
        assert len(rows) == expected and all(len(row) == len(COLUMNS) for row in rows)
        counts.append(len(queries))
    assert counts == [2, 2]  # the items, the failures


@pytest.mark.parametrize(
    ("kind", "first", "last", "business"),
    [
        ("individual", "Ann", "Lee", ""),
        ("individual", "", "Lee", "Lee Holdings"),
        ("individual", "", "", "Lee Holdings"),
        ("business", "Ann", "Lee", "Acme LLC"),
        ("business", "Ann", "Lee", ""),
    ],
)
def test_report_borrower_name_is_the_borrowers_display_name(kind, first, last, business):
    borrower = Borrower(kind=kind, first_name=first, last_name=last, business_name=business)
    assert _BorrowerName(kind, first, last, business).display_name == borrower.display_name
