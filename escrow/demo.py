"""Demo escrow loans (``seed_demo``): a CRE loan with property tax and insurance accounts
and a construction loan with holdback and interest-reserve accounts, boarded with the
onboarding ``escrows`` block 13 months before the business date, with a year of history
through the services (escrow assessed on each due date, payments, the tax and insurance
bills paid from escrow, construction draws from the holdback, the interest reserve paying
the loan), last analyzed at funding: ready for an escrow analysis."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta


def _funded(today: dt.date) -> dt.date:
    return (today - relativedelta(months=13)).replace(day=1)


def demo_escrow_loans(today: dt.date) -> list[dict]:
    funded = _funded(today)
    first = funded + relativedelta(months=1)
    common = {
        "loan_type": "new",
        "funded_date": funded.isoformat(),
        "day_count": "ACT/360",
        "payment_frequency": "monthly",
        "first_payment_date": first.isoformat(),
        "rate_type": "fixed",
    }
    return [
        {
            **common,
            "application_number": "DEMO-ESC-001",
            "product_code": "CRE",
            "borrower": {
                "borrower_id": "DEMO-B-ESC1",
                "kind": "business",
                "business_name": "Lakeside Plaza Holdings LLC",
            },
            "funded_amount": "750000.00",
            "interest_rate": "7.250000",
            "number_of_payments": 60,
            "schedule_type": "equated",
            "escrows": [
                {
                    "category": "property_tax",
                    "sub_type": "County tax",
                    "opening_balance": "4000.00",
                    "minimum_balance": "500.00",
                    "monthly_amount": "1000.00",
                    "schedule_replenishment": True,
                    "auto_analysis": True,
                    "disbursements": [
                        {
                            "payee": "Cook County Treasurer",
                            "amount": "6000.00",
                            "due_date": (funded + relativedelta(months=3, day=15)).isoformat(),
                            "frequency": "semiannual",
                        }
                    ],
                },
                {
                    "category": "insurance",
                    "sub_type": "Hazard",
                    "opening_balance": "2400.00",
                    "monthly_amount": "300.00",
                    "schedule_replenishment": True,
                    "auto_analysis": True,
                    "disbursements": [
                        {
                            "payee": "Great Lakes Mutual Insurance",
                            "amount": "3600.00",
                            "due_date": (funded + relativedelta(months=5, day=10)).isoformat(),
                            "frequency": "annual",
                        }
                    ],
                },
            ],
        },
        {
            **common,
            "application_number": "DEMO-ESC-002",
            "product_code": "CONSTRUCTION",
            "borrower": {
                "borrower_id": "DEMO-B-ESC2",
                "kind": "business",
                "business_name": "Summit Ridge Homes LLC",
            },
            "funded_amount": "1200000.00",
            "interest_rate": "9.000000",
            "number_of_payments": 18,
            "schedule_type": "interest_only",
            "escrows": [
                {
                    "category": "holdback",
                    "opening_balance": "150000.00",
                    "disbursements": [
                        {
                            "payee": "Summit Ridge General Contracting",
                            "amount": "12000.00",
                            "due_date": (funded + relativedelta(months=2, day=20)).isoformat(),
                            "frequency": "monthly",
                        }
                    ],
                },
                {"category": "interest_reserve", "opening_balance": "150000.00"},
            ],
        },
    ]


# The categories migration 0002 seeds (a flushed test database may have lost them).
CATEGORIES = {
    "property_tax": "Property tax",
    "insurance": "Insurance",
    "holdback": "Holdback",
    "interest_reserve": "Interest reserve",
}


def seed_escrow_loans(stdout) -> None:
    """Board the demo escrow loans and their year of history (skips what exists)."""
    from escrow.models import EscrowCategory
    from loans.api.onboarding import OnboardingInput
    from loans.models import Loan
    from loans.services.onboarding import onboard_loan
    from servicing.business_date import get_business_date

    for code, name in CATEGORIES.items():
        EscrowCategory.objects.get_or_create(code=code, defaults={"name": name})
    today = get_business_date()
    for payload in demo_escrow_loans(today):
        if Loan.objects.filter(application_number=payload["application_number"]).exists():
            stdout.write(f"  escrow loan {payload['application_number']} kept")
            continue
        data = OnboardingInput(data=payload)
        data.is_valid(raise_exception=True)
        loan = onboard_loan(data.validated_data)
        _history(loan, today)
        loan.escrow_accounts.update(
            last_analysis_date=loan.funded_date,
            next_analysis_date=loan.funded_date + relativedelta(years=1),
        )
        stdout.write(f"  escrow loan {loan.loan_number} ({payload['application_number']}) boarded")


def _history(loan, today: dt.date) -> None:
    """Each past due date in order: the escrow assessed, the installment and the escrow
    paid; the bills of the accounts paid on their due dates; the interest reserve pays a
    construction loan's interest."""
    from django.db import transaction

    from escrow.services.assessments import assess_scheduled
    from escrow.services.withdrawals import withdraw
    from loans.locks import lock_loan
    from loans.models import Installment
    from loans.services.payments import post_payment

    dues = list(
        Installment.objects.filter(
            schedule_version__loan=loan, schedule_version__is_current=True, due_date__lt=today
        )
        .order_by("due_date")
        .values_list("due_date", flat=True)
    )
    reserve = loan.escrow_accounts.filter(category__code="interest_reserve").first()
    for due in dues:
        _pay_bills(loan, due, withdraw)
        with transaction.atomic():
            assess_scheduled(lock_loan(loan.pk), due, business_date=today)
        owed = _owed_on(loan, due)
        if not owed:
            continue
        if reserve is not None:
            withdraw(
                reserve,
                towards="loan",
                amount=owed,
                payment_date=due,
                effective_date=due,
                note="Monthly interest from the interest reserve",
                confirm=True,
            )
        else:
            post_payment(loan, amount=owed, effective_date=due, payment_date=due, instrument="ach")
    _pay_bills(loan, today, withdraw)


def _owed_on(loan, due: dt.date) -> Decimal:
    """The installment due on ``due`` plus the escrow assessed for it."""
    from escrow.models import EscrowAssessment
    from loans.models import Installment

    row = Installment.objects.get(
        schedule_version__loan=loan, schedule_version__is_current=True, due_date=due
    )
    escrow = sum(
        EscrowAssessment.objects.filter(account__loan=loan, due_date=due).values_list(
            "amount", flat=True
        ),
        Decimal("0.00"),
    )
    return row.billed_total - row.paid_total + escrow


def _pay_bills(loan, through: dt.date, withdraw) -> None:
    """Every disbursement item due by ``through`` paid from its account, oldest first."""
    from escrow.models import DisbursementItem

    while True:
        item = (
            DisbursementItem.objects.filter(
                account__loan=loan, is_active=True, next_due_date__lte=through
            )
            .select_related("account")
            .order_by("next_due_date", "pk")
            .first()
        )
        if item is None:
            return
        withdraw(
            item.account,
            towards="item",
            item_id=item.pk,
            amount=item.amount,
            payment_date=item.next_due_date,
            effective_date=item.next_due_date,
            note=f"{item.payee} bill",
            confirm=True,
        )
