"""A batch chunk's escrow analyses, set-based (spec/escrow.md "Batch and individual
analysis"): what ``analyze_loan`` does for one loan, done for a chunk of loans with a fixed
number of queries.

1. One locked read of the chunk's loans (id order, as every service locks), then their
   accounts, items, current schedule rows and past withdrawals (``read_facts``).
2. Per loan in memory: the engine and the client rules (``decide``); a loan that cannot
   be analyzed (409 reasons, a failing rule) is a failure of its own and the rest go on.
3. Bulk writes of what ``analyze_loan`` writes row by row: the analyses, with Update the
   new schedule versions and their rows, the loans' carry and next due amount, the
   accounts' monthly amounts and analysis dates, the surplus refunds (escrow ledger), the
   statements, the activity, and the batch items.

The results are those of ``analyze_loan`` (tests/escrow/test_batch_analysis.py compares
them), except that a statement is stored *to render*: its facts are frozen now
(``statements.statement_snapshot``) and the PDF is rendered on its first download, as a
print run would; rendering 100,000 PDFs is not the analysis's work.

Loans behind the business date are left to ``analyze_loan`` (it catches them up first),
as are the loans of a chunk whose bulk writes fail (the caller falls back loan by loan, so
one bad loan fails alone).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from escrow import ledger
from escrow.models import EscrowAccount, EscrowAnalysis, EscrowBatchItem, EscrowEntry
from escrow.services.analysis import (
    ACCOUNT_FIELDS,
    Decided,
    analysis_values,
    analyzed_accounts,
    analyzed_summary,
    decide,
    loan_changes,
    new_schedule_rows,
    refund_entry,
    refund_shares,
    version_reason,
)
from escrow.services.analysis_inputs import NARROW, build, read_facts
from escrow.statements import (
    RENDERER,
    statement_filename,
    statement_snapshot,
    statement_title,
)
from loans.models import Installment, Loan, LoanDocument, ScheduleVersion
from loans.services.catch_up import is_behind
from loans.services.schedule_versions import COPIED
from servicing.activity import actor_label, record_activities
from servicing.bulk import asynchronous_commit, bulk_insert, bulk_insert_with_ids, bulk_update
from servicing.errors import DomainError
from servicing.money import ZERO
from servicing.tenant import get_tenant_settings

logger = logging.getLogger(__name__)

Outcome = EscrowBatchItem.Outcome


@dataclass
class ChunkResult:
    done: int = 0  # loans analyzed (or found already updated) and recorded as items
    errors: list[tuple[str, str]] = field(default_factory=list)  # (loan number, message)
    left: list[int] = field(default_factory=list)  # loan ids for the one-loan path


def analyze_chunk(
    job, loan_ids: list[int], *, effective_date: dt.date, update: bool, business_date: dt.date
) -> ChunkResult:
    """Analyze the loans ``loan_ids`` of batch ``job`` in one transaction (see the module
    docstring); loans the job already holds an item for are skipped."""
    out = ChunkResult()
    actor = job.started_by
    with transaction.atomic():
        asynchronous_commit()  # a lost chunk is analyzed again when the batch resumes
        seen = set(
            EscrowBatchItem.objects.filter(job_run=job, loan_id__in=loan_ids).values_list(
                "loan_id", flat=True
            )
        )
        loans = list(
            Loan.objects.select_for_update()
            .defer("terms", "default_interest")  # JSON the analysis never reads
            .filter(pk__in=sorted(set(loan_ids) - seen))
            .order_by("pk")
        )
        out.left = [loan.pk for loan in loans if is_behind(loan, business_date)]
        loans = [loan for loan in loans if loan.pk not in out.left]
        # On PostgreSQL the new versions' rows are copied in SQL: only the rows and columns
        # the inputs and the next due amount need are read.
        facts = (
            read_facts(loans, rows=NARROW, window=(business_date, effective_date))
            if connection.vendor == "postgresql"
            else read_facts(loans)
        )
        cushion = get_tenant_settings().default_cushion_months
        decided: dict[int, Decided] = {}
        for loan in loans:
            try:
                gathered = build(
                    loan,
                    facts[loan.pk],
                    effective_date=effective_date,
                    business_date=business_date,
                    default_cushion=cushion,
                )
                decided[loan.pk] = decide(loan, gathered)
            except DomainError as exc:
                out.errors.append((loan.loan_number, f"{exc.code}: {exc.message}"))
            except Exception as exc:  # one loan's failure never stops the batch
                logger.exception("Escrow analysis of %s failed", loan.loan_number)
                out.errors.append((loan.loan_number, f"{type(exc).__name__}: {exc}"))
        loans = [loan for loan in loans if loan.pk in decided]
        done = _updated_years(loans)
        items = []
        fresh = []
        for loan in loans:
            prior = done.get((loan.pk, decided[loan.pk].year_start))
            if update and prior is not None:  # a re-run: record what already updated the year
                items.append((loan.pk, prior, Outcome.ALREADY_ANALYZED))
            else:
                fresh.append(loan)
        label = actor_label(actor)
        applying = {loan.pk: update and not decided[loan.pk].decision.skip_update for loan in fresh}
        now = timezone.now()
        values = [
            analysis_values(loan, decided[loan.pk], applying[loan.pk], effective_date, job, label)
            for loan in fresh
        ]
        ids = bulk_insert_with_ids(EscrowAnalysis, [v | {"created_at": now} for v in values])
        analysis_of = {
            loan.pk: EscrowAnalysis(pk=pk, created_at=now, **v)
            for loan, pk, v in zip(fresh, ids, values, strict=True)
        }
        applied = [loan for loan in fresh if applying[loan.pk]]
        activity: list[dict] = []
        _apply(applied, decided, analysis_of, business_date, actor, activity, now)
        _store_statements(fresh, decided, analysis_of, actor, label, business_date, activity, now)
        for loan in fresh:
            analysis = analysis_of[loan.pk]
            activity.append(
                {
                    "actor": actor,
                    "action": "escrow.analyzed",
                    "summary": analyzed_summary(decided[loan.pk], applying[loan.pk]),
                    "target": loan,
                    "details": {
                        "analysis_id": analysis.pk,
                        "update": update,
                        "applied": applying[loan.pk],
                    },
                    "business_date": business_date,
                }
            )
            items.append((loan.pk, analysis.pk, Outcome.ANALYZED))
        record_activities(activity)
        bulk_insert(
            EscrowBatchItem,
            [
                {
                    "job_run_id": job.pk,
                    "loan_id": loan_id,
                    "analysis_id": analysis_id,
                    "outcome": outcome,
                    "created_at": now,
                }
                for loan_id, analysis_id, outcome in items
            ],
        )
        out.done = len(items)
    return out


def _updated_years(loans: list[Loan]) -> dict[tuple[int, dt.date], int]:
    """{(loan id, computation year start): the analysis that updated it}."""
    rows = EscrowAnalysis.objects.filter(loan__in=loans, updated=True).values_list(
        "loan_id", "computation_year_start", "pk"
    )
    return {(loan_id, year): pk for loan_id, year, pk in rows}


def _apply(loans, decided, analysis_of, business_date, actor, activity, now) -> None:
    """Update for the loans applying it: new schedule versions, the loans' carry and next
    due amount, the accounts' amounts and dates, the surplus refunds."""
    if not loans:
        return
    old = {loan.pk: decided[loan.pk].gathered.version for loan in loans}
    ScheduleVersion.objects.filter(pk__in=[v.pk for v in old.values()]).update(is_current=False)
    versions = bulk_insert_with_ids(
        ScheduleVersion,
        [
            {
                "loan_id": loan.pk,
                "version": old[loan.pk].version + 1,
                "effective_date": analysis_of[loan.pk].effective_date,
                "reason": version_reason(analysis_of[loan.pk])[:100],
                "period_start": old[loan.pk].period_start,
                "is_current": True,
                "created_at": now,
            }
            for loan in loans
        ],
    )
    copies, in_sql = [], connection.vendor == "postgresql"
    installments, loan_rows, account_rows, refunds = [], [], [], []
    for loan, version_id in zip(loans, versions, strict=True):
        d = decided[loan.pk]
        analysis = analysis_of[loan.pk]
        rows, changed = new_schedule_rows(d.gathered, d.payments, d.regular)
        if in_sql:
            copies.append((d.gathered.version.pk, version_id, d))
        else:
            installments.extend({"schedule_version_id": version_id, **row} for row in rows)
        fields = loan_changes(loan, d.gathered, version_id, changed)
        loan_rows.append(
            (
                loan.pk,
                fields.get("carry", loan.carry),
                fields.get("next_due_amount", loan.next_due_amount),
            )
        )
        for account, entry in analyzed_accounts(d, analysis, actor, business_date):
            account_rows.append((account.pk, *(getattr(account, f) for f in ACCOUNT_FIELDS)))
            activity.append(entry)
        if d.refund > 0:
            refunds.extend(
                (account, refund_entry(amount, analysis, business_date, actor))
                for account, amount in refund_shares(d.gathered.accounts, d.refund)
            )
    if in_sql:
        _copy_rows_in_sql(copies)
    else:
        bulk_insert(Installment, installments)
    bulk_update(Loan, ("carry", "next_due_amount"), loan_rows)
    bulk_update(EscrowAccount, ACCOUNT_FIELDS, account_rows)
    if refunds:
        ledger.post_many(refunds)
        for account, values in refunds:  # the instances' balances, as ``post`` leaves them
            account.balance -= values["amount"]


