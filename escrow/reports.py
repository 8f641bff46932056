"""Batch escrow analysis reports (spec/escrow.md "Report"): one row per loan (analyzed,
already updated, or failed) as CSV and PDF, kept as ``EscrowReport`` rows, mailed to the
tenant's report address; "Fetch Report" regenerates them later."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import NamedTuple

from django.core.mail import EmailMessage
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.utils import timezone

from escrow.models import EscrowBatchItem, EscrowReport
from loans.models import Borrower
from servicing.activity import actor_label, record_activity
from servicing.models import JobRun
from servicing.money import format_money
from servicing.pdf_tables import Column, table_pdf
from servicing.tenant import get_tenant_settings

# One report row a loan, in this order; widths are the PDF's shares of the page width.
COLUMNS = (
    Column("Loan", 40),
    Column("Borrower", 66),
    Column("Outcome", 52),
    Column("Current escrow payment", 40, "right"),
    Column("New escrow payment", 40, "right"),
    Column("Annual disbursements (D)", 56, "right"),
    Column("Cushion", 38, "right"),
    Column("Required starting balance", 40, "right"),
    Column("Projected starting balance", 40, "right"),
    Column("Surplus", 38, "right"),
    Column("Shortage", 38, "right"),
    Column("Deficiency", 42, "right"),
    Column("Action", 70),
    Column("Updated", 34),
    Column("Exempt", 32),
    Column("Rule outcomes", 58),
)
EMPTY_TEXT = "No loans were last analyzed in the range."

# Only what a row shows: the analysis JSON's three keys, not its 13 rows (on PostgreSQL
# ``result -> 'actions'``; on SQLite ``json_extract``).
_FIELDS = (
    "loan__loan_number",
    "loan__borrower__kind",
    "loan__borrower__first_name",
    "loan__borrower__last_name",
    "loan__borrower__business_name",
    "outcome",
    # As text: SQLite's JSON would make "130.00" a float. (KT() would take "analysis"
    # for the JSON field.)
    KeyTextTransform("current_payment", KeyTransform("inputs", "analysis__result")),
    "analysis__new_monthly_payment",
    "analysis__annual_disbursements",
    "analysis__cushion",
    "analysis__required_starting_balance",
    "analysis__projected_starting_balance",
    "analysis__surplus",
    "analysis__shortage",
    "analysis__deficiency",
    "analysis__result__actions",
    "analysis__updated",
    "analysis__exempt",
    "analysis__result__rules",
)
_OUTCOMES = dict(EscrowBatchItem.Outcome.choices)
_CHUNK = 2000


class _BorrowerName(NamedTuple):
    """The four columns ``Borrower.display_name`` reads, with that very property: the
    name without building a model instance a row."""

    kind: str
    first_name: str
    last_name: str
    business_name: str
    Kind = Borrower.Kind
    display_name = Borrower.display_name


def report_row_count(job: JobRun) -> int:
    return EscrowBatchItem.objects.filter(job_run=job).count() + job.errors.count()


def report_rows(job: JobRun) -> Iterator[tuple[str, ...]]:
    """The job's loans in loan order, then its failures: one row of strings a loan, in
    ``COLUMNS`` order, read set-based (one query each, in chunks)."""
    items = (
        EscrowBatchItem.objects.filter(job_run=job)
        .order_by("loan__loan_number")
        .values_list(*_FIELDS)
    )
    for values in items.iterator(chunk_size=_CHUNK):
        yield _row(values)
    errors = job.errors.order_by("item_ref").values_list("item_ref", "message")
    for item_ref, message in errors.iterator(chunk_size=_CHUNK):
        yield (item_ref, "", "failed", *[""] * 9, message, "", "", "")


def _row(values: tuple) -> tuple[str, ...]:
    loan_number, *name, outcome, current_payment = values[:7]
    *amounts, actions, updated, exempt, rules = values[7:]
    applied = [r for r in rules or () if r["applied"]]
    return (
        loan_number,
        _BorrowerName(*name).display_name,
        _OUTCOMES[outcome],
        current_payment,
        *map(str, amounts),
        "; ".join(f"{x['code']} {x['amount']}" for x in actions or ()) or "none",
        "yes" if updated else "no",
        "yes" if exempt else "no",
        "; ".join(f"{r['name']}: {r['message']}" for r in applied) or "none applied",
    )


# The PDF's money columns (Current escrow payment .. Deficiency) read 1,560.00; the CSV
# keeps 1560.00 for the spreadsheets and systems that load it.
_MONEY = slice(3, 12)


def _for_reading(rows: Iterator[tuple[str, ...]]) -> Iterator[tuple[str, ...]]:
    for row in rows:
        yield (*row[: _MONEY.start], *map(_grouped, row[_MONEY]), *row[_MONEY.stop :])


def _grouped(amount: str) -> str:
    """ "1560.00" -> "1,560.00" (``format_money``); a failed loan's empty cell stays empty."""
    return format_money(Decimal(amount)) if amount else amount


