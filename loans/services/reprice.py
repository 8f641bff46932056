"""Repricing of variable-rate loans (spec/accrual.md "Variable rates").

Reprice events:
- a variable-rate loan (``rate_type`` variable, an index): each schedule date S but the
  last (rows are due after it): the index value on S (the latest effective on or before
  it) + spread, within the loan's floor and cap. A loan boarded with its own index value
  keeps it until its first reprice event;
- a variable tier: at its start (``reprice_at`` tier_start: the due date before its
  first row) or on each of its schedule dates (``schedule_date``).

A reprice whose rate differs from the rate of the rows it affects makes a new schedule
version: the rows due after S take the new rate and are re-amortized on the principal not
billed on S (``loans.engine.reprice``); a ``RateChange`` records it. The caller then
replays the loan (``sync_loan``), which accrues from S at the new rate. The loan's
``index_value`` is always the value of its last reprice event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from loans.engine.reprice import RemainingRow, clamp_rate, reamortize
from loans.indexes import index_value_on
from loans.models import Installment, Loan, LoanTier, RateChange, ScheduleVersion
from loans.selectors import current_schedule_version
from loans.services.replay import replay_loan
from loans.services.schedule_versions import copied, projected, store_version
from servicing.activity import record_activity
from servicing.money import ZERO, round_rate


@dataclass(frozen=True)
class RepriceEvent:
    """On ``date`` the rows numbered in ``rows`` take index ``code`` + ``spread``."""

    date: dt.date
    code: str
    spread: Decimal
    rows: frozenset[int]
    tier: int | None = None


def reprice_events(loan: Loan, due_dates: list[tuple[int, dt.date]]) -> list[RepriceEvent]:
    """The loan's reprice events, by date, from its rows ``[(number, due date)]``."""
    if not due_dates:
        return []
    if loan.schedule_type == Loan.ScheduleType.TIERED:
        return _tier_events(loan, due_dates)
    if loan.rate_type != Loan.RateType.VARIABLE or not loan.index_code or loan.spread is None:
        return []
    events = []
    for k, (_, due) in enumerate(due_dates[:-1]):
        later = frozenset(number for number, _ in due_dates[k + 1 :])
        events.append(RepriceEvent(due, loan.index_code, loan.spread, later))
    return events


def _tier_events(loan: Loan, due_dates: list[tuple[int, dt.date]]) -> list[RepriceEvent]:
    events: dict[dt.date, RepriceEvent] = {}
    tiers = LoanTier.objects.filter(loan=loan, interest_rate_type="variable").order_by("sequence")
    for tier in tiers:
        if not tier.index_code or tier.spread is None:
            continue
        mine = [(n, due) for n, due in due_dates if due >= tier.payment_start_date]
        mine = mine[: tier.number_of_payments]
        if not mine:
            continue
        first = due_dates.index(mine[0])
        if tier.reprice_at == "schedule_date":
            starts = range(first, first + len(mine))
        else:
            starts = range(first, first + 1)
        for k in starts:
            if k == 0:
                continue  # the first tier's start is the funding: its boarded index value
            date = due_dates[k - 1][1]
            rows = frozenset(n for n, due in mine if due > date)
            events[date] = RepriceEvent(date, tier.index_code, tier.spread, rows, tier.sequence)
    return [events[date] for date in sorted(events)]


def apply_reprices(loan: Loan, *, since: dt.date, through: dt.date, actor=None) -> list[RateChange]:
    """Reprice ``loan`` (locked by the caller) for its events from ``since`` through
    ``through`` (the days being opened); returns the rate changes made. The caller replays
    the loan after. Idempotent: a reprice already made finds the rows at its rate."""
    version = current_schedule_version(loan)
    if version is None:
        return []
    due_dates = list(version.installments.order_by("number").values_list("number", "due_date"))
    changes = []
    for event in reprice_events(loan, due_dates):
        if since <= event.date <= through:
            change = reprice(loan, event, actor=actor)
            if change is not None:
                changes.append(change)
    return changes


def reprice(
    loan: Loan,
    event: RepriceEvent,
    *,
    actor=None,
    reason: str = RateChange.Reason.REPRICE,
    kept_through: dt.date | None = None,
) -> RateChange | None:
    """Reprice at ``event`` (see the module docstring); None when there is no index value
    on its date yet, or the rows already have the rate.

    ``kept_through`` (a correction by a backdated index value): the rows billed by that
    date keep their billed amounts (they take the new rate, so the accrual re-runs at it,
    and the interest difference goes to the next row billed); only the rows not billed
    yet are re-amortized."""
    value = index_value_on(event.code, event.date)
    if value is None:
        return None
    rate = round_rate(clamp_rate(value.value, event.spread, loan.rate_floor, loan.rate_cap))
    version = current_schedule_version(loan)
    rows = list(version.installments.order_by("number"))
    affected = [row for row in rows if row.number in event.rows]
    previous = affected[0].rate if affected and affected[0].rate is not None else loan.interest_rate
    if event.tier is None:
        loan.index_value = value.value
    if not affected or all(row.rate == rate for row in affected):
        loan.save(update_fields=["index_value"])
        return None
    start = event.date
    kept = set()
    if kept_through is not None:
        kept = {
            row.number
            for row in affected
            if row.billed and event.date < row.due_date <= kept_through
        }
        start = max([event.date] + [row.due_date for row in rows if row.number in kept])
    # The principal not billed on the reprice date: what the rows after it amortize.
    state = replay_loan(loan, through=start)
    balance = state.principal - sum(
        (bill.unpaid_principal for bill in state.bills if bill.billed), ZERO
    )
    later = [row for row in rows if row.due_date > start]
    reprojected = reamortize(
        [
            RemainingRow(
                row.number,
                row.due_date,
                rate if row.number in event.rows else row.rate,
                row.interest_only,
            )
            for row in later
        ],
        balance=max(balance, ZERO),
        start=start,  # after the kept rows, the first row re-projected accrues from there
        day_count=loan.day_count,
        frequency=loan.payment_frequency,
    )
    new_version = _new_version(loan, version, rows, reprojected, event, value, rate, kept, reason)
    loan.interest_rate = rate
    loan.save(update_fields=["index_value", "interest_rate"])
    change = RateChange.objects.create(
        loan=loan,
        effective_date=event.date,
        reason=reason,
        previous_rate=previous,
        rate=rate,
        index_code=event.code,
        index_value=value.value,
        spread=event.spread,
        tier_sequence=event.tier,
        schedule_version=new_version,
    )
    record_activity(
        actor=actor,
        action="loan.repriced",
        summary=f"Rate {previous.normalize():f} % -> {rate.normalize():f} % from "
        f"{event.date.isoformat()} ({event.code} {value.value.normalize():f} + "
        f"{event.spread.normalize():f}); schedule v{new_version.version}",
        target=loan,
        details={"reason": reason, "schedule_version": new_version.version},
    )
    return change


