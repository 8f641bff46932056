"""The set-based chunk (escrow/services/batch_analysis.py) writes what ``analyze_loan``, the
reference, writes loan by loan: the same analyses, schedule versions, loans, accounts,
escrow ledger rows, statements and activity, over loans in every situation the analysis
distinguishes. Each reference run is rolled back, so both paths start from one state."""
# ruff: noqa: F811  (the fixtures are imported from tests/escrow/analysis_fixtures.py)

import datetime as dt
import json
import re
from decimal import Decimal as D

import pytest
from django.db import connection, transaction
from django.db.models import Max
from django.test.utils import CaptureQueriesContext

from escrow import ledger
from escrow.models import EscrowAnalysis, EscrowBatchItem, EscrowEntry
from escrow.services.analysis import analyze_loan
from escrow.services.batch_analysis import analyze_chunk
from escrow.statements import statement_context
from loans.models import Loan, LoanDocument
from loans.selectors import current_schedule_version
from loans.services.documents import document_content
from loans.services.schedule_versions import COPIED
from servicing.errors import DomainError
from servicing.jobs import create_job
from servicing.models import ActivityEntry, JobRun
from tests.escrow.analysis_fixtures import TODAY, add_account, board, escrow_loan  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio(escrow_loan, board):
    """One loan of each kind (the year needs 520.00 to start): a shortage, a surplus
    refunded, a surplus of 0.50 a rule keeps,
    a deficiency, an exempt loan (45 days past due), one in foreclosure (a rule skips its
    update), one whose insurance has no schedule (past withdrawals), one without escrow to
    analyze."""
    loans = {}
    loans["shortage"] = escrow_loan(application_number="APP-S1", balance_tax="200")
    loans["surplus"] = escrow_loan(application_number="APP-S2", balance_tax="2500")
    loans["small_surplus"] = escrow_loan(application_number="APP-S3", balance_tax="420.50")
    deficiency = escrow_loan(application_number="APP-S4", balance_tax="0", balance_ins="0")
    add_account(
        deficiency,
        "property_tax",
        monthly="0",
        items=[("City", "400", dt.date(2026, 1, 20), "annual")],
    )
    loans["deficiency"] = deficiency
    exempt = escrow_loan(application_number="APP-S5")
    Loan.objects.filter(pk=exempt.pk).update(dpd=45)
    loans["exempt"] = exempt
    foreclosure = escrow_loan(application_number="APP-S6")
    Loan.objects.filter(pk=foreclosure.pk).update(custom_fields={"in_foreclosure": "yes"})
    loans["foreclosure"] = foreclosure
    history = board(TODAY, application_number="APP-S7", number_of_payments=24)
    insurance = add_account(history, "insurance", balance="700", monthly="30")
    ledger.post(
        insurance,
        kind=EscrowEntry.Kind.WITHDRAWN,
        amount=D("360"),
        effective_date=dt.date(2025, 7, 1),
        business_date=dt.date(2025, 7, 1),
        payee="Insurer",
    )
    loans["past_withdrawals"] = history
    loans["no_escrow"] = board(TODAY, application_number="APP-S8", number_of_payments=24)
    return loans


class _Rollback(Exception):
    pass


def _reference(loans, update):
    """``analyze_loan`` on each loan, its state captured, then rolled back."""
    start = _last_activity()
    captured = {}
    try:
        with transaction.atomic():
            for loan in loans:
                try:
                    analyze_loan(Loan.objects.get(pk=loan.pk), effective_date=TODAY, update=update)
                except DomainError as exc:
                    captured[loan.pk] = exc.code
                else:
                    captured[loan.pk] = _state(loan, start)
            raise _Rollback
    except _Rollback:
        pass
    return captured


