"""Kernel pages: dashboard, search, activity, ops jobs, close of business, business date, health."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from servicing.business_date import get_business_date, set_business_date
from servicing.cob import cob_steps, queue_cob
from servicing.errors import DomainError
from servicing.forms import BusinessDateForm, CloseOfBusinessForm
from servicing.models import ActivityEntry, JobRun
from servicing.registry import SEARCH_PROVIDERS
from servicing.roles import ADMIN, ALL_ROLES, OPS, SUPERVISOR, role_required


@role_required(*ALL_ROLES)
def dashboard(request):
    recent_jobs = JobRun.objects.order_by("-created_at")[:5]
    recent_activity = ActivityEntry.objects.select_related("content_type").order_by("-created_at")[
        :10
    ]
    return render(
        request,
        "servicing/dashboard.html",
        {"recent_jobs": recent_jobs, "recent_activity": recent_activity},
    )


@role_required(*ALL_ROLES)
def search(request):
    query = request.GET.get("q", "").strip()
    results = []
    if query:
        for provider in SEARCH_PROVIDERS:
            results.extend(provider(query, request.user))
    if len(results) == 1:
        return redirect(results[0].url)
    return render(request, "servicing/search.html", {"query": query, "results": results})


@role_required(*ALL_ROLES)
def activity_list(request):
    entries = ActivityEntry.objects.select_related("content_type").order_by("-created_at", "-id")
    filters = {
        "type": request.GET.get("type", "").strip(),
        "id": request.GET.get("id", "").strip(),
        "action": request.GET.get("action", "").strip(),
        "actor": request.GET.get("actor", "").strip(),
    }
    if filters["type"]:
        app_label, _, model = filters["type"].partition(".")
        entries = entries.filter(content_type__app_label=app_label, content_type__model=model)
    if filters["id"]:
        entries = entries.filter(object_id=filters["id"])
    if filters["action"]:
        entries = entries.filter(action__startswith=filters["action"])
    if filters["actor"]:
        entries = entries.filter(actor_label__icontains=filters["actor"])
    types = ContentType.objects.filter(
        pk__in=ActivityEntry.objects.values("content_type").distinct()
    ).order_by("app_label", "model")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "servicing/activity_list.html",
        {"page": page, "filters": filters, "types": types},
    )


@role_required(OPS, ADMIN, SUPERVISOR)
def job_list(request):
    jobs = JobRun.objects.order_by("-created_at")
    kind = request.GET.get("kind", "")
    if kind:
        jobs = jobs.filter(kind=kind)
    page = Paginator(jobs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "servicing/job_list.html",
        {"page": page, "kind": kind, "kinds": JobRun.Kind.choices},
    )


@role_required(OPS, ADMIN, SUPERVISOR)
def job_detail(request, job_id: int):
    job = get_object_or_404(JobRun, pk=job_id)
    errors = job.errors.order_by("id")[:200]
    template = "servicing/job_detail.html"
    if request.htmx:
        # The progress fragment polls itself until the job finishes.
        template += "#progress"
    return render(request, template, {"job": job, "errors": errors})


@role_required(OPS, ADMIN)
def business_date_page(request):
    form = BusinessDateForm(request.POST or None, initial={"date": get_business_date()})
    if request.method == "POST" and form.is_valid():
        try:
            set_business_date(form.cleaned_data["date"], actor=request.user)
        except DomainError as exc:
            form.add_error("date", exc.message)
        else:
            messages.success(request, f"Business date set to {form.cleaned_data['date']:%Y-%m-%d}.")
            return redirect("business-date")
    return render(request, "servicing/business_date.html", {"form": form})


@role_required(OPS, SUPERVISOR, ADMIN)
def close_of_business_page(request):
    business_date = get_business_date()
    form = CloseOfBusinessForm(
        request.POST or None, business_date=business_date, initial={"through": business_date}
    )
    if request.method == "POST" and form.is_valid():
        through = form.cleaned_data["through"]
        try:
            job = queue_cob(through, actor=request.user)
        except DomainError as exc:
            form.add_error("through", exc.message)
        else:
            messages.success(
                request, f"Close of business started for {business_date} through {through}."
            )
            return redirect("job-detail", job.pk)
    recent_jobs = JobRun.objects.filter(kind=JobRun.Kind.COB).order_by("-business_date")[:10]
    return render(
        request,
        "servicing/close_of_business.html",
        {"form": form, "steps": cob_steps(), "recent_jobs": recent_jobs},
    )


@login_not_required
@require_GET
def healthz(request):
    checks: dict[str, str] = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
        healthy = False
    from django.conf import settings

    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {exc.__class__.__name__}"
            healthy = False
    else:
        checks["redis"] = "not configured"
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )
