"""Agent pages for loans and borrowers (thin: selectors in, templates out)."""

from __future__ import annotations

import csv

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from loans import default_interest, selectors
from loans.charts import balance_chart
from loans.forms import CalculatorForm
from loans.models import Borrower
from loans.registry import LOAN_ACTIONS, LOAN_TABS
from loans.schedules import build_rows, terms_from_input
from loans.services.catch_up import catch_up
from loans.services.lines import line_summary
from loans.views_actions import SERVICERS
from servicing.business_date import get_business_date
from servicing.documents import render_pdf
from servicing.errors import InvalidInput
from servicing.roles import ADMIN, ALL_ROLES, SUPERVISOR, has_role, role_required

TABS = ("summary", "schedule", "transactions", "activity", "notes")
LINE_TABS = ("summary", "draws", "schedule", "transactions", "activity", "notes")
TAB_LABELS = {"draws": "Draw requests"}


@role_required(*ALL_ROLES)
def loan_search(request):
    query = request.GET.get("q", "").strip()
    loans = selectors.search_loans(query) if query else []
    return render(request, "loans/loan_search.html", {"query": query, "loans": loans})


@role_required(*ALL_ROLES)
def borrower_search(request):
    query = request.GET.get("q", "").strip()
    borrowers = selectors.search_borrowers(query) if query else []
    return render(request, "loans/borrower_search.html", {"query": query, "borrowers": borrowers})


@role_required(*ALL_ROLES)
def borrower_detail(request, borrower_id: str):
    borrower = get_object_or_404(Borrower, borrower_id=borrower_id)
    loans = borrower.loans.select_related("product").order_by("loan_number")
    return render(request, "loans/borrower_detail.html", {"borrower": borrower, "loans": loans})


TRANSACTIONS_PER_PAGE = 100


def _tabs(loan, line) -> list[tuple[str, str]]:
    """(name, label) of the loan's tabs: its own, then those other apps registered."""
    tabs = [
        (name, TAB_LABELS.get(name, name.capitalize())) for name in (LINE_TABS if line else TABS)
    ]
    for extra in LOAN_TABS:
        if extra.applies(loan):
            after = next(
                (k for k, (name, _) in enumerate(tabs) if name == extra.after), len(tabs) - 1
            )
            tabs.insert(after + 1, (extra.name, extra.label))
    return tabs


@role_required(*ALL_ROLES)
def loan_detail(request, loan_number: str, tab: str = "summary"):
    loan = selectors.loan_by_number(loan_number)
    known = set(LINE_TABS) | {extra.name for extra in LOAN_TABS}
    if loan is None or tab not in known:
        raise Http404("No such loan or tab.")
    loan = catch_up(loan, actor=request.user)
    line = selectors.credit_line(loan)  # after the catch-up: its close of business may close it
    tabs = _tabs(loan, line)
    if tab not in {name for name, _ in tabs}:
        raise Http404("This loan has no such tab (draw requests: lines of credit only).")
    context = {
        "loan": loan,
        "tab": tab,
        "tabs": tabs,
        "services": has_role(request.user, *SERVICERS),
        "supervises": has_role(request.user, SUPERVISOR, ADMIN),
        "extra_actions": _actions(request.user, loan),
    }
    extra = next((t for t in LOAN_TABS if t.name == tab), None)
    if line:
        context["line"] = line
        context["waiting"] = selectors.draw_counts(line)  # for the action menu
    if extra is not None:
        context["extra_tab_template"] = extra.template
        context.update(extra.context(request, loan))
    elif tab == "draws":
        context["draws"] = selectors.draws(line)
    elif tab == "schedule":
        version = selectors.schedule_version(loan, _version_param(request))
        context["version"] = version
        context["versions"] = loan.schedule_versions.order_by("version")
        context["rows"] = selectors.installments(version) if version else []
    elif tab == "transactions":
        # Daily accrual rows (one a day) would drown the payments: shown on request.
        context["hide_accruals"] = request.GET.get("accruals") != "show"
        rows = selectors.ledger_rows(loan, accruals=not context["hide_accruals"])
        paginator = Paginator(rows, TRANSACTIONS_PER_PAGE)
        # The latest rows first open: an agent looks at what happened recently.
        context["entries"] = paginator.get_page(request.GET.get("page") or paginator.num_pages)
    elif tab == "activity":
        context["entries"] = selectors.loan_activity(loan)[:200]
    elif tab == "notes":
        context["notes"] = loan.notes.order_by("-created_at")
    else:
        context["chart"] = _summary_chart(loan)
        context["default_interest"] = default_interest.describe(loan.default_interest)
        context["default_rate"] = default_interest.current_default_rate(loan)
        context["rate_history"] = selectors.rate_history(loan)
        if line:
            context["line_summary"] = line_summary(line, loan)
    template = "loans/loan_detail.html"
    if request.htmx:
        template += "#tab"
    return render(request, template, context)


