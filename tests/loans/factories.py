"""Loan-side factories: configuration rows, and a bare loan row for ledger unit tests.

Service tests board loans through ``onboard_loan`` instead, as STYLE.md asks.
"""

import datetime as dt
from decimal import Decimal

import factory

from loans.models import Borrower, Investor, Loan, Product


class InvestorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Investor
        django_get_or_create = ("code",)

    code = "LENDER"
    name = "Lender"
    is_default = True


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("code",)

    code = "TERM"
    name = "Term loan"
    kind = Product.Kind.TERM


class BorrowerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Borrower

    borrower_id = factory.Sequence(lambda n: f"B-{n:05d}")
    first_name = "Jane"
    last_name = factory.Sequence(lambda n: f"Doe{n}")


class BareLoanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Loan

    loan_number = factory.Sequence(lambda n: f"T{n:07d}")
    application_number = factory.Sequence(lambda n: f"APP-{n}")
    product = factory.SubFactory(ProductFactory)
    investor = factory.SubFactory(InvestorFactory)
    borrower = factory.SubFactory(BorrowerFactory)
    funded_amount = Decimal("1200.00")
    loan_amount = factory.SelfAttribute("funded_amount")
    funded_date = dt.date(2026, 1, 1)
    first_payment_date = dt.date(2026, 2, 1)
    number_of_payments = 3
    maturity_date = dt.date(2026, 4, 1)
    schedule_type = Loan.ScheduleType.EQUATED
    interest_rate = Decimal("12.000000")
    day_count = "30/360"
    payment_frequency = "monthly"
    payment_hierarchy = "system"
    last_closed_date = dt.date(2025, 12, 31)
