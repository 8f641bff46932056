"""Escrow analysis pages: a loan's analysis (loan-page action) and Ops > Escrow analysis
(batches, their progress and reports, Fetch Report, Downloaded BI Reports). Thin."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from escrow.batch import resume_batch, start_batch
from escrow.forms_analysis import BatchForm, LoanAnalysisForm
from escrow.models import EscrowBatchItem, EscrowReport
from escrow.reports import fetch_report
from escrow.services.analysis import analyze_loan
from loans import selectors
from loans.services.catch_up import catch_up
from servicing.business_date import get_business_date
from servicing.errors import DomainError
from servicing.models import JobRun
from servicing.roles import ADMIN, OPS, SUPERVISOR, role_required

ANALYSTS = (OPS, SUPERVISOR, ADMIN)


@role_required(*ANALYSTS)
def loan_analysis(request, loan_number: str):
    loan = selectors.loan_by_number(loan_number)
    if loan is None:
        raise Http404("No such loan.")
    loan = catch_up(loan, actor=request.user)
    form = LoanAnalysisForm(
        request.POST if request.method == "POST" else None,
        initial={"effective_date": get_business_date()},
    )
    analysis = None
    if request.method == "POST" and form.is_valid():
        try:
            analysis = analyze_loan(loan, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            text = "Escrow analysis applied." if analysis.updated else "Escrow analysis done."
            messages.success(request, f"{text} New escrow payment {analysis.new_monthly_payment}.")
    recent = loan.escrow_analyses.order_by("-created_at", "-id")[:10]
    return render(
        request,
        "escrow/loan_analysis.html",
        {"loan": loan, "form": form, "analysis": analysis, "recent": recent},
    )


@role_required(*ANALYSTS)
def batch_page(request):
    form = BatchForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            job = start_batch(actor=request.user, **form.cleaned_data)
        messages.success(request, f"Escrow analysis batch #{job.pk} started.")
        return redirect("escrow-batch-detail", job.pk)
    jobs = JobRun.objects.filter(kind=JobRun.Kind.ESCROW_ANALYSIS).order_by("-created_at")[:20]
    fetched = (
        EscrowReport.objects.filter(fetched=True)
        .defer("content")
        .select_related("job_run")
        .order_by("-created_at", "-id")[:50]
    )
    return render(
        request,
        "escrow/batch_page.html",
        {"form": form, "jobs": jobs, "fetched": fetched, "business_date": get_business_date()},
    )


@role_required(*ANALYSTS)
def batch_detail(request, job_id: int):
    job = get_object_or_404(JobRun, pk=job_id, kind=JobRun.Kind.ESCROW_ANALYSIS)
    context = {
        "job": job,
        "errors": job.errors.order_by("id")[:200],
        "reports": job.escrow_reports.filter(fetched=False).defer("content").order_by("fmt"),
        "items": (
            EscrowBatchItem.objects.filter(job_run=job)
            .select_related("loan", "analysis")
            .order_by("loan__loan_number")[:500]
        ),
    }
    template = "escrow/batch_detail.html"
    if request.htmx:
        template += "#status"  # polls itself until the job finishes
    return render(request, template, context)


@require_POST
@role_required(*ANALYSTS)
def batch_fetch_report(request, job_id: int):
    job = get_object_or_404(JobRun, pk=job_id, kind=JobRun.Kind.ESCROW_ANALYSIS)
    if not job.is_finished:
        messages.error(request, "The batch is still running: fetch its report when it ends.")
    else:
        with transaction.atomic():
            fetch_report(job, actor=request.user)
        messages.success(request, f"Report of batch #{job.pk} added to Downloaded BI Reports.")
    return redirect("escrow-batches")


@require_POST
@role_required(*ANALYSTS)
def batch_resume(request, job_id: int):
    job = get_object_or_404(JobRun, pk=job_id, kind=JobRun.Kind.ESCROW_ANALYSIS)
    try:
        with transaction.atomic():
            resume_batch(job, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Batch #{job.pk} resumed.")
    return redirect("escrow-batch-detail", job.pk)


@role_required(*ANALYSTS)
def report_download(request, report_id: int):
    report = get_object_or_404(EscrowReport, pk=report_id)
    response = HttpResponse(bytes(report.content), content_type=report.content_type)
    response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    return response
