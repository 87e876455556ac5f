"""The inbox (webhook deliveries), the job ledger, and the logs bookkeepers read."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from accounts.models import Organization

# The connection a row is about, named lazily: the ledger shows and cancels a connection's work
# without importing the application that defines connections.
SYSTEM = "connector.ConnectedSystem"


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", "Received"  # stored by the request; a worker gives it its planning job
    QUEUED = "queued", "Waiting to be planned"
    PLANNED = "planned", "Turned into jobs"
    IGNORED = "ignored", "Ignored"
    UNPARSEABLE = "unparseable", "Signed but unreadable: needs a look"


class WebhookDelivery(models.Model):
    """One verified webhook delivery, stored before we answer 2xx."""

    platform = models.CharField(max_length=40)
    delivery_id = models.CharField(max_length=255)
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="webhook_deliveries")
    system = models.ForeignKey(SYSTEM, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="webhook_deliveries")
    topic = models.CharField(max_length=120, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField()
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.RECEIVED)
    note = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["platform", "delivery_id"], name="delivery_unique_per_platform"),
        ]
        indexes = [
            # The deliveries no worker has queued yet: small, so finding them costs nothing.
            models.Index(fields=["id"], condition=Q(status="received"), name="delivery_unqueued_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.topic or 'delivery'} {self.delivery_id[:12]}"


class JobStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Done"
    FAILED = "failed", "Failed: needs attention"
    DEAD = "dead", "Gave up after repeated failures"
    CANCELLED = "cancelled", "Cancelled"


class Job(models.Model):
    """A unit of work. The table is the truth; django-q2 only wakes the workers."""

    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs",
                                     help_text="Empty for platform-wide work such as planning a QuickBooks delivery.")
    system = models.ForeignKey(SYSTEM, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=80)
    payload = models.JSONField(default=dict, blank=True, help_text="Ids only, never secrets.")
    dedupe_key = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=5)
    run_after = models.DateTimeField(db_index=True)
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    result = models.TextField(blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    delivery = models.ForeignKey(WebhookDelivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs")

    class Meta:
        constraints = [
            # Twenty webhooks for one item collapse into one pending job.
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=Q(status="pending") & ~Q(dedupe_key=""),
                name="job_one_pending_per_dedupe_key",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "run_after"], name="job_due_idx"),
            models.Index(fields=["organization", "status", "run_after"], name="job_org_due_idx"),
            models.Index(fields=["status", "claimed_until"], name="job_claim_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class QueueTurn(models.Model):
    """When each organisation was last served, so one busy tenant cannot starve another."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="queue_turn")
    served_at = models.DateTimeField(db_index=True)


class JobAttempt(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, blank=True)  # succeeded / retry / failed / dead / lost
    message = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="job_attempt_unique")]


class LogLevel(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"


class SyncLog(models.Model):
    """A line a bookkeeper reads: which product or order, what happened, what to do."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sync_logs")
    system = models.ForeignKey(SYSTEM, null=True, blank=True, on_delete=models.SET_NULL, related_name="logs")
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="logs")
    run = models.ForeignKey("SyncRun", null=True, blank=True, on_delete=models.CASCADE, related_name="logs")
    level = models.CharField(max_length=10, choices=LogLevel.choices, default=LogLevel.INFO)
    subject = models.CharField(max_length=255, blank=True, help_text="SKU, order number, item id.")
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message[:80]


class SyncRun(models.Model):
    """One pass of long work (pull and match, stock push, import) with its progress and counts."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sync_runs")
    system = models.ForeignKey(SYSTEM, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    kind = models.CharField(max_length=60)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.started_at:%Y-%m-%d %H:%M}"


class StockPushEvent(models.Model):
    """One quantity written to a store, with the time since QuickBooks told us (for the dashboard)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="stock_pushes")
    system = models.ForeignKey(SYSTEM, on_delete=models.CASCADE, related_name="stock_pushes")
    ok = models.BooleanField(default=True)
    quantity = models.IntegerField()
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)


class Heartbeat(models.Model):
    """Last time a periodic duty ran (the sweeper), read by /healthz."""

    name = models.CharField(max_length=60, unique=True)
    beat_at = models.DateTimeField()


class Lease(models.Model):
    """A named lock held for a bounded time, without keeping a database transaction open.

    Used where the holder must call out over HTTP (a token refresh): a row lock would hold the
    database (SQLite: the whole file) for the length of that call.
    """

    name = models.CharField(max_length=200, unique=True)
    holder = models.CharField(max_length=64)
    expires_at = models.DateTimeField(db_index=True)