def _batch(loans, update):
    start = _last_activity()
    job = create_job(
        kind=JobRun.Kind.ESCROW_ANALYSIS,
        business_date=TODAY,
        params={"effective_date": TODAY.isoformat(), "update": update},
    )
    result = analyze_chunk(
        job, [loan.pk for loan in loans], effective_date=TODAY, update=update, business_date=TODAY
    )
    failed = {number.split()[0] for number, _ in result.errors}
    captured = {}
    for loan in loans:
        if loan.loan_number in failed:
            message = next(m for n, m in result.errors if n == loan.loan_number)
            captured[loan.pk] = message.split(":")[0]
        else:
            captured[loan.pk] = _state(loan, start)
    return job, result, captured


def _last_activity():
    return ActivityEntry.objects.aggregate(last=Max("pk"))["last"] or 0


def _ids(text):
    """Ids differ between the two runs (sequences do not roll back)."""
    return re.sub(r"#\d+|-\d+\.pdf$", "#N", text)


def _detail_ids(details):
    return re.sub(
        r'"(analysis_id|document_id)": \d+', r'"\1": N', json.dumps(details, sort_keys=True)
    )


def _state(loan, activity_after):
    loan = Loan.objects.get(pk=loan.pk)
    version = current_schedule_version(loan)
    analyses = list(
        EscrowAnalysis.objects.filter(loan=loan)
        .order_by("pk")
        .values(
            "effective_date",
            "computation_year_start",
            "annual_disbursements",
            "monthly_payment",
            "cushion",
            "required_starting_balance",
            "projected_starting_balance",
            "surplus",
            "shortage",
            "deficiency",
            "low_point_month",
            "new_monthly_payment",
            "exempt",
            "result",
            "updated",
            "actor_label",
        )
    )
    carry = dict(loan.carry or {})
    carry_version = carry.pop("version", None)
    documents = []
    for document in LoanDocument.objects.filter(loan=loan).order_by("pk"):
        analysis = EscrowAnalysis.objects.get(pk=document.render_data["analysis_id"])
        accounts = list(loan.escrow_accounts.filter(auto_analysis=True).order_by("pk"))
        context = statement_context(loan, analysis, accounts, document.render_data)
        documents.append(
            {
                "kind": document.kind,
                "title": document.title,
                "filename": _ids(document.filename),
                "history": [(e.kind, e.amount, e.effective_date) for e in context["history"]],
                "closing_balance": context["closing_balance"],
                "paid": (context["paid_in"], context["paid_out"]),
                "explanations": context["explanations"],
            }
        )
    activity = sorted(
        (a.action, _ids(a.summary), a.object_repr, a.actor_label, _detail_ids(a.details))
        for a in ActivityEntry.objects.filter(pk__gt=activity_after)
        if a.object_repr.startswith(loan.loan_number) or loan.loan_number in a.object_repr
    )
    return {
        "analyses": analyses,
        "version": (version.version, version.effective_date, _ids(version.reason)),
        "rows": list(version.installments.order_by("number").values(*COPIED)),
        "carry": carry,
        "carry_follows_version": carry_version in (None, version.pk),
        "next_due": (loan.next_due_date, loan.next_due_amount),
        "accounts": list(
            loan.escrow_accounts.order_by("pk").values(
                "monthly_amount", "balance", "last_analysis_date", "next_analysis_date"
            )
        ),
        "entries": [
            (e["kind"], e["amount"], e["effective_date"], e["payee"], _ids(e["note"]))
            for e in EscrowEntry.objects.filter(account__loan=loan)
            .order_by("pk")
            .values("kind", "amount", "effective_date", "payee", "note")
        ],
        "documents": documents,
        "activity": activity,
    }


