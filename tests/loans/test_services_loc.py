"""Lines of credit and draws through the services (spec/loc.md)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from loans.ledger import cached_balances, rebuild_balances
from loans.models import CreditLine, Draw, LedgerEntry, Loan
from loans.selectors import current_schedule_version
from loans.services.catch_up import catch_up
from loans.services.draws import (
    approve_draw,
    delete_draw,
    fund_draw,
    initiate_draw,
    reject_draw,
)
from loans.services.lines import (
    activate_line,
    available,
    cancel_line,
    line_summary,
    suspend_line,
)
from loans.services.payments import post_payment
from loans.services.rebuild import rebuild_loan
from servicing.activity import activity_for
from servicing.business_date import set_business_date
from servicing.errors import DomainError, InvalidInput

BD = dt.date(2026, 1, 15)


def at(day: str) -> dt.date:
    return dt.date.fromisoformat(day)


def assert_rebuild_matches(loan):
    loan.refresh_from_db()
    assert rebuild_balances(loan) == cached_balances(loan)


def draw_funded(loan, amount="4000.00", day=None, fee="0.00", **kw):
    """Initiate, approve and fund a draw of ``amount`` on ``day`` (default: business date)."""
    draw = initiate_draw(
        loan, requested_date=day or BD, requested_amount=D(amount), fee=D(fee), **kw
    )
    approve_draw(loan, draw.pk, approved_amount=D(amount))
    fund_draw(loan, draw.pk, funded_date=day or BD)
    draw.refresh_from_db()
    loan.refresh_from_db()
    return draw


@pytest.fixture
def line(board_line):
    return board_line(BD)


def test_a_line_is_boarded_before_its_first_draw(line):
    assert line.kind == "loc" and line.funded_amount == 0 and line.principal_balance == 0
    assert not line.ledger_entries.filter(kind=LedgerEntry.Kind.DISBURSEMENT).exists()
    credit = CreditLine.objects.get(loan=line)
    assert credit.status == CreditLine.Status.ACTIVE
    assert available(credit) == D("10000.00")
    rows = current_schedule_version(line).installments.all()
    assert len(rows) == 12 and all(row.total == 0 for row in rows)


def test_a_funded_draw_adds_principal_net_of_its_fee_and_reamortizes(line):
    draw = draw_funded(line, "4000.00", fee="100.00")
    assert draw.status == Draw.Status.FUNDED
    assert draw.funded_amount == D("3900.00") and draw.funded_date == BD
    assert line.principal_balance == D("3900.00")
    version = current_schedule_version(line)
    assert version.version == 2 and version.effective_date == BD
    assert version.reason == f"Draw {draw.pk} funded: re-amortized"
    rows = list(version.installments.order_by("number"))
    assert sum(row.principal for row in rows) == D("3900.00")
    assert rows[-1].balance_after == 0
    assert line.maturity_date == rows[-1].due_date == at("2027-01-01")  # fixed term
    entry = draw.ledger_entry
    assert entry.kind == LedgerEntry.Kind.DRAW and entry.principal == D("3900.00")
    assert [e.status for e in draw.events.all()] == ["verification", "approved", "funded"]
    assert_rebuild_matches(line)


def test_accrual_starts_on_the_funded_date(line):
    draw_funded(line, "3600.00")
    set_business_date(BD + dt.timedelta(days=10))
    post_payment(line, amount=D("1.00"), effective_date=BD + dt.timedelta(days=10))
    line.refresh_from_db()
    accruals = line.ledger_entries.filter(kind=LedgerEntry.Kind.INTEREST_ACCRUAL)
    # 3,600 at 12 % ACT/360 = 1.20 a day, from the funded date, none before it.
    assert min(accruals.values_list("effective_date", flat=True)) == BD
    assert sum(a.interest for a in accruals) == D("12.00")
    assert_rebuild_matches(line)


def test_an_open_term_line_moves_its_maturity_out_with_each_draw(board_line):
    loan = board_line(BD, loc={"term_type": "open", "draw_term_payments": 24})
    assert loan.maturity_date == at("2027-01-01")
    draw_funded(loan, "2400.00")
    # Funded 2026-01-15: 24 payments after it, the first due 2026-02-01.
    assert loan.maturity_date == at("2028-01-01") and loan.number_of_payments == 24
    rows = list(current_schedule_version(loan).installments.order_by("number"))
    assert [r.due_date for r in rows[:2]] == [at("2026-02-01"), at("2026-03-01")]
    assert len(rows) == 24 and sum(r.principal for r in rows) == D("2400.00")
    set_business_date(at("2026-06-10"))
    draw_funded(loan, "1000.00", day=at("2026-06-10"))
    assert loan.maturity_date == at("2028-06-01") and loan.number_of_payments == 29
    assert_rebuild_matches(loan)


def test_a_fixed_term_line_keeps_its_maturity(line):
    draw_funded(line, "1000.00")
    set_business_date(at("2026-06-10"))
    draw_funded(line, "1000.00", day=at("2026-06-10"))
    assert line.maturity_date == at("2027-01-01") and line.number_of_payments == 12
    rows = list(current_schedule_version(line).installments.order_by("number"))
    assert len(rows) == 12
    assert_rebuild_matches(line)


def test_a_fixed_term_line_takes_no_draw_at_or_after_maturity(line):
    with pytest.raises(InvalidInput, match="matures") as error:
        initiate_draw(line, requested_date=at("2027-01-01"), requested_amount=D("10"))
    assert error.value.field == "requested_date"


def test_revolving_availability_is_restored_by_principal_payments(line):
    draw_funded(line, "6000.00")
    credit = CreditLine.objects.get(loan=line)
    assert available(credit) == D("4000.00")
    pending = initiate_draw(line, requested_date=BD, requested_amount=D("1500.00"))
    approve_draw(line, pending.pk, approved_amount=D("1500.00"))
    assert available(credit) == D("2500.00")  # approved, not funded: held
    set_business_date(at("2026-02-01"))
    post_payment(line, amount=D("1000.00"), effective_date=at("2026-02-01"))
    line.refresh_from_db()
    paid_principal = D("6000.00") - line.principal_balance
    assert paid_principal > 0
    assert available(credit, line) == D("2500.00") + paid_principal
    assert line.status == Loan.Status.OPEN  # revolving: open even when paid down


def test_non_revolving_availability_is_never_restored(board_line):
    loan = board_line(BD, funded_amount="2000.00", loc={"revolving": False})
    credit = CreditLine.objects.get(loan=loan)
    assert available(credit) == D("8000.00")  # the boarded principal counts as drawn
    draw_funded(loan, "3000.00")
    assert available(credit) == D("5000.00")
    set_business_date(at("2026-02-01"))
    post_payment(loan, amount=D("1000.00"), effective_date=at("2026-02-01"))
    assert available(credit) == D("5000.00")


def test_a_non_revolving_line_is_paid_off_at_zero_a_revolving_one_stays_open(board_line):
    loan = board_line(BD, funded_amount="2000.00", loc={"revolving": False})
    set_business_date(at("2026-01-20"))
    loan = catch_up(loan)  # the outstanding through the business date's opening
    post_payment(loan, amount=loan.outstanding, effective_date=at("2026-01-20"))
    loan.refresh_from_db()
    assert loan.outstanding == 0
    assert loan.status == Loan.Status.CLOSED and loan.closure_reason == "paid_off"
    assert CreditLine.objects.get(loan=loan).status == CreditLine.Status.CLOSED
    revolving = catch_up(board_line(BD, application_number="LOC-2", funded_amount="2000.00"))
    set_business_date(at("2026-01-20"))
    revolving = catch_up(revolving)
    post_payment(revolving, amount=revolving.outstanding, effective_date=at("2026-01-20"))
    revolving.refresh_from_db()
    assert revolving.outstanding == 0 and revolving.status == Loan.Status.OPEN


def test_a_draw_over_the_available_amount_is_refused(line):
    with pytest.raises(DomainError) as error:
        initiate_draw(line, requested_date=BD, requested_amount=D("10000.01"))
    assert error.value.code == "draw_exceeds_available"
    draw = initiate_draw(line, requested_date=BD, requested_amount=D("6000.00"))
    other = initiate_draw(line, requested_date=BD, requested_amount=D("6000.00"))
    approve_draw(line, draw.pk, approved_amount=D("6000.00"))
    with pytest.raises(DomainError) as error:
        approve_draw(line, other.pk, approved_amount=D("6000.00"))
    assert error.value.code == "draw_exceeds_available"
    other.refresh_from_db()
    assert other.status == Draw.Status.VERIFICATION  # nothing written
    approve_draw(line, other.pk, approved_amount=D("4000.00"))  # what is left


# --- Status machines --------------------------------------------------------------------

LINE_ACTIONS = {"suspend": suspend_line, "activate": activate_line, "cancel": cancel_line}
# (line status before, action) -> status after, or the 409 code refusing it.
LINE_TABLE = [
    ("active", "suspend", "suspended"),
    ("active", "activate", "loc_not_suspended"),
    ("active", "cancel", "canceled"),
    ("suspended", "suspend", "loc_not_active"),
    ("suspended", "activate", "active"),
    ("suspended", "cancel", "canceled"),
    ("canceled", "suspend", "loc_not_active"),
    ("canceled", "activate", "loc_not_suspended"),
    ("canceled", "cancel", "loc_final"),
    ("closed", "suspend", "loc_not_active"),
    ("closed", "activate", "loc_not_suspended"),
    ("closed", "cancel", "loc_final"),
]


@pytest.mark.parametrize(("before", "action", "outcome"), LINE_TABLE)
def test_line_status_transitions(line, before, action, outcome):
    CreditLine.objects.filter(loan=line).update(status=before)
    if outcome in CreditLine.Status.values:
        LINE_ACTIONS[action](line, reason="test")
        assert CreditLine.objects.get(loan=line).status == outcome
        past = {"suspend": "suspended", "activate": "activated", "cancel": "canceled"}
        assert activity_for(line).first().action == f"loc.{past[action]}"
    else:
        with pytest.raises(DomainError) as error:
            LINE_ACTIONS[action](line)
        assert error.value.code == outcome
        assert CreditLine.objects.get(loan=line).status == before


@pytest.mark.parametrize("action", ["suspend", "cancel"])
def test_a_draw_in_verification_blocks_suspend_and_cancel(line, action):
    initiate_draw(line, requested_date=BD, requested_amount=D("100.00"))
    with pytest.raises(DomainError) as error:
        LINE_ACTIONS[action](line)
    assert error.value.code == "draw_in_verification"


@pytest.mark.parametrize("status", ["suspended", "canceled", "closed"])
def test_new_draws_only_while_active(line, status):
    CreditLine.objects.filter(loan=line).update(status=status)
    with pytest.raises(DomainError) as error:
        initiate_draw(line, requested_date=BD, requested_amount=D("100.00"))
    assert error.value.code == "loc_not_active"
    assert not Draw.objects.exists()


def _draw_in(line, status, *, via="ui", auto_funded=False):
    draw = initiate_draw(
        line, requested_date=BD, requested_amount=D("500.00"), via=via, auto_funded=auto_funded
    )
    if status in ("approved", "funded"):
        approve_draw(line, draw.pk, approved_amount=D("500.00"))
    if status == "funded":
        fund_draw(line, draw.pk, funded_date=BD)
    if status == "rejected":
        reject_draw(line, draw.pk, reason="No")
    if status == "deleted":
        delete_draw(line, draw.pk)
    return draw


DRAW_ACTIONS = {
    "approve": lambda loan, pk: approve_draw(loan, pk, approved_amount=D("500.00")),
    "reject": lambda loan, pk: reject_draw(loan, pk, reason="Not eligible"),
    "delete": lambda loan, pk: delete_draw(loan, pk),
    "fund": lambda loan, pk: fund_draw(loan, pk, funded_date=BD),
}
DRAW_TABLE = [
    ("verification", "approve", "approved"),
    ("verification", "reject", "rejected"),
    ("verification", "delete", "deleted"),
    ("verification", "fund", "draw_not_approved"),
    ("approved", "approve", "draw_not_in_verification"),
    ("approved", "reject", "draw_not_in_verification"),
    ("approved", "delete", "draw_not_in_verification"),
    ("approved", "fund", "funded"),
    *[
        (status, action, "draw_not_in_verification" if action != "fund" else "draw_not_approved")
        for status in ("rejected", "deleted", "funded")
        for action in ("approve", "reject", "delete", "fund")
    ],
]


@pytest.mark.parametrize(("before", "action", "outcome"), DRAW_TABLE)
def test_draw_status_transitions(line, before, action, outcome):
    draw = _draw_in(line, before)
    if outcome in Draw.Status.values:
        DRAW_ACTIONS[action](line, draw.pk)
        draw.refresh_from_db()
        assert draw.status == outcome
        assert draw.events.last().status == outcome
    else:
        with pytest.raises(DomainError) as error:
            DRAW_ACTIONS[action](line, draw.pk)
        assert error.value.code == outcome
        draw.refresh_from_db()
        assert draw.status == before


def test_an_los_draw_cannot_be_deleted(line):
    draw = _draw_in(line, "verification", via="api")
    with pytest.raises(DomainError) as error:
        delete_draw(line, draw.pk)
    assert error.value.code == "draw_not_deletable"


def test_an_auto_funded_draw_is_not_funded_by_a_funding_request(line):
    draw = _draw_in(line, "approved", auto_funded=True)
    with pytest.raises(DomainError) as error:
        fund_draw(line, draw.pk, funded_date=BD)
    assert error.value.code == "draw_auto_funded"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"requested_amount": D("0")}, "requested_amount"),
        ({"requested_amount": D("-5")}, "requested_amount"),
        ({"fee": D("-1")}, "fee"),
        ({"fee": D("500.00")}, "fee"),
        ({"requested_date": at("2025-12-31")}, "requested_date"),
    ],
)
def test_bad_draw_input_is_refused_and_writes_nothing(line, kwargs, field):
    values = {"requested_date": BD, "requested_amount": D("500.00"), **kwargs}
    with pytest.raises(InvalidInput) as error:
        initiate_draw(line, **values)
    assert error.value.field == field
    assert not Draw.objects.exists()


def test_reject_needs_a_reason_and_fund_a_date_not_in_the_future(line):
    draw = _draw_in(line, "verification")
    with pytest.raises(InvalidInput):
        reject_draw(line, draw.pk, reason="  ")
    approve_draw(line, draw.pk, approved_amount=D("400.00"))
    with pytest.raises(InvalidInput) as error:
        fund_draw(line, draw.pk, funded_date=BD + dt.timedelta(days=1))
    assert error.value.field == "funded_date"
    draw.refresh_from_db()
    assert draw.status == Draw.Status.APPROVED and draw.approved_amount == D("400.00")


def test_a_duplicate_external_id_is_refused(line):
    initiate_draw(line, requested_date=BD, requested_amount=D("10"), external_id="X-1")
    with pytest.raises(DomainError) as error:
        initiate_draw(line, requested_date=BD, requested_amount=D("10"), external_id="X-1")
    assert error.value.code == "duplicate_external_id"


def test_product_draw_fees_are_assessed_at_approval(line):
    line.product.draw_fees = [{"name": "Draw fee", "amount": "25.00"}]
    line.product.save()
    draw = initiate_draw(line, requested_date=BD, requested_amount=D("1000.00"))
    approve_draw(line, draw.pk, approved_amount=D("1000.00"))
    line.refresh_from_db()
    assert line.fees_balance == D("25.00")
    fee = line.ledger_entries.get(kind=LedgerEntry.Kind.FEE_ASSESSED)
    assert fee.details == {"fee_name": "Draw fee", "draw": draw.pk}
    assert_rebuild_matches(line)


def test_backdated_funding_equals_funding_on_time(board_line):
    on_time = board_line(at("2026-01-15"), application_number="LOC-A")
    late = board_line(at("2026-01-15"), application_number="LOC-B")
    draw_funded(on_time, "5000.00", day=at("2026-01-15"))
    set_business_date(at("2026-03-20"))
    draw = initiate_draw(late, requested_date=at("2026-01-15"), requested_amount=D("5000.00"))
    approve_draw(late, draw.pk, approved_amount=D("5000.00"))
    fund_draw(late, draw.pk, funded_date=at("2026-01-15"))
    for loan in (on_time, late):
        post_payment(loan, amount=D("100.00"), effective_date=at("2026-03-20"))

    on_time.refresh_from_db()
    late.refresh_from_db()
    fields = ("principal_balance", "interest_balance", "amount_due", "dpd", "next_due_date")
    assert {f: getattr(late, f) for f in fields} == {f: getattr(on_time, f) for f in fields}
    billed = lambda loan: list(  # noqa: E731
        current_schedule_version(loan)
        .installments.filter(billed=True)
        .values_list("billed_principal", "billed_interest", "paid_principal", "paid_interest")
    )
    assert billed(late) == billed(on_time)
    # The days before the funding accrued nothing on the empty line: the replay posts them.
    accrued = lambda loan: list(  # noqa: E731
        loan.ledger_entries.filter(kind=LedgerEntry.Kind.INTEREST_ACCRUAL)
        .order_by("effective_date")
        .values_list("effective_date", "interest")
    )
    assert accrued(late) == accrued(on_time)
    assert_rebuild_matches(late)
    before = cached_balances(late)
    rebuild_loan(late)
    late.refresh_from_db()
    assert cached_balances(late) == before


def test_line_summary(line):
    draw_funded(line, "2500.00")
    summary = line_summary(CreditLine.objects.get(loan=line))
    assert summary["credit_limit"] == D("10000.00")
    assert summary["used"] == D("2500.00") and summary["available_amount"] == D("7500.00")
    assert summary["loc_status"] == "active" and summary["maturity_date"] == at("2027-01-01")


def test_a_draw_backdated_before_another_equals_funding_both_in_order(board_line):
    in_order = board_line(at("2026-01-15"), application_number="LOC-A")
    backdated = board_line(at("2026-01-15"), application_number="LOC-B")
    set_business_date(at("2026-02-10"))
    draw_funded(in_order, "3000.00", day=at("2026-02-10"))
    set_business_date(at("2026-03-10"))
    draw_funded(in_order, "2000.00", day=at("2026-03-10"))
    draw_funded(backdated, "2000.00", day=at("2026-03-10"))
    set_business_date(at("2026-05-20"))
    late = initiate_draw(backdated, requested_date=at("2026-02-10"), requested_amount=D("3000"))
    approve_draw(backdated, late.pk, approved_amount=D("3000.00"))
    fund_draw(backdated, late.pk, funded_date=at("2026-02-10"))
    for loan in (in_order, backdated):
        post_payment(loan, amount=D("50.00"), effective_date=at("2026-05-20"))
        loan.refresh_from_db()

    def schedule(loan):
        return list(
            current_schedule_version(loan)
            .installments.order_by("number")
            .values_list("due_date", "principal", "interest", "billed_principal", "paid_interest")
        )

    assert schedule(backdated) == schedule(in_order)
    fields = ("principal_balance", "interest_balance", "amount_due", "dpd")
    assert {f: getattr(backdated, f) for f in fields} == {f: getattr(in_order, f) for f in fields}
    reasons = list(backdated.schedule_versions.order_by("version").values_list("reason", flat=True))
    assert reasons[-1] == f"Re-amortized at 2026-03-10 after draw {late.pk}"
    assert_rebuild_matches(backdated)
