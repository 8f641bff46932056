"""Batch escrow analysis reports (spec/escrow.md "Report"): one row per loan (analyzed,
already updated, or failed) as CSV and PDF, kept as ``EscrowReport`` rows, mailed to the
tenant's report address; "Fetch Report" regenerates them later."""

from __future__ import annotations

import csv
import io

from django.core.mail import EmailMessage

from escrow.models import EscrowBatchItem, EscrowReport
from servicing.activity import actor_label, record_activity
from servicing.documents import render_pdf
from servicing.models import JobRun
from servicing.tenant import get_tenant_settings

COLUMNS = (
    ("loan_number", "Loan"),
    ("borrower", "Borrower"),
    ("outcome", "Outcome"),
    ("current_payment", "Current escrow payment"),
    ("new_payment", "New escrow payment"),
    ("annual_disbursements", "Annual disbursements (D)"),
    ("cushion", "Cushion"),
    ("required_balance", "Required starting balance"),
    ("projected_balance", "Projected starting balance"),
    ("surplus", "Surplus"),
    ("shortage", "Shortage"),
    ("deficiency", "Deficiency"),
    ("action", "Action"),
    ("updated", "Updated"),
    ("exempt", "Exempt"),
    ("rules", "Rule outcomes"),
)


def report_rows(job: JobRun) -> list[dict]:
    """The job's loans in loan order, then its failures."""
    items = (
        EscrowBatchItem.objects.filter(job_run=job)
        .select_related("analysis", "loan__borrower")
        .order_by("loan__loan_number")
    )
    rows = [_row(item) for item in items]
    for error in job.errors.order_by("item_ref"):
        rows.append(
            {key: "" for key, _ in COLUMNS}
            | {"loan_number": error.item_ref, "outcome": "failed", "action": error.message}
        )
    return rows


def _row(item: EscrowBatchItem) -> dict:
    a = item.analysis
    applied = [r for r in a.result.get("rules", []) if r["applied"]]
    actions = [f"{x['code']} {x['amount']}" for x in a.result["actions"]]
    return {
        "loan_number": item.loan.loan_number,
        "borrower": item.loan.borrower.display_name,
        "outcome": item.get_outcome_display(),
        "current_payment": a.result["inputs"]["current_payment"],
        "new_payment": str(a.new_monthly_payment),
        "annual_disbursements": str(a.annual_disbursements),
        "cushion": str(a.cushion),
        "required_balance": str(a.required_starting_balance),
        "projected_balance": str(a.projected_starting_balance),
        "surplus": str(a.surplus),
        "shortage": str(a.shortage),
        "deficiency": str(a.deficiency),
        "action": "; ".join(actions) or "none",
        "updated": "yes" if a.updated else "no",
        "exempt": "yes" if a.exempt else "no",
        "rules": "; ".join(f"{r['name']}: {r['message']}" for r in applied) or "none applied",
    }


def to_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label for _, label in COLUMNS])
    for row in rows:
        writer.writerow([row[key] for key, _ in COLUMNS])
    return out.getvalue().encode()


def write_reports(job: JobRun, *, fetched: bool = False, actor=None) -> list[EscrowReport]:
    """The CSV and PDF reports of ``job``, stored (``fetched``: by Fetch Report)."""
    rows = report_rows(job)
    stem = f"escrow-analysis-{job.business_date:%Y%m%d}-job{job.pk}"
    if fetched:
        stem += "-fetched"
    pdf = render_pdf(
        "escrow/batch_report.html",
        {"job": job, "rows": rows, "columns": COLUMNS, "fetched": fetched},
    )
    label = actor_label(actor)
    reports = [
        EscrowReport.objects.create(
            job_run=job,
            fmt=EscrowReport.Format.CSV,
            fetched=fetched,
            filename=f"{stem}.csv",
            content=to_csv(rows),
            rows=len(rows),
            actor_label=label,
        ),
        EscrowReport.objects.create(
            job_run=job,
            fmt=EscrowReport.Format.PDF,
            fetched=fetched,
            filename=f"{stem}.pdf",
            content=pdf,
            rows=len(rows),
            actor_label=label,
        ),
    ]
    return reports


def email_reports(job: JobRun, reports: list[EscrowReport]) -> str:
    """Mail the reports to the tenant's report address (Django's email settings)."""
    address = get_tenant_settings().report_email
    message = EmailMessage(
        subject=f"Escrow analysis batch #{job.pk} ({job.business_date:%Y-%m-%d})",
        body=(
            f"Escrow analysis of the loans last analyzed from {job.params.get('start_date')} "
            f"to {job.params.get('end_date')}: {reports[0].rows} loans, "
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
        summary=f"Escrow analysis report of job #{job.pk} fetched ({reports[0].rows} loans)",
        target=job,
    )
    return reports