def _actions(user, loan) -> dict[str, list]:
    """The registered actions the user may take on the loan, by menu row."""
    rows: dict[str, list] = {}
    if loan.status != "open":
        return rows
    for action in LOAN_ACTIONS:
        if has_role(user, *action.roles) and action.applies(loan):
            rows.setdefault(action.group, []).append(action)
    return rows


def _version_param(request) -> int | None:
    """``?version=N``; anything else (``abc``, ``²``, a 30-digit number) means the current one."""
    raw = request.GET.get("version", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def _summary_chart(loan):
    """The Summary tab's projected balance / paid-to-date chart (None without a schedule)."""
    version = selectors.current_schedule_version(loan)
    rows = list(selectors.installments(version)) if version else []
    if not rows:
        return None
    return balance_chart(
        start=loan.funded_date,  # a later version (a reprice) starts later; the chart does not
        opening_balance=rows[0].balance_after + rows[0].principal,
        due=[(row.due_date, row.balance_after) for row in rows],
        payments=selectors.principal_paid_by_date(loan),
        business_date=get_business_date(),
    )


@role_required(*ALL_ROLES)
def schedule_download(request, loan_number: str, fmt: str):
    loan = selectors.loan_by_number(loan_number)
    if loan is None or fmt not in ("csv", "pdf"):
        raise Http404("No such loan or format.")
    version = selectors.schedule_version(loan, _version_param(request))
    if version is None:
        raise Http404("No such schedule version.")
    rows = selectors.installments(version)
    name = f"schedule-{loan.loan_number}-v{version.version}"
    if fmt == "pdf":
        pdf = render_pdf(
            "loans/schedule_pdf.html", {"loan": loan, "version": version, "rows": rows}
        )
        response = HttpResponse(pdf, content_type="application/pdf")
    else:
        response = HttpResponse(content_type="text/csv")
        writer = csv.writer(response)
        writer.writerow(
            [
                "number",
                "due_date",
                "principal",
                "interest",
                "fees",
                "escrow",
                "total",
                "balance_after",
                "paid",
                "status",
            ]
        )
        for r in rows:
            writer.writerow(
                [
                    r.number,
                    r.due_date.isoformat(),
                    r.principal,
                    r.interest,
                    r.fees,
                    r.escrow,
                    r.total,
                    r.balance_after,
                    r.paid_total,
                    r.status,
                ]
            )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@role_required(*ALL_ROLES)
def calculator(request):
    form = CalculatorForm(request.GET or None)
    rows = None
    if form.is_valid():
        data = dict(form.cleaned_data)
        product = data.pop("product_code")
        data.update(rate_type="fixed", tiers=[])
        try:
            rows = build_rows(terms_from_input(data, product))
        except InvalidInput as exc:
            form.add_error(None, exc.message)
    return render(request, "loans/calculator.html", {"form": form, "rows": rows})
