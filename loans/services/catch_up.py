"""Inline catch-up: a loan behind the business date is brought up to date before use."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from loans.locks import lock_loan
from loans.models import Loan
from loans.services.replay import sync_loan
from servicing.business_date import get_business_date


def is_behind(loan: Loan, business_date: dt.date) -> bool:
    return loan.status == Loan.Status.OPEN and loan.last_closed_date < business_date - dt.timedelta(
        days=1
    )


def catch_up(loan: Loan, *, actor=None) -> Loan:
    """Accrue, bill and age ``loan`` through the business date if it is behind; return it fresh."""
    business_date = get_business_date()
    if not is_behind(loan, business_date):
        return loan
    with transaction.atomic():
        locked = lock_loan(loan.pk)
        if is_behind(locked, business_date):  # another request may have done it meanwhile
            sync_loan(locked, business_date=business_date, actor=actor)
    return Loan.objects.select_related("product", "investor", "borrower").get(pk=loan.pk)