def _store_statements(loans, decided, analysis_of, actor, label, business_date, activity, now):
    """The annual statements of the loans not exempt, stored to render on download."""
    loans = [loan for loan in loans if not decided[loan.pk].result.exempt]
    if not loans:
        return
    accounts = {loan.pk: decided[loan.pk].gathered.accounts for loan in loans}
    # The last escrow ledger row of all: rows are only posted under their loan's lock, held
    # here for every loan of the chunk, and any row posted later takes a higher id, so each
    # statement shows its loan's rows up to now (one index probe, not a max a loan).
    through = EscrowEntry.objects.aggregate(last=Max("pk"))["last"]
    documents = [
        {
            "loan_id": loan.pk,
            "kind": LoanDocument.Kind.ESCROW_STATEMENT,
            "title": statement_title(analysis_of[loan.pk])[:200],
            "filename": statement_filename(loan, analysis_of[loan.pk])[:200],
            "content_type": "application/pdf",
            "content": b"",
            "size": 0,
            "renderer": RENDERER,
            "render_data": statement_snapshot(
                analysis_of[loan.pk],
                sum((a.balance for a in accounts[loan.pk]), ZERO),
                through,
            ),
            "actor_label": label,
            "created_at": now,
        }
        for loan in loans
    ]
    ids = bulk_insert_with_ids(LoanDocument, documents)
    activity.extend(
        {
            "actor": actor,
            "action": "loan.document_stored",
            "summary": f"{document['title']} stored in the loan's documents",
            "target": loan,
            "details": {"document_id": pk, "kind": document["kind"]},
            "business_date": business_date,
        }
        for loan, document, pk in zip(loans, documents, ids, strict=True)
    )