def loans_text(count: int) -> str:
    """1 -> "1 loan", 100000 -> "100,000 loans"."""
    return "1 loan" if count == 1 else f"{count:,} loans"


def _subtitle(job: JobRun, count: int, fetched: bool) -> str:
    params = job.params
    parts = [
        f"Business date {job.business_date:%Y-%m-%d}",
        f"loans last analyzed {params.get('start_date', '')} to {params.get('end_date', '')}",
        "update" if params.get("update") else "analysis only",
        loans_text(count),
    ]
    if fetched:
        parts.append(f"fetched {timezone.localtime():%Y-%m-%d %H:%M}")
    return " · ".join(parts)


def write_reports(job: JobRun, *, fetched: bool = False, actor=None) -> list[EscrowReport]:
    """The CSV and PDF reports of ``job``, stored (``fetched``: by Fetch Report)."""
    count = report_row_count(job)
    stem = f"escrow-analysis-{job.business_date:%Y%m%d}-job{job.pk}"
    if fetched:
        stem += "-fetched"
    # Encoded as written: a StringIO of 100,000 rows would hold four bytes a character.
    csv_out = io.BytesIO()
    csv_text = io.TextIOWrapper(csv_out, encoding="utf-8", newline="")
    pdf = table_pdf(
        title=f"Escrow analysis batch #{job.pk}",
        subtitle=_subtitle(job, count, fetched),
        columns=COLUMNS,
        rows=_for_reading(_also_to_csv(report_rows(job), csv_text)),
        row_count=count,
        empty_text=EMPTY_TEXT,
    )
    csv_text.flush()
    label = actor_label(actor)
    reports = [
        EscrowReport.objects.create(
            job_run=job,
            fmt=EscrowReport.Format.CSV,
            fetched=fetched,
            filename=f"{stem}.csv",
            content=csv_out.getvalue(),
            rows=count,
            actor_label=label,
        ),
        EscrowReport.objects.create(
            job_run=job,
            fmt=EscrowReport.Format.PDF,
            fetched=fetched,
            filename=f"{stem}.pdf",
            content=pdf,
            rows=count,
            actor_label=label,
        ),
    ]
    return reports


def _also_to_csv(rows: Iterator[tuple[str, ...]], out: io.TextIOBase) -> Iterator[tuple[str, ...]]:
    """``rows``, each written to ``out`` as CSV on the way (one pass over the query); the
    header at once."""
    writer = csv.writer(out)
    writer.writerow([column.label for column in COLUMNS])

    def written():
        for row in rows:
            writer.writerow(row)
            yield row

    return written()


def email_reports(job: JobRun, reports: list[EscrowReport]) -> str:
    """Mail the reports to the tenant's report address (Django's email settings)."""
    address = get_tenant_settings().report_email
    message = EmailMessage(
        subject=f"Escrow analysis batch #{job.pk} ({job.business_date:%Y-%m-%d})",
        body=(
            f"Escrow analysis of the loans last analyzed from {job.params.get('start_date')} "
            f"to {job.params.get('end_date')}: {loans_text(reports[0].rows)}, "
            f"{'updated' if job.params.get('update') else 'not updated (analysis only)'}.\n"
            "The CSV and PDF reports are attached."
        ),
        to=[address],
    )
    for report in reports:
        message.attach(report.filename, bytes(report.content), report.content_type)
    message.send()
    return address


def fetch_report(job: JobRun, *, actor=None) -> list[EscrowReport]:
    """Fetch Report: regenerate a past batch's reports into "Downloaded BI Reports"."""
    if job.kind != JobRun.Kind.ESCROW_ANALYSIS:
        raise ValueError("not an escrow analysis job")
    reports = write_reports(job, fetched=True, actor=actor)
    record_activity(
        actor=actor,
        action="escrow.report_fetched",
        summary=f"Escrow analysis report of job #{job.pk} fetched ({loans_text(reports[0].rows)})",
        target=job,
    )
    return reports
