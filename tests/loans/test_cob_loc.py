"""Lines of credit at the close of business (spec/loc.md): auto-funded draws paid out and
written to the day's disbursement file; lines closed after their valid-till date."""

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest

from loans.disbursements import write_disbursement_files
from loans.ledger import cached_balances, rebuild_balances
from loans.models import CreditLine, Disbursement, Draw, LedgerEntry
from loans.selectors import current_schedule_version
from loans.services.draws import approve_draw, initiate_draw
from servicing.business_date import get_business_date
from servicing.cob import close_business_date
from servicing.models import JobRun, TenantSettings

BD = dt.date(2026, 1, 15)  # a Thursday
ROE = {"borrower_id": "B-2", "last_name": "Roe"}


def tenant(**values) -> None:
    TenantSettings.objects.update_or_create(pk=1, defaults=values)


@pytest.fixture
def outbound(db, tmp_path):
    tenant(
        outbound_file_folder=str(tmp_path / "out"),
        payment_cutoff_time=dt.time(23, 59, 59),  # every approval is before the cut-off
        payment_processing_days=1,
    )
    return tmp_path / "out" / "disbursements"


@pytest.fixture
def close(django_capture_on_commit_callbacks):
    def run() -> JobRun:
        with django_capture_on_commit_callbacks(execute=True):
            job = close_business_date(get_business_date())
        job.refresh_from_db()
        assert job.state == JobRun.State.SUCCEEDED, job.errors
        return job

    return run


def auto_draw(loan, amount="3000.00", fee="0.00", external_id=""):
    draw = initiate_draw(
        loan,
        requested_date=BD,
        requested_amount=D(amount),
        fee=D(fee),
        auto_funded=True,
        external_id=external_id,
    )
    return approve_draw(loan, draw.pk, approved_amount=D(amount))


