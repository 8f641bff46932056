"""Ops > Indexes: index sources, their value history, and recording a value (thin)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render

from loans import indexes
from loans.models.indexes import MAX_INDEX_VALUE, MIN_INDEX_VALUE
from loans.services.indexes import record_index_value
from servicing.business_date import get_business_date
from servicing.errors import DomainError
from servicing.roles import ADMIN, ALL_ROLES, OPS, SUPERVISOR, has_role, role_required

# Everyone may read the rates loans reprice from; recording one is ops work.
RECORDERS = (OPS, SUPERVISOR, ADMIN)


class IndexValueForm(forms.Form):
    value = forms.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=MIN_INDEX_VALUE,
        max_value=MAX_INDEX_VALUE,
        label="Value (%)",
        help_text="Annual percentage, e.g. 8.25.",
    )
    effective_from = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        label="Effective from",
        help_text="The business date or up to the tenant's backdating window before it.",
    )
    note = forms.CharField(max_length=500, required=False, help_text="e.g. the publication.")


@role_required(*ALL_ROLES)
def index_list(request):
    sources = indexes.sources_with_current_values(get_business_date())
    return render(request, "loans/index_list.html", {"sources": sources})


@role_required(*ALL_ROLES)
def index_detail(request, code: str):
    source = indexes.sources_with_current_values(get_business_date()).filter(code=code).first()
    if source is None:
        raise Http404("No such index.")
    can_record = has_role(request.user, *RECORDERS)
    if request.method == "POST" and not can_record:
        raise PermissionDenied(f"Recording an index value is for: {', '.join(RECORDERS)}.")
    form = None
    if can_record:
        initial = {"effective_from": get_business_date()}
        form = IndexValueForm(request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                row = record_index_value(source, actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(_error_field(form, exc), exc.message)
            else:
                messages.success(
                    request,
                    f"{source.code} {row.value}% effective {row.effective_from:%Y-%m-%d} recorded.",
                )
                return redirect("index-detail", source.code)
    page = Paginator(indexes.index_history(source), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "loans/index_detail.html",
        {"source": source, "form": form, "page": page, "recorders": RECORDERS},
    )


def _error_field(form, exc: DomainError) -> str | None:
    """The form field a refusal belongs to: the service's rules (future, outside the
    window, date taken) are about the date; an inactive source is about the page."""
    if exc.code == "index_source_inactive":
        return None
    field = getattr(exc, "field", "effective_from")
    return field if field in form.fields else None
