"""Batch escrow analysis records (spec/escrow.md "Batch and individual analysis"): each
loan's outcome in a batch job, and the batch reports (CSV and PDF) kept for download,
including those "Fetch Report" regenerated ("Downloaded BI Reports")."""

from __future__ import annotations

from django.db import models


class EscrowBatchItem(models.Model):
    """One loan of a batch job: analyzed, or already updated for its computation year
    (the stored analysis that did it). Failures are the job's item errors."""

    class Outcome(models.TextChoices):
        ANALYZED = "analyzed", "Analyzed"
        ALREADY_ANALYZED = "already_analyzed", "Already updated for the year"

    job_run = models.ForeignKey(
        "servicing.JobRun", on_delete=models.CASCADE, related_name="escrow_items"
    )
    loan = models.ForeignKey("loans.Loan", on_delete=models.PROTECT, related_name="+")
    analysis = models.ForeignKey(
        "escrow.EscrowAnalysis", on_delete=models.PROTECT, related_name="batch_items"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # A resumed chunk never analyzes a loan of the job twice.
            models.UniqueConstraint(fields=["job_run", "loan"], name="one_escrow_item_per_job_loan")
        ]

    def __str__(self) -> str:
        return f"{self.job_run_id} {self.loan_id} {self.outcome}"


class EscrowReport(models.Model):
    """A batch report file. ``fetched``: regenerated later by "Fetch Report" (the
    "Downloaded BI Reports" list) rather than written when the batch ended."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        PDF = "pdf", "PDF"

    job_run = models.ForeignKey(
        "servicing.JobRun", on_delete=models.CASCADE, related_name="escrow_reports"
    )
    fmt = models.CharField(max_length=3, choices=Format.choices)
    fetched = models.BooleanField(default=False)
    filename = models.CharField(max_length=200)
    content = models.BinaryField()
    rows = models.PositiveIntegerField(default=0)
    actor_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["job_run", "-created_at"], name="escrow_report_job_idx")]

    def __str__(self) -> str:
        return self.filename

    @property
    def content_type(self) -> str:
        return "application/pdf" if self.fmt == self.Format.PDF else "text/csv"
