"""Supply chain finance: the invoice an SCF loan finances (spec/api.md ``scf`` block)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from loans.models.loan import MONEY, Borrower, Loan


class ScfInvoice(models.Model):
    """One financed invoice; the loan is repaid on the invoice's due date."""

    loan = models.OneToOneField(Loan, on_delete=models.CASCADE, related_name="scf_invoice")
    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="scf_invoices")
    invoice_number = models.CharField(max_length=64)
    invoice_date = models.DateField()
    invoice_due_date = models.DateField()
    invoice_amount = models.DecimalField(**MONEY)
    buyer_name = models.CharField(max_length=200)
    borrower_limit = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="The borrower's SCF limit when boarded."
    )

    class Meta:
        constraints = [
            # The same invoice of a borrower is financed once.
            models.UniqueConstraint(
                fields=["borrower", "invoice_number"], name="scf_invoice_once_per_borrower"
            ),
            models.CheckConstraint(condition=Q(invoice_amount__gt=0), name="scf_invoice_positive"),
            models.CheckConstraint(
                condition=Q(invoice_due_date__gt=F("invoice_date")),
                name="scf_invoice_due_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.invoice_number} ({self.buyer_name})"
