"""Agent actions on a line of credit (spec/loc.md): draws and the line's status (thin).

Who may do what: any servicer initiates a draw or deletes one it initiated by mistake;
deciding on money (approve, reject, fund) and the line's status are a supervisor's.
"""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from loans import selectors
from loans.forms import (
    DrawApproveForm,
    DrawFundForm,
    DrawInitiateForm,
    DrawRejectForm,
    LineStatusForm,
)
from loans.models import Draw
from loans.services.draws import approve_draw, delete_draw, fund_draw, initiate_draw, reject_draw
from loans.services.lines import activate_line, available, cancel_line, suspend_line
from loans.views_actions import SERVICERS, _add_error, _done, _loan, _posted
from servicing.business_date import get_business_date
from servicing.errors import DomainError
from servicing.money import format_money as _money
from servicing.roles import ADMIN, SUPERVISOR, role_required

SUPERVISORS = (SUPERVISOR, ADMIN)


def _line(loan_number: str):
    """The loan and its line; a 404 for a loan that is not a line of credit."""
    loan = _loan(loan_number)
    line = selectors.credit_line(loan)
    if line is None:
        raise Http404(f"Loan {loan_number} is not a line of credit.")
    return loan, line


def _draw(loan_number: str, draw_id: int):
    loan, line = _line(loan_number)
    draw = selectors.line_draw(line, draw_id)
    if draw is None:
        raise Http404(f"No draw {draw_id} on this line.")
    return loan, line, draw


def _form_page(request, loan, form, *, back_tab: str = "draws", **context):
    """The shared action form; its back link returns to the tab the action came from."""
    back_url = reverse("loan-tab", args=[loan.loan_number, back_tab])
    return render(
        request,
        "loans/action_form.html",
        {"loan": loan, "form": form, "back_url": back_url, **context},
    )


def _draw_facts(draw: Draw) -> str:
    fee = f", fee {_money(draw.fee)}" if draw.fee else ""
    return (
        f"Draw {draw.pk}: {_money(draw.requested_amount)} requested for "
        f"{draw.requested_date:%Y-%m-%d}{fee}"
    )


@role_required(*SERVICERS)
def draw_initiate(request, loan_number: str):
    loan, line = _line(loan_number)
    form = DrawInitiateForm(_posted(request), initial={"requested_date": get_business_date()})
    if request.method == "POST" and form.is_valid():
        try:
            draw = initiate_draw(loan, via=Draw.Via.UI, actor=request.user, **form.cleaned_data)
            text = f"Draw {draw.pk} of {_money(draw.requested_amount)} initiated: in verification."
            return _done(request, loan, text, tab="draws")
        except DomainError as exc:
            _add_error(form, exc)
    intro = (
        f"Available {_money(available(line, loan))} of the {_money(line.credit_limit)} limit. "
        "The draw waits in verification until a supervisor approves it."
    )
    return _form_page(
        request, loan, form, title="Initiate draw", button="Initiate draw", intro=intro
    )


@role_required(*SUPERVISORS)
def draw_approve(request, loan_number: str, draw_id: int):
    loan, line, draw = _draw(loan_number, draw_id)
    initial = {
        "requested_date": draw.requested_date,
        "requested_amount": draw.requested_amount,
        "approved_amount": draw.requested_amount,
    }
    form = DrawApproveForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            draw = approve_draw(
                loan,
                draw.pk,
                approved_amount=form.cleaned_data["approved_amount"],
                actor=request.user,
            )
            text = f"Draw {draw.pk} approved for {_money(draw.approved_amount)}."
            disbursement = getattr(draw, "disbursement", None)
            if disbursement is not None:
                text += f" Disbursement on {disbursement.disbursement_date:%Y-%m-%d}."
            return _done(request, loan, text, tab="draws")
        except DomainError as exc:
            _add_error(form, exc)
    funding = (
        "Auto-funded: approval schedules its disbursement."
        if draw.auto_funded
        else "Not auto-funded: it stays approved until its funding date is given."
    )
    intro = f"{_draw_facts(draw)}. Available {_money(available(line, loan))}. {funding}"
    return _form_page(
        request, loan, form, title=f"Approve draw {draw.pk}", button="Approve draw", intro=intro
    )


@role_required(*SUPERVISORS)
def draw_reject(request, loan_number: str, draw_id: int):
    loan, _, draw = _draw(loan_number, draw_id)
    form = DrawRejectForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            reject_draw(loan, draw.pk, reason=form.cleaned_data["reason"], actor=request.user)
            return _done(request, loan, f"Draw {draw.pk} rejected.", tab="draws")
        except DomainError as exc:
            _add_error(form, exc)
    return _form_page(
        request,
        loan,
        form,
        title=f"Reject draw {draw.pk}",
        button="Reject draw",
        intro=f"{_draw_facts(draw)}. A rejected draw cannot be approved later.",
        danger=True,
    )