@pytest.mark.parametrize("update", [True, False])
def test_chunk_writes_what_analyze_loan_writes(portfolio, update):
    loans = list(portfolio.values())
    expected = _reference(loans, update)
    job, result, got = _batch(loans, update)
    for name, loan in portfolio.items():
        assert got[loan.pk] == expected[loan.pk], name
    assert expected[portfolio["no_escrow"].pk] == "no_escrow_to_analyze"
    assert result.done == len(loans) - 1 and not result.left
    assert EscrowBatchItem.objects.filter(job_run=job).count() == len(loans) - 1
    # The situations are the ones named: the comparison is not of look-alike loans.
    state = {name: got[loan.pk] for name, loan in portfolio.items() if name != "no_escrow"}
    actions = {
        name: {a["code"] for a in s["analyses"][-1]["result"]["actions"]}
        for name, s in state.items()
    }
    assert "spread_shortage" in actions["shortage"]
    assert "refund_surplus" in actions["surplus"]
    small = state["small_surplus"]["analyses"][-1]["result"]["decision"]
    assert small["suppress_refund"] and small["refund"] == "0.00"
    assert "spread_deficiency" in actions["deficiency"]
    assert state["exempt"]["analyses"][-1]["exempt"] and not state["exempt"]["documents"]
    assert (
        state["past_withdrawals"]["analyses"][-1]["result"]["inputs"]["accounts"][0]["basis"]
        == "past withdrawals"
    )
    assert not state["foreclosure"]["analyses"][-1]["updated"]
    if update:
        assert state["surplus"]["entries"][-1][0] == EscrowEntry.Kind.EXCESS_REFUND
        assert state["shortage"]["version"][0] == 2
        assert state["foreclosure"]["version"][0] == 1


def test_a_rerun_records_the_analysis_that_updated_the_year(portfolio):
    loans = [portfolio["shortage"], portfolio["surplus"]]
    first, _, _ = _batch(loans, True)
    again, result, _ = _batch(loans, True)
    assert result.done == 2
    items = EscrowBatchItem.objects.filter(job_run=again)
    assert set(items.values_list("outcome", flat=True)) == {"already_analyzed"}
    assert set(items.values_list("analysis_id", flat=True)) == set(
        EscrowAnalysis.objects.filter(job_run=first).values_list("pk", flat=True)
    )
    assert EscrowAnalysis.objects.filter(loan__in=loans, updated=True).count() == 2


def test_a_loan_behind_the_business_date_is_left_to_the_reference_path(portfolio):
    loan = portfolio["shortage"]
    Loan.objects.filter(pk=loan.pk).update(last_closed_date=TODAY - dt.timedelta(days=5))
    _, result, _ = _batch([loan, portfolio["surplus"]], True)
    assert result.left == [loan.pk] and result.done == 1
    assert not EscrowAnalysis.objects.filter(loan=loan).exists()


def test_a_batch_statement_renders_on_its_first_download(portfolio):
    loan = portfolio["shortage"]
    _batch([loan], True)
    document = LoanDocument.objects.get(loan=loan)
    assert not document.is_rendered and document.size == 0
    pdf = document_content(document)
    assert pdf.startswith(b"%PDF")
    document.refresh_from_db()
    assert document.is_rendered and document.size == len(pdf)
    assert bytes(document.content) == pdf
    assert document_content(document) == pdf  # kept: not rendered again


def test_chunk_queries_do_not_grow_with_its_loans(escrow_loan):
    loans = [escrow_loan(application_number=f"APP-Q{n}") for n in range(7)]
    job = create_job(
        kind=JobRun.Kind.ESCROW_ANALYSIS,
        business_date=TODAY,
        params={"effective_date": TODAY.isoformat(), "update": True},
    )
    counts = []
    for chunk in (loans[:1], loans[1:2], loans[2:]):  # the first fills the caches
        with CaptureQueriesContext(connection) as queries:
            result = analyze_chunk(
                job,
                [loan.pk for loan in chunk],
                effective_date=TODAY,
                update=True,
                business_date=TODAY,
            )
        assert result.done == len(chunk)
        counts.append(len(queries))
    assert counts[1] == counts[2], "\n".join(q["sql"][:100] for q in queries)
