"""Kernel tables: business date, holidays, tenant settings, activity, job runs, API clients."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class BusinessDate(models.Model):
    """The system's business date: one row (id=1). Read through servicing.business_date."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    date = models.DateField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="business_date_singleton")]

    def __str__(self) -> str:
        return self.date.isoformat()


class Holiday(models.Model):
    """A non-business day added by ops on top of the Federal Reserve calendar."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class TenantSettings(models.Model):
    """Servicing-wide settings an admin edits in one place (one row, id=1)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    payment_cutoff_time = models.TimeField(
        default=dt.time(17, 0),
        help_text="Payments received after this local time count from the next business day.",
    )
    payment_processing_days = models.PositiveSmallIntegerField(
        default=2,
        validators=[MaxValueValidator(30)],
        help_text="Business days an ACH payment takes to settle (returned items window).",
    )
    backdated_index_window_days = models.PositiveSmallIntegerField(
        default=30,
        validators=[MaxValueValidator(366)],
        help_text="How far back an index value may be effective; older updates are refused.",
    )
    outbound_file_folder = models.CharField(
        max_length=255,
        default="var/outbound",
        help_text="Folder where outbound files (Metro 2, statements) are written.",
    )
    report_email = models.EmailField(
        default="servicing-reports@example.com",
        help_text="Where batch reports (COB, escrow analysis, credit reporting) are sent.",
    )
    default_cushion_months = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(0), MaxValueValidator(2)],
        # 12 CFR 1024.17(c)(1): the cushion may not exceed one-sixth (2 months) of the
        # estimated annual disbursements.
        help_text="Escrow cushion in months (RESPA allows at most 2).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "tenant settings"
        verbose_name_plural = "tenant settings"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="tenant_settings_singleton")]

    def __str__(self) -> str:
        return "Tenant settings"


class ActivityEntry(models.Model):
    """Who did what, when, to which object; with before/after details. Append-only."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    business_date = models.DateField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, help_text="User name, API client or 'system'.")
    action = models.CharField(max_length=80, db_index=True)
    summary = models.CharField(max_length=500)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "activity entries"
        indexes = [models.Index(fields=["content_type", "object_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label}: {self.summary}"


class JobRun(models.Model):
    """One batch run (COB date, escrow analysis, credit file...) and its progress."""

    class Kind(models.TextChoices):
        COB = "cob", "Close of business"
        ESCROW_ANALYSIS = "escrow_analysis", "Escrow analysis"
        CREDIT_REPORTING = "credit_reporting", "Credit reporting"
        INDEX_UPDATE = "index_update", "Index update"
        MAINTENANCE = "maintenance", "Maintenance"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        COMPLETED_WITH_ERRORS = "completed_with_errors", "Completed with errors"
        FAILED = "failed", "Failed"

    FINISHED_STATES = (State.SUCCEEDED, State.COMPLETED_WITH_ERRORS, State.FAILED)

    kind = models.CharField(max_length=40, choices=Kind.choices)
    business_date = models.DateField()
    state = models.CharField(max_length=30, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    params = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A running job's last sign of life (start, each chunk's progress). A running job
    # silent for longer than COB_STALE_AFTER_SECONDS is taken to be dead and may be resumed.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["kind", "business_date"]),
            models.Index(fields=["-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")) | Q(total=0), name="job_done_within_total"
            ),
            # One close of business per business date: a re-run resumes the same row.
            models.UniqueConstraint(
                fields=["business_date"], condition=Q(kind="cob"), name="one_cob_job_per_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.business_date.isoformat()} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.state in self.FINISHED_STATES

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.is_finished else 0
        return min(100, (self.done + self.failed) * 100 // self.total)


class JobItemError(models.Model):
    """A per-item failure inside a job run: the item is skipped, the batch goes on."""

    job_run = models.ForeignKey(JobRun, on_delete=models.CASCADE, related_name="errors")
    item_ref = models.CharField(max_length=100, help_text="The loan number or object id.")
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.item_ref}: {self.message[:60]}"


class ApiClient(models.Model):
    """An LOS or portal calling the API with a scoped token (only its hash is stored)."""

    class Scope(models.TextChoices):
        ONBOARDING = "onboarding", "Onboarding"
        DRAWS = "draws", "Draws"
        PAYMENTS = "payments", "Payments"
        READ = "read", "Read"
        OPS = "ops", "Ops"

    name = models.CharField(max_length=100, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client"
    )
    scopes = models.JSONField(default=list)
    key_prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class IdempotencyKey(models.Model):
    """A POST's Idempotency-Key with its stored response (spec/api.md: kept >= 24 h)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "key"], name="idempotency_key_unique_per_owner"
            )
        ]

    def __str__(self) -> str:
        return self.key