@role_required(*SERVICERS)
def draw_delete(request, loan_number: str, draw_id: int):
    loan, _, draw = _draw(loan_number, draw_id)
    form = forms.Form(_posted(request))  # no fields: posting it is the confirmation
    if request.method == "POST" and form.is_valid():
        try:
            delete_draw(loan, draw.pk, actor=request.user)
            return _done(request, loan, f"Draw {draw.pk} deleted.", tab="draws")
        except DomainError as exc:
            _add_error(form, exc)
    return _form_page(
        request,
        loan,
        form,
        title=f"Delete draw {draw.pk}",
        button="Delete draw",
        intro=f"Delete the draw request? {_draw_facts(draw)}. It stays listed as deleted.",
        danger=True,
    )


@role_required(*SUPERVISORS)
def draw_fund(request, loan_number: str, draw_id: int):
    loan, _, draw = _draw(loan_number, draw_id)
    form = DrawFundForm(_posted(request), initial={"funded_date": get_business_date()})
    if request.method == "POST" and form.is_valid():
        try:
            draw = fund_draw(
                loan, draw.pk, funded_date=form.cleaned_data["funded_date"], actor=request.user
            )
            version = selectors.current_schedule_version(loan)
            text = (
                f"Draw {draw.pk} funded: {_money(draw.funded_amount)} from "
                f"{draw.funded_date:%Y-%m-%d}; schedule re-amortized (v{version.version})."
            )
            return _done(request, loan, text, tab="draws")
        except DomainError as exc:
            _add_error(form, exc)
    if draw.approved_amount is not None:
        net = draw.approved_amount - draw.fee
        facts = f"Draw {draw.pk}: approved {_money(draw.approved_amount)}"
        facts += f" less fee {_money(draw.fee)}, funds {_money(net)}." if draw.fee else "."
    else:
        facts = f"{_draw_facts(draw)}."
    intro = (
        f"{facts} The principal grows from the funded date and the schedule is "
        "re-amortized (a new version); an earlier date replays the loan from it."
    )
    return _form_page(
        request, loan, form, title=f"Fund draw {draw.pk}", button="Fund draw", intro=intro
    )


# The action menu's Approve / Reject / Fund: which draw? Straight to it when only one waits.
PICKS = {
    "approve": ("Approve draw", {"status": Draw.Status.VERIFICATION}),
    "reject": ("Reject draw", {"status": Draw.Status.VERIFICATION}),
    "fund": ("Fund draw", {"status": Draw.Status.APPROVED, "auto_funded": False}),
}


@role_required(*SUPERVISORS)
def draw_pick(request, loan_number: str, action: str):
    if action not in PICKS:
        raise Http404("No such draw action.")
    loan, line = _line(loan_number)
    title, where = PICKS[action]
    candidates = list(selectors.draws(line, **where))
    if len(candidates) == 1:
        return redirect(f"draw-{action}", loan.loan_number, candidates[0].pk)
    return render(
        request,
        "loans/draw_pick.html",
        {"loan": loan, "title": title, "draws": candidates, "supervises": True},
    )


# --- The line's status ----------------------------------------------------------------

LINE_ACTIONS = {
    "suspend": {
        "service": suspend_line,
        "title": "Suspend line",
        "confirm": "Yes, suspend the line",
        "intro": "No new draws while the line is suspended; it can be activated again. "
        "Refused while a draw is in verification.",
        "done": "The line is suspended: no new draws until it is activated.",
        "danger": True,
    },
    "activate": {
        "service": activate_line,
        "title": "Activate line",
        "confirm": "Yes, activate the line",
        "intro": "New draws can be initiated again once the line is active.",
        "done": "The line is active: new draws can be initiated.",
        "danger": False,
    },
    "cancel": {
        "service": cancel_line,
        "title": "Cancel line",
        "confirm": "Yes, cancel the line. I understand this is final",
        "intro": "Canceling is final: the line can never be activated again and no new "
        "draws can be initiated. Draws already approved are still funded. Refused while "
        "a draw is in verification.",
        "done": "The line is canceled (final): no new draws.",
        "danger": True,
        "back": "Keep the line",  # not "Cancel" next to "Cancel line"
    },
}


@role_required(*SUPERVISORS)
def line_status(request, loan_number: str, action: str):
    if action not in LINE_ACTIONS:
        raise Http404("No such line action.")
    spec = LINE_ACTIONS[action]
    loan, line = _line(loan_number)
    form = LineStatusForm(_posted(request), confirm_label=spec["confirm"])
    if request.method == "POST" and form.is_valid():
        try:
            spec["service"](loan, reason=form.cleaned_data["reason"], actor=request.user)
            return _done(request, loan, spec["done"], tab="summary")
        except DomainError as exc:
            _add_error(form, exc)
    return _form_page(
        request,
        loan,
        form,
        title=spec["title"],
        button=spec["title"],
        intro=f"The line is {line.get_status_display().lower()}. {spec['intro']}",
        danger=spec["danger"],
        back=spec.get("back"),
        back_tab="summary",
    )