def _new_version(
    loan, version, rows, projected_rows, event, value, rate, kept, reason
) -> ScheduleVersion:
    by_number = {row.number: row for row in projected_rows}
    values = []
    for row in rows:
        base = copied(row)
        new = by_number.get(row.number)
        row_values = base if new is None else projected(new, base=base)
        if row.number in kept:
            row_values.update(kept_billed=True, rate=rate)
        values.append(row_values)
    return store_version(
        loan,
        version,
        values,
        effective_date=event.date,
        reason=f"{RateChange.Reason(reason).label}: {event.code} "
        f"{value.value.normalize():f} + "
        f"{event.spread.normalize():f} = {rate.normalize():f} %",
    )


def variable_loans_due(on: dt.date) -> list[int]:
    """Open loans with a reprice candidate on ``on``: variable (or with a variable tier)
    and a row of the current schedule due that day."""
    variable = Q(schedule_version__loan__rate_type=Loan.RateType.VARIABLE) | Q(
        schedule_version__loan__tiers__interest_rate_type="variable"
    )
    return sorted(
        set(
            Installment.objects.filter(
                variable,
                schedule_version__is_current=True,
                schedule_version__loan__status=Loan.Status.OPEN,
                due_date=on,
            ).values_list("schedule_version__loan_id", flat=True)
        )
    )


def reprice_loans(ids: list[int], business_date: dt.date) -> list[tuple[str, str]]:
    """COB step: reprice the loans whose reprice event is the next day (the day the loans
    step has just opened), then replay them; one loan per transaction."""
    from django.db import transaction

    from loans.locks import lock_loan
    from loans.services.replay import sync_loan

    opened = business_date + dt.timedelta(days=1)
    failures = []
    for loan_id in ids:
        try:
            with transaction.atomic():
                loan = lock_loan(loan_id)
                if loan.status != Loan.Status.OPEN:
                    continue
                if apply_reprices(loan, since=opened, through=opened):
                    sync_loan(loan, business_date=opened)
        except Exception as exc:  # one loan's failure is recorded, the others go on
            failures.append((_number(loan_id), f"{type(exc).__name__}: {exc}"))
    return failures


def select_loans_to_reprice(business_date: dt.date) -> list[int]:
    return variable_loans_due(business_date + dt.timedelta(days=1))


def _number(loan_id: int) -> str:
    number = Loan.objects.filter(pk=loan_id).values_list("loan_number", flat=True).first()
    return number or str(loan_id)


def correct_after_index_value(code: str, effective_from: dt.date, *, actor=None) -> int:
    """spec/accrual.md "Backdated index updates": a value of ``code`` effective from a date
    whose reprice events were already opened reprices those loans again, from each such
    event (the rows billed since keep their billed amounts) and replays them: the accrual
    re-runs at the corrected rate and the difference is posted as an accrual adjustment.
    One loan per transaction; returns how many loans changed."""
    from django.db import transaction

    from loans.locks import lock_loan
    from loans.services.replay import sync_loan
    from servicing.business_date import get_business_date

    business_date = get_business_date()
    on_index = Q(
        schedule_version__loan__rate_type=Loan.RateType.VARIABLE,
        schedule_version__loan__index_code=code,
    ) | Q(
        schedule_version__loan__tiers__interest_rate_type="variable",
        schedule_version__loan__tiers__index_code=code,
    )
    ids = sorted(
        set(
            Installment.objects.filter(
                on_index,
                schedule_version__is_current=True,
                schedule_version__loan__status=Loan.Status.OPEN,
                due_date__gte=effective_from,
                due_date__lte=business_date,
            ).values_list("schedule_version__loan_id", flat=True)
        )
    )
    corrected = 0
    for loan_id in ids:
        with transaction.atomic():
            loan = lock_loan(loan_id)
            opened = loan.last_closed_date + dt.timedelta(days=1)
            version = current_schedule_version(loan)
            due_dates = list(
                version.installments.order_by("number").values_list("number", "due_date")
            )
            changed = False
            for event in reprice_events(loan, due_dates):
                if event.code == code and effective_from <= event.date <= opened:
                    change = reprice(
                        loan,
                        event,
                        actor=actor,
                        reason=RateChange.Reason.CORRECTION,
                        kept_through=opened,
                    )
                    changed = changed or change is not None
            if changed:
                sync_loan(loan, business_date=business_date, actor=actor)
                corrected += 1
    return corrected