# On PostgreSQL the new versions' rows are copied from the old ones in one statement, the
# new escrow set as ``new_schedule_rows`` sets it: from the computation year's first
# installment on, rows not billed take the escrow of their month of the year (the 13th
# entry, the regular payment, after it); the rest are copied as they are.
_SQL_COPIED = [f for f in COPIED if f not in ("escrow", "total")]
# Column names come from schedule_versions.COPIED, never from input.
COPY_ROWS_SQL = """
INSERT INTO loans_installment (schedule_version_id, escrow, total, {columns})
SELECT m.new_id,
       CASE WHEN changes THEN e.escrow ELSE i.escrow END,
       CASE WHEN changes THEN i.principal + i.interest + i.fees + e.escrow ELSE i.total END,
       {copied}
FROM jsonb_to_recordset(%s::jsonb) AS m(old_id bigint, new_id bigint, first_due date,
                                         escrow jsonb)
JOIN loans_installment AS i ON i.schedule_version_id = m.old_id
CROSS JOIN LATERAL (
    SELECT NOT i.billed AND i.due_date >= m.first_due AS changes,
           (m.escrow ->> LEAST(
               (EXTRACT(YEAR FROM i.due_date) - EXTRACT(YEAR FROM m.first_due)) * 12
               + EXTRACT(MONTH FROM i.due_date) - EXTRACT(MONTH FROM m.first_due),
               12)::int)::numeric AS escrow
) AS e
""".format(  # noqa: S608
    columns=", ".join(_SQL_COPIED), copied=", ".join(f"i.{name}" for name in _SQL_COPIED)
)


def _copy_rows_in_sql(copies: list[tuple[int, int, Decided]]) -> None:
    mapping = [
        {
            "old_id": old_id,
            "new_id": new_id,
            "first_due": d.year_start.isoformat(),
            "escrow": [str(p) for p in d.payments] + [str(d.regular)],
        }
        for old_id, new_id, d in copies
    ]
    with connection.cursor() as cursor:
        cursor.execute(COPY_ROWS_SQL, [json.dumps(mapping)])
