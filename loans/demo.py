"""Demo configuration: the investor and product codes spec/api.md fixes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from loans.models import DayCount, Investor, PaymentFrequency, Product

DEMO_PRODUCTS = [
    ("TERM", "Term loan", Product.Kind.TERM, DayCount.THIRTY_360, PaymentFrequency.MONTHLY),
    ("CRE", "Commercial real estate", Product.Kind.CRE, DayCount.ACT_360, PaymentFrequency.MONTHLY),
    (
        "CONSTRUCTION",
        "Construction loan",
        Product.Kind.CONSTRUCTION,
        DayCount.ACT_360,
        PaymentFrequency.MONTHLY,
    ),
    ("MCA", "Merchant cash advance", Product.Kind.MCA, DayCount.ACT_365, PaymentFrequency.DAILY),
    ("SCF", "Supply chain finance", Product.Kind.SCF, DayCount.ACT_360, PaymentFrequency.MONTHLY),
    ("LOC", "Line of credit", Product.Kind.LOC, DayCount.ACT_360, PaymentFrequency.MONTHLY),
]


# Default interest (spec/accrual.md): the investor charges 2 % over the loan's rate on
# missed installments after 10 days; commercial real estate charges the spread on the
# whole unpaid principal, as a lump sum.
DEMO_DEFAULT_INTEREST = {"enabled": True, "spread": "2.000000", "grace_days": 10}
DEMO_PRODUCT_DEFAULT_INTEREST = {"CRE": {"method": "lump_sum", "base": "unpaid_principal"}}


def seed_configuration(stdout) -> None:
    _, created = Investor.objects.update_or_create(
        code="LENDER",
        defaults={"name": "Lender", "is_default": True},
        create_defaults={
            "name": "Lender",
            "is_default": True,
            "default_interest": DEMO_DEFAULT_INTEREST,
        },
    )
    stdout.write(f"  investor LENDER {'created' if created else 'up to date'}")
    for code, name, kind, day_count, frequency in DEMO_PRODUCTS:
        _, created = Product.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "day_count": day_count,
                "payment_frequency": frequency,
                "default_interest": DEMO_PRODUCT_DEFAULT_INTEREST.get(code, {}),
            },
        )
        stdout.write(f"  product {code} {'created' if created else 'kept'}")


def _months_before(day: dt.date, months: int) -> dt.date:
    return day - relativedelta(months=months)


def demo_loans(business_date: dt.date) -> list[dict]:
    """Loans of every amortized schedule type, funded relative to the business date."""
    funded = _months_before(business_date, 5).replace(day=1)
    first = funded + relativedelta(months=1)
    people = [
        ("DEMO-B-001", "individual", "Maria", "Gonzalez", ""),
        ("DEMO-B-002", "business", "", "", "Harbor Street Holdings LLC"),
        ("DEMO-B-003", "business", "", "", "Summit Builders Inc"),
        ("DEMO-B-004", "individual", "Daniel", "Okafor", ""),
    ]
    borrowers = [
        {
            "borrower_id": bid,
            "kind": kind,
            "first_name": first_name,
            "last_name": last_name,
            "business_name": business,
            "email": f"{bid.lower()}@example.com",
            "phone": "555-0100",
            "address": {
                "line1": "100 Main St",
                "city": "Columbus",
                "state": "OH",
                "postal_code": "43215",
            },
        }
        for bid, kind, first_name, last_name, business in people
    ]
    common = {
        "funded_date": funded,
        "first_payment_date": first,
        "loan_type": "new",
        "broken_period": "merged",
        "rate_type": "fixed",
    }
    return [
        {
            **common,
            "application_number": "DEMO-APP-001",
            "product_code": "TERM",
            "borrower": borrowers[0],
            "funded_amount": Decimal("25000.00"),
            "interest_rate": Decimal("8.5"),
            "day_count": "30/360",
            "number_of_payments": 36,
            "schedule_type": "equated",
        },
        {
            **common,
            "application_number": "DEMO-APP-002",
            "product_code": "CRE",
            "borrower": borrowers[1],
            "funded_amount": Decimal("1850000.00"),
            "interest_rate": Decimal("6.75"),
            "day_count": "ACT/360",
            "number_of_payments": 60,
            "schedule_type": "interest_only",
        },
        {
            **common,
            "application_number": "DEMO-APP-003",
            "product_code": "CONSTRUCTION",
            "borrower": borrowers[2],
            "funded_amount": Decimal("640000.00"),
            "day_count": "ACT/360",
            "number_of_payments": 24,
            "schedule_type": "tiered",
            "tiers": [
                {
                    "payment_start_date": first,
                    "number_of_payments": 12,
                    "schedule_type": "interest_only",
                    "interest_rate_type": "fixed",
                    "interest_rate": Decimal("7.25"),
                    "reprice_at": "tier_start",
                },
                {
                    "payment_start_date": first + relativedelta(months=12),
                    "number_of_payments": 12,
                    "schedule_type": "fixed_payment",
                    "interest_rate_type": "fixed",
                    "interest_rate": Decimal("7.75"),
                    "reprice_at": "tier_start",
                },
            ],
        },
        {
            **common,
            "application_number": "DEMO-APP-004",
            "product_code": "TERM",
            "borrower": borrowers[3],
            "funded_amount": Decimal("12000.00"),
            "interest_rate": Decimal("11.9"),
            "day_count": "ACT/365",
            "number_of_payments": 24,
            "schedule_type": "equated",
            "fees": [{"name": "Origination fee", "amount": Decimal("240.00"), "amortized": False}],
        },
        *_factor_rate_and_invoice_loans(business_date, borrowers),
    ]


def _factor_rate_and_invoice_loans(business_date: dt.date, borrowers: list[dict]) -> list[dict]:
    """MCA (reducing balance, straight, custom rows) and an SCF invoice advance."""
    mca_funded = business_date - dt.timedelta(days=30)
    invoice_date = business_date - dt.timedelta(days=20)
    custom_first = mca_funded + relativedelta(months=1)
    common = {"loan_type": "new", "broken_period": "merged", "rate_type": "fixed"}
    return [
        {
            **common,
            "application_number": "DEMO-APP-005",
            "product_code": "MCA",
            "borrower": borrowers[1],
            "funded_amount": Decimal("50000.00"),
            "funded_date": mca_funded,
            "number_of_payments": 249,
            "schedule_type": "mca",
            "fees": [{"name": "Underwriting fee", "amount": Decimal("500.00"), "amortized": True}],
            "mca": {"factor_rate": Decimal("1.1716"), "allocation": "reducing_balance"},
        },
        {
            **common,
            "application_number": "DEMO-APP-006",
            "product_code": "MCA",
            "borrower": borrowers[3],
            "funded_amount": Decimal("15000.00"),
            "funded_date": mca_funded,
            "number_of_payments": 120,
            "schedule_type": "mca",
            "mca": {"factor_rate": Decimal("1.25"), "allocation": "straight"},
        },
        {
            **common,
            "application_number": "DEMO-APP-007",
            "product_code": "MCA",
            "borrower": borrowers[2],
            "funded_amount": Decimal("9000.00"),
            "funded_date": mca_funded,
            "payment_frequency": "monthly",
            "schedule_type": "custom",
            "mca": {
                "factor_rate": Decimal("1.2"),
                "allocation": "custom",
                "custom_schedule": [
                    {
                        "due_date": custom_first + relativedelta(months=k),
                        "amount": amount,
                        "principal": principal,
                        "finance_charge": amount - principal,
                    }
                    for k, (amount, principal) in enumerate(
                        [
                            (Decimal("4000.00"), Decimal("3000.00")),
                            (Decimal("3600.00"), Decimal("3000.00")),
                            (Decimal("3200.00"), Decimal("3000.00")),
                        ]
                    )
                ],
            },
        },
        {
            **common,
            "application_number": "DEMO-APP-008",
            "product_code": "SCF",
            "borrower": borrowers[1],
            "funded_amount": Decimal("40000.00"),
            "funded_date": invoice_date + dt.timedelta(days=2),
            "interest_rate": Decimal("9.5"),
            "schedule_type": "equated",
            "scf": {
                "invoice_number": "INV-2026-0417",
                "invoice_date": invoice_date,
                "invoice_due_date": invoice_date + dt.timedelta(days=60),
                "invoice_amount": Decimal("50000.00"),
                "buyer_name": "Great Lakes Grocers Inc",
                "borrower_limit": Decimal("250000.00"),
            },
        },
    ]


# Payment history, by application number: "on_time" pays each billed row on its due date;
# "partial" pays half of each; "none" leaves the loan delinquent. One returned ACH.
DEMO_HISTORY = {
    "DEMO-APP-001": "on_time",
    "DEMO-APP-002": "on_time",
    "DEMO-APP-003": "partial",
    "DEMO-APP-004": "none",
    "DEMO-APP-005": "on_time",
    "DEMO-APP-006": "stopped",
    "DEMO-APP-007": "none",
    "DEMO-APP-008": "none",
}


def seed_loans(stdout) -> None:
    """Board the demo portfolio through the onboarding service (skips what exists)."""
    from loans.api.onboarding import OnboardingInput
    from loans.models import Loan
    from loans.services.onboarding import onboard_loan
    from servicing.business_date import get_business_date

    for payload in demo_loans(get_business_date()):
        if Loan.objects.filter(application_number=payload["application_number"]).exists():
            stdout.write(f"  loan {payload['application_number']} kept")
            continue
        data = OnboardingInput(data=_as_json(payload))
        data.is_valid(raise_exception=True)
        loan = onboard_loan(data.validated_data)
        _post_history(loan, DEMO_HISTORY.get(payload["application_number"], "none"))
        loan.refresh_from_db()
        stdout.write(
            f"  loan {loan.loan_number} ({payload['application_number']}) boarded, DPD {loan.dpd}"
        )


def _post_history(loan, pattern: str) -> None:
    """Payments on the due dates already passed, through the payment service (backdated)."""
    from loans.models import Installment
    from loans.services.payments import post_payment, reverse_payment
    from servicing.business_date import get_business_date

    if pattern == "none":
        return
    today = get_business_date()
    rows = Installment.objects.filter(
        schedule_version__loan=loan, schedule_version__is_current=True, due_date__lt=today
    ).order_by("number")
    rows = list(rows)
    if pattern == "stopped":  # paid the first half of the period, then stopped paying
        rows = rows[: len(rows) // 2]
    payments = []
    for row in rows:
        billed = row.billed_total  # rows due before the business date are billed at boarding
        amount = billed if pattern != "partial" else (billed / 2).quantize(Decimal("0.01"))
        payments.append(
            post_payment(
                loan,
                amount=amount,
                effective_date=row.due_date,
                payment_date=row.due_date,
                instrument="ach",
            )
        )
    if loan.application_number == "DEMO-APP-001" and payments:
        reverse_payment(payments[-1], reason="Returned ACH: insufficient funds (R01)")


def _as_json(value):
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return value


# Demo index sources and their past values: (code, name, refresh, [(months, days) before
# the business date, value]). Loaded through the index service, oldest first.
DEMO_INDEXES = [
    (
        "PRIME",
        "WSJ Prime Rate",
        "manual",
        [((5, 0), "8.500000"), ((0, 12), "8.250000")],
    ),
    (
        "SOFR30",
        "30-day average SOFR",
        "daily",
        [((3, 0), "4.352100"), ((2, 0), "4.318400"), ((1, 0), "4.297600"), ((0, 5), "4.281200")],
    ),
]


def seed_indexes(stdout) -> None:
    """Index sources with a few months of values; a source that has values is kept."""
    from loans.models import IndexSource
    from loans.services.indexes import load_index_history
    from servicing.business_date import get_business_date

    today = get_business_date()
    for code, name, refresh, history in DEMO_INDEXES:
        source, _ = IndexSource.objects.get_or_create(
            code=code, defaults={"name": name, "refresh_frequency": refresh}
        )
        if source.values.exists():
            stdout.write(f"  index {code} kept")
            continue
        values = [
            (today - relativedelta(months=months, days=days), Decimal(value))
            for (months, days), value in history
        ]
        load_index_history(source, values=values, note="Demo data")
        stdout.write(f"  index {code}: {len(values)} values loaded")
