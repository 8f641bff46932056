"""Loan tables, one module per aggregate: configuration, parties, loans, schedules, ledger."""

from loans.models.accrual import AccrualStatusChange
from loans.models.config import DayCount, Investor, PaymentFrequency, PaymentHierarchy, Product
from loans.models.documents import LoanDocument
from loans.models.indexes import IndexSource, IndexValue
from loans.models.ledger import Bucket, LedgerEntry, Note
from loans.models.loan import Borrower, Loan, LoanTier
from loans.models.loc import CreditLine, Disbursement, Draw, DrawEvent
from loans.models.rates import RateChange
from loans.models.scf import ScfInvoice
from loans.models.schedule import Installment, ScheduleVersion

__all__ = [
    "AccrualStatusChange",
    "Borrower",
    "Bucket",
    "CreditLine",
    "DayCount",
    "Disbursement",
    "Draw",
    "DrawEvent",
    "IndexSource",
    "IndexValue",
    "Installment",
    "Investor",
    "LedgerEntry",
    "Loan",
    "LoanDocument",
    "LoanTier",
    "Note",
    "PaymentFrequency",
    "PaymentHierarchy",
    "Product",
    "RateChange",
    "ScfInvoice",
    "ScheduleVersion",
]
