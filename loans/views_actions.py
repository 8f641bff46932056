"""Agent actions on a loan page: payment, fee, waiver, reversal, payoff, note (thin)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from loans import selectors
from loans.forms import (
    FeeForm,
    NoteForm,
    PaymentForm,
    PayoffForm,
    ReasonForm,
    ReverseForm,
    WaiveForm,
)
from loans.models import LedgerEntry
from loans.models.ledger import Bucket
from loans.services.accrual_status import set_non_accrual
from loans.services.catch_up import catch_up
from loans.services.fees import apply_fee, waive_fee
from loans.services.notes import add_note
from loans.services.payments import post_payment, preview_payment, reverse_payment
from loans.services.payoff import payoff_quote
from servicing.business_date import get_business_date
from servicing.documents import render_pdf
from servicing.errors import DomainError, InvalidInput
from servicing.roles import ADMIN, AGENT, ALL_ROLES, SUPERVISOR, role_required

SERVICERS = (AGENT, SUPERVISOR, ADMIN)


def _loan(loan_number: str):
    loan = selectors.loan_by_number(loan_number)
    if loan is None:
        raise Http404("No such loan.")
    return catch_up(loan)


def _add_error(form, exc: DomainError) -> None:
    # InvalidInput names its field; a DomainError may name one too (``field=`` in extra).
    field = getattr(exc, "field", None) or exc.extra.get("field")
    form.add_error(field if field in form.fields else None, exc.message)


def _posted(request):
    """The POST data, or None on GET: an empty POST must still show "required" errors."""
    return request.POST if request.method == "POST" else None


def _done(request, loan, text: str, tab: str = "transactions"):
    messages.success(request, text)
    return redirect("loan-tab", loan.loan_number, tab)


@role_required(*SERVICERS)
def payment_create(request, loan_number: str):
    loan = _loan(loan_number)
    initial = {"effective_date": get_business_date(), "amount": loan.amount_due or None}
    form = PaymentForm(_posted(request), initial=initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
        try:
            if "preview" in request.POST:
                split = preview_payment(
                    loan,
                    amount=values["amount"],
                    effective_date=values["effective_date"],
                    hierarchy=values.get("hierarchy"),
                )
                preview = [(Bucket(bucket).label, value) for bucket, value in split.items()]
            else:
                entry = post_payment(loan, actor=request.user, **values)
                return _done(request, loan, f"Payment of {entry.amount} posted (#{entry.pk}).")
        except DomainError as exc:
            _add_error(form, exc)
    template = "loans/payment_form.html"
    if request.htmx:
        template += "#panel"  # the form with its inline errors, and the preview beside it
    return render(request, template, {"loan": loan, "form": form, "preview": preview})


@role_required(*SERVICERS)
def fee_create(request, loan_number: str):
    loan = _loan(loan_number)
    form = FeeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            entry = apply_fee(loan, actor=request.user, **form.cleaned_data)
            return _done(request, loan, f"Fee {entry.note} of {entry.amount} applied.")
        except DomainError as exc:
            _add_error(form, exc)
    return render(
        request,
        "loans/action_form.html",
        {"loan": loan, "form": form, "title": "Apply fee", "button": "Apply fee"},
    )


@role_required(SUPERVISOR, ADMIN)
def fee_waive(request, loan_number: str):
    loan = _loan(loan_number)
    form = WaiveForm(_posted(request), initial={"amount": loan.fees_balance or None})
    if request.method == "POST" and form.is_valid():
        try:
            entry = waive_fee(loan, actor=request.user, **form.cleaned_data)
            return _done(request, loan, f"Fees of {entry.amount} waived.")
        except DomainError as exc:
            _add_error(form, exc)
    return render(
        request,
        "loans/action_form.html",
        {
            "loan": loan,
            "form": form,
            "title": "Waive fees",
            "button": "Waive",
            "intro": f"Fees outstanding: {loan.fees_balance}.",
        },
    )


@role_required(*SERVICERS)
def payment_reverse(request, loan_number: str, entry_id: int):
    loan = _loan(loan_number)
    entry = LedgerEntry.objects.filter(loan=loan, pk=entry_id, kind="payment").first()
    if entry is None:
        raise Http404("No such payment.")
    form = ReverseForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            reverse_payment(entry, reason=form.cleaned_data["reason"], actor=request.user)
            return _done(request, loan, f"Payment #{entry.pk} reversed; the loan was replayed.")
        except DomainError as exc:
            _add_error(form, exc)
    return render(
        request,
        "loans/action_form.html",
        {
            "loan": loan,
            "form": form,
            "title": f"Reverse payment #{entry.pk}",
            "button": "Reverse payment",
            "intro": (
                f"Reverse the payment of {entry.amount} effective "
                f"{entry.effective_date:%Y-%m-%d}? Later payments are re-applied and "
                "interest recomputed."
            ),
            "danger": True,
        },
    )


@role_required(*ALL_ROLES)
def payoff(request, loan_number: str):
    loan = _loan(loan_number)
    form = PayoffForm(request.GET or None, initial={"date": get_business_date()})
    quote = None
    if form.is_valid():
        try:
            quote = payoff_quote(loan, payoff_date=form.cleaned_data["date"])
        except (DomainError, InvalidInput) as exc:
            _add_error(form, exc)
    if quote and request.GET.get("format") == "pdf":
        pdf = render_pdf("loans/payoff_letter.html", {"loan": loan, "quote": quote})
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="payoff-{loan.loan_number}-{quote.payoff_date}.pdf"'
        )
        return response
    return render(request, "loans/payoff.html", {"loan": loan, "form": form, "quote": quote})


@role_required(*ALL_ROLES)
def note_create(request, loan_number: str):
    loan = _loan(loan_number)
    form = NoteForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            add_note(loan, text=form.cleaned_data["text"], actor=request.user)
            return _done(request, loan, "Note added.", tab="notes")
        except InvalidInput as exc:
            _add_error(form, exc)
    return render(
        request,
        "loans/action_form.html",
        {"loan": loan, "form": form, "title": "Add note", "button": "Add note"},
    )


@role_required(SUPERVISOR, ADMIN)
def non_accrual(request, loan_number: str):
    """Set non-accrual on the loan, or lift it (whichever it is not now), with a reason."""
    loan = _loan(loan_number)
    setting = not loan.non_accrual
    form = ReasonForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            set_non_accrual(
                loan, non_accrual=setting, reason=form.cleaned_data["reason"], actor=request.user
            )
            text = "The loan is non-accrual." if setting else "Accrual resumed."
            return _done(request, loan, text, tab="activity")
        except DomainError as exc:
            _add_error(form, exc)
    intro = (
        f"From {get_business_date():%Y-%m-%d} the loan accrues no interest until a supervisor "
        "lifts non-accrual. Interest accrued so far stays owed."
        if setting
        else f"The daily accrual resumes from {get_business_date():%Y-%m-%d}."
    )
    return render(
        request,
        "loans/action_form.html",
        {
            "loan": loan,
            "form": form,
            "title": "Set non-accrual" if setting else "Lift non-accrual",
            "button": "Set non-accrual" if setting else "Lift non-accrual",
            "intro": intro,
            "danger": setting,
        },
    )
