"""Loan tables, one module per aggregate: configuration, parties, loans, schedules, ledger."""

from loans.models.config import DayCount, Investor, PaymentFrequency, PaymentHierarchy, Product
from loans.models.ledger import Bucket, LedgerEntry, Note
from loans.models.loan import Borrower, Loan, LoanTier
from loans.models.scf import ScfInvoice
from loans.models.schedule import Installment, ScheduleVersion

__all__ = [
    "Borrower",
    "Bucket",
    "DayCount",
    "Installment",
    "Investor",
    "LedgerEntry",
    "Loan",
    "LoanTier",
    "Note",
    "PaymentFrequency",
    "PaymentHierarchy",
    "Product",
    "ScfInvoice",
    "ScheduleVersion",
]