def read_csv(path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_approval_of_an_auto_funded_draw_creates_its_disbursement(board_line, outbound):
    loan = board_line(BD)
    draw = auto_draw(loan, fee="50.00")
    disbursement = draw.disbursement
    assert disbursement.disbursement_date == dt.date(2026, 1, 16)  # next business day
    assert disbursement.amount == D("2950.00") and disbursement.status == "pending"
    assert draw.status == Draw.Status.APPROVED


def test_an_approval_after_the_cut_off_counts_from_the_next_business_day(board_line, outbound):
    tenant(payment_cutoff_time=dt.time(0, 0))  # every approval is at or after it
    draw = auto_draw(board_line(BD))
    assert draw.disbursement.disbursement_date == dt.date(2026, 1, 20)  # Fri 16th, MLK day


def test_the_close_funds_the_draws_due_and_writes_the_file(board_line, outbound, close):
    loan = board_line(BD)
    other = board_line(BD, application_number="LOC-2", borrower=ROE)
    first = auto_draw(loan, "3000.00", fee="50.00", external_id="LOS-77")
    second = auto_draw(other, "1200.00")
    close()  # closes 2026-01-15, opens the 16th: the disbursement date
    assert get_business_date() == dt.date(2026, 1, 16)
    first.refresh_from_db()
    assert first.status == Draw.Status.FUNDED and first.funded_date == dt.date(2026, 1, 16)
    assert first.funded_amount == D("2950.00")
    loan.refresh_from_db()
    assert loan.principal_balance == D("2950.00")
    assert loan.last_closed_date == BD
    assert current_schedule_version(loan).version == 2
    assert rebuild_balances(loan) == cached_balances(loan)
    path = outbound / "disbursements_20260116.csv"
    rows = read_csv(path)
    assert [r["draw_id"] for r in rows] == [str(first.pk), str(second.pk)]
    assert rows[0] == {
        "disbursement_id": str(first.disbursement.pk),
        "disbursement_date": "2026-01-16",
        "loan_number": loan.loan_number,
        "borrower_id": "B-1001",
        "borrower_name": "Jane Doe",
        "draw_id": str(first.pk),
        "external_id": "LOS-77",
        "approved_amount": "3000.00",
        "fee": "50.00",
        "amount": "2950.00",
    }
    assert set(Disbursement.objects.values_list("status", "file_name")) == {
        ("disbursed", "disbursements_20260116.csv")
    }
    # The next day accrues on the draw from its funded date.
    close()
    accrual = loan.ledger_entries.get(kind=LedgerEntry.Kind.INTEREST_ACCRUAL)
    assert accrual.effective_date == dt.date(2026, 1, 16)
    assert accrual.interest == D("0.98")  # 2,950 x 12 % / 360


def test_a_disbursement_not_due_yet_waits(board_line, outbound, close):
    tenant(payment_processing_days=3)
    draw = auto_draw(board_line(BD))
    assert draw.disbursement.disbursement_date == dt.date(2026, 1, 21)  # weekend, MLK day
    close()
    draw.refresh_from_db()
    assert draw.status == Draw.Status.APPROVED
    assert not outbound.exists() or not list(outbound.iterdir())


def test_an_earlier_file_is_never_overwritten(board_line, outbound, close):
    outbound.mkdir(parents=True)
    (outbound / "disbursements_20260116.csv").write_text("sent yesterday\n")
    auto_draw(board_line(BD))
    close()
    assert (outbound / "disbursements_20260116.csv").read_text() == "sent yesterday\n"
    assert len(read_csv(outbound / "disbursements_20260116_2.csv")) == 1


def test_a_rerun_writes_nothing_twice_and_a_lost_file_is_written_again(board_line, outbound, close):
    auto_draw(board_line(BD))
    close()
    assert write_disbursement_files(BD) == []  # a re-run of the step: nothing new
    path = outbound / "disbursements_20260116.csv"
    content = path.read_text()
    path.unlink()  # as if the process died between the database and the file
    assert write_disbursement_files(BD) == ["disbursements_20260116.csv"]
    assert path.read_text() == content
    assert sorted(p.name for p in outbound.iterdir()) == ["disbursements_20260116.csv"]


def test_a_failed_disbursement_is_recorded_and_the_others_go_on(board_line, outbound, close):
    loan = board_line(BD)
    other = board_line(BD, application_number="LOC-2", borrower=ROE)
    bad, good = auto_draw(loan).disbursement, auto_draw(other)
    loan.status = "closed"
    loan.closure_reason = "canceled"
    loan.save()
    with pytest.raises(AssertionError):
        close()
    job = JobRun.objects.get(business_date=BD)
    [error] = job.errors.all()
    assert job.failed == 1 and error.item_ref == f"{loan.loan_number} disbursement {bad.pk}"
    assert "is closed" in error.message
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.status == Draw.Status.FUNDED and bad.draw.status == Draw.Status.APPROVED
    assert bad.status == Disbursement.Status.PENDING  # the next close tries again


def test_a_line_closes_after_its_valid_till_date(board_line, outbound, close):
    loan = board_line(BD, loc={"valid_till_date": "2026-01-16"})
    pending = initiate_draw(loan, requested_date=BD, requested_amount=D("100.00"))
    close()  # the 15th: still valid on the 16th
    assert CreditLine.objects.get(loan=loan).status == CreditLine.Status.ACTIVE
    close()  # the 16th: its last valid day has passed
    line = CreditLine.objects.get(loan=loan)
    assert line.status == CreditLine.Status.CLOSED
    assert line.status_reason == "Valid-till date 2026-01-16 passed"
    pending.refresh_from_db()
    assert pending.status == Draw.Status.REJECTED
    assert pending.reject_reason == "Line closed: valid-till date 2026-01-16 passed"
    assert loan.status == "open"  # the loan goes on; only new draws stop


def test_a_line_without_a_valid_till_date_stays_open(board_line, outbound, close):
    loan = board_line(BD)
    close()
    close()
    assert CreditLine.objects.get(loan=loan).status == CreditLine.Status.ACTIVE
