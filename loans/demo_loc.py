"""Demo lines of credit (``seed_demo``): lines in every status with draws in every status,
boarded and worked through the same services the pages and the API call."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta


def _line_payload(number: str, borrower: dict, today: dt.date, **loc) -> dict:
    funded = today - relativedelta(months=6)
    first = (funded + relativedelta(months=1)).replace(day=1)
    funded_amount = loc.pop("funded_amount", Decimal("0.00"))
    return {
        "application_number": number,
        "product_code": "LOC",
        "borrower": {"kind": "business", **borrower},
        "funded_amount": str(funded_amount),
        "funded_date": funded.isoformat(),
        "interest_rate": "9.500000",
        "day_count": "ACT/360",
        "payment_frequency": "monthly",
        "first_payment_date": first.isoformat(),
        "number_of_payments": 36,
        "schedule_type": "interest_only",
        "loc": loc,
    }


def demo_lines(today: dt.date) -> list[tuple[dict, str]]:
    """(onboarding payload, what happens to the line) for each demo line."""
    return [
        (
            _line_payload(
                "DEMO-LOC-001",
                {"borrower_id": "DEMO-B-LOC1", "business_name": "Harbor Freight Logistics LLC"},
                today,
                funded_amount=Decimal("50000.00"),
                credit_limit="250000.00",
                revolving=True,
                term_type="fixed",
            ),
            "every_draw_status",
        ),
        (
            _line_payload(
                "DEMO-LOC-002",
                {"borrower_id": "DEMO-B-LOC2", "business_name": "Maple Street Bakery Inc"},
                today,
                credit_limit="100000.00",
                revolving=False,
                term_type="open",
                draw_term_payments=24,
            ),
            "suspended",
        ),
        (
            _line_payload(
                "DEMO-LOC-003",
                {"borrower_id": "DEMO-B-LOC3", "business_name": "Northwind Outfitters Co"},
                today,
                funded_amount=Decimal("20000.00"),
                credit_limit="75000.00",
                revolving=True,
                term_type="fixed",
            ),
            "canceled",
        ),
        (
            _line_payload(
                "DEMO-LOC-004",
                {"borrower_id": "DEMO-B-LOC4", "business_name": "Blue Ridge Builders LLC"},
                today,
                funded_amount=Decimal("15000.00"),
                credit_limit="60000.00",
                revolving=True,
                term_type="fixed",
                valid_till_date=(today - dt.timedelta(days=1)).isoformat(),
            ),
            "closed",
        ),
    ]


def seed_lines(stdout) -> None:
    """Board the demo lines and their draws (skips a line that exists)."""
    from loans.api.onboarding import OnboardingInput
    from loans.models import Loan
    from loans.services.onboarding import onboard_loan
    from servicing.business_date import get_business_date

    today = get_business_date()
    for payload, story in demo_lines(today):
        if Loan.objects.filter(application_number=payload["application_number"]).exists():
            stdout.write(f"  line {payload['application_number']} kept")
            continue
        data = OnboardingInput(data=payload)
        data.is_valid(raise_exception=True)
        loan = onboard_loan(data.validated_data)
        STORIES[story](loan, today)
        stdout.write(f"  line {loan.loan_number} ({payload['application_number']}) {story}")


def _funded_draw(loan, amount: str, day: dt.date, *, fee: str = "0.00", external_id: str = ""):
    from loans.services.draws import approve_draw, fund_draw, initiate_draw

    draw = initiate_draw(
        loan,
        requested_date=day,
        requested_amount=Decimal(amount),
        fee=Decimal(fee),
        external_id=external_id,
    )
    approve_draw(loan, draw.pk, approved_amount=Decimal(amount))
    return fund_draw(loan, draw.pk, funded_date=day)


def _every_draw_status(loan, today: dt.date) -> None:
    from loans.models import Draw
    from loans.services.draws import approve_draw, delete_draw, initiate_draw, reject_draw

    _funded_draw(
        loan, "25000.00", today - relativedelta(months=3), fee="250.00", external_id="LOS-D-1001"
    )
    waiting = initiate_draw(
        loan, requested_date=today, requested_amount=Decimal("15000.00"), external_id="LOS-D-1002"
    )
    approve_draw(loan, waiting.pk, approved_amount=Decimal("12500.00"))  # funding request next
    auto = initiate_draw(
        loan, requested_date=today, requested_amount=Decimal("8000.00"), auto_funded=True
    )
    approve_draw(loan, auto.pk, approved_amount=Decimal("8000.00"))  # paid out by the COB
    initiate_draw(
        loan, requested_date=today, requested_amount=Decimal("5000.00"), external_id="LOS-D-1004"
    )
    initiate_draw(loan, requested_date=today, requested_amount=Decimal("3500.00"), via=Draw.Via.UI)
    rejected = initiate_draw(loan, requested_date=today, requested_amount=Decimal("90000.00"))
    reject_draw(loan, rejected.pk, reason="Borrowing base certificate is out of date")
    deleted = initiate_draw(
        loan, requested_date=today, requested_amount=Decimal("1000.00"), via=Draw.Via.UI
    )
    delete_draw(loan, deleted.pk)


def _suspended(loan, today: dt.date) -> None:
    from loans.services.lines import suspend_line

    _funded_draw(loan, "30000.00", today - relativedelta(months=2))
    suspend_line(loan, reason="Covenant review: financial statements overdue")


def _canceled(loan, today: dt.date) -> None:
    from loans.services.lines import cancel_line

    cancel_line(loan, reason="Borrower asked to close the line")


def _closed(loan, today: dt.date) -> None:
    from loans.services.lines import close_expired_lines

    close_expired_lines([loan.pk], today - dt.timedelta(days=1))


STORIES = {
    "every_draw_status": _every_draw_status,
    "suspended": _suspended,
    "canceled": _canceled,
    "closed": _closed,
}
