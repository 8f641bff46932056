"""Documents of a loan (escrow statements, letters): generated PDFs kept with the loan.

The bytes are stored in the row, not under MEDIA_ROOT: a document is written in the same
transaction as what it documents, so a rolled-back action leaves no orphan file behind,
and every web and worker process reads it without a shared volume.

A document made in bulk (a batch's escrow statements) may be stored *to render*: its
``renderer`` names a function registered in ``loans.registry.DOCUMENT_RENDERERS`` and
``render_data`` the frozen facts it renders from (the stored analysis, the last ledger
row it shows); the bytes are rendered on the first download and kept
(``loans.services.documents.document_content``), so they never depend on when that is.
"""

from __future__ import annotations

from django.db import models

from loans.models.loan import Loan


class LoanDocument(models.Model):
    class Kind(models.TextChoices):
        ESCROW_STATEMENT = "escrow_statement", "Escrow statement"
        LETTER = "letter", "Letter"
        OTHER = "other", "Other"

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    title = models.CharField(max_length=200)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100, default="application/pdf")
    content = models.BinaryField(blank=True, default=b"")
    size = models.PositiveIntegerField(default=0)  # 0 until a document to render is rendered
    renderer = models.CharField(max_length=50, blank=True, help_text="Rendered on demand by.")
    render_data = models.JSONField(null=True, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["loan", "-created_at"], name="loan_document_recent_idx")]

    def __str__(self) -> str:
        return f"{self.loan} {self.title}"

    @property
    def is_rendered(self) -> bool:
        return bool(self.size) or not self.renderer
