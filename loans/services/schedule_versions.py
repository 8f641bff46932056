"""New schedule versions (spec/loans.md: a draw, reprice, modification... makes the next one).

The rows due before the change are copied as they are; the rows after it are projected
again (``loans.engine.reprice.reamortize``) and keep their billed and paid figures, which
the replay that follows (``sync_loan``) rewrites.
"""

from __future__ import annotations

import datetime as dt

from loans.engine.schedule import Row
from loans.models import Installment, Loan, ScheduleVersion
from servicing.bulk import bulk_insert
from servicing.money import ZERO, round_rate

COPIED = (
    "number",
    "due_date",
    "principal",
    "interest",
    "fees",
    "escrow",
    "total",
    "balance_after",
    "rate",
    "interest_only",
    "fixed_interest",
    "kept_billed",
    "billed",
    "billed_principal",
    "billed_interest",
    "billed_fees",
    "billed_escrow",
    "paid_principal",
    "paid_interest",
    "paid_fees",
    "paid_escrow",
    "status",
)
# A row not billed yet: nothing billed or paid (boarding stores every row so).
NOT_BILLED = {
    "billed": False,
    "billed_principal": ZERO,
    "billed_interest": ZERO,
    "billed_fees": ZERO,
    "billed_escrow": ZERO,
    "paid_principal": ZERO,
    "paid_interest": ZERO,
    "paid_fees": ZERO,
    "paid_escrow": ZERO,
    "status": Installment.Status.PROJECTED,
}
# A new row of a later version: no fees or escrow, a plain projected row.
UNBILLED = {
    "fees": ZERO,
    "escrow": ZERO,
    "fixed_interest": False,
    "kept_billed": False,
    **NOT_BILLED,
}


def copied(row: Installment) -> dict:
    """A stored row's values, to store again in the next version."""
    return {name: getattr(row, name) for name in COPIED}


def projected(row: Row, *, base: dict | None = None) -> dict:
    """``base`` (a copied row; None: a new row, not billed) with the projection of ``row``."""
    values = dict(base) if base is not None else {**UNBILLED, "number": row.number}
    values.update(
        due_date=row.due_date,
        principal=row.principal,
        interest=row.interest,
        total=row.principal + row.interest + values["fees"] + values["escrow"],
        balance_after=row.balance_after,
        rate=round_rate(row.rate),
        interest_only=row.interest_only,
    )
    return values


def store_version(
    loan: Loan,
    current: ScheduleVersion,
    rows: list[dict],
    *,
    effective_date: dt.date,
    reason: str,
) -> ScheduleVersion:
    """Make ``rows`` (``copied``/``projected`` values) the loan's current schedule."""
    current.is_current = False
    current.save(update_fields=["is_current"])
    version = ScheduleVersion.objects.create(
        loan=loan,
        version=current.version + 1,
        effective_date=effective_date,
        reason=reason[:100],
        period_start=current.period_start,
    )
    bulk_insert(Installment, [{"schedule_version_id": version.pk, **row} for row in rows])
    return version
