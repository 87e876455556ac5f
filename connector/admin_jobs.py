"""Back-office screens of the inbox, the job ledger and the logs (models of the syncjobs app)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.html import format_html

from connector.admin_scoping import OrgScopedAdmin, ScopedInline
from syncjobs.inbox_queue import deliveries_replay
from syncjobs.ledger import job_retry_now
from syncjobs.models import Job, JobAttempt, JobStatus, SyncLog, SyncRun, WebhookDelivery


class ReadOnlyScopedAdmin(OrgScopedAdmin):
    """History is read, never edited; actions still run for owners and bookkeepers."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> Any:
        # Django hides actions without a permission to check; ours check _may_change per row.
        return super().get_actions(request) if self._may_change(request) else {}


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyScopedAdmin):
    list_display = ("platform", "topic", "system", "status", "received_at", "processed_at")
    list_filter = ("platform", "status", "system")
    search_fields = ("delivery_id", "topic")
    readonly_fields = ("platform", "delivery_id", "organization", "system", "topic", "headers", "body", "status", "note",
                       "received_at", "processed_at")
    actions = ("replay",)

    @admin.action(description="Replay (plan the delivery again)")
    def replay(self, request: HttpRequest, queryset: Any) -> None:
        rows = self.changeable(request, queryset)
        replayed = deliveries_replay(deliveries=WebhookDelivery.objects.filter(pk__in=[row.pk for row in rows]))
        waiting = len(rows) - replayed
        self.message_user(request, f"{replayed} deliver{'y' if replayed == 1 else 'ies'} will be planned again."
                          + (f" {waiting} already waiting to be planned." if waiting else ""), messages.SUCCESS)


class JobAttemptInline(ScopedInline):
    model = JobAttempt
    fields = ("number", "started_at", "finished_at", "outcome", "message")
    readonly_fields = fields


@admin.register(Job)
class JobAdmin(ReadOnlyScopedAdmin):
    list_display = ("kind", "system", "status_badge", "attempts", "run_after", "finished_at", "progress", "short_error")
    list_filter = ("status", "kind", "system", "organization")
    search_fields = ("kind", "dedupe_key", "last_error")
    list_select_related = ("system",)
    readonly_fields = ("organization", "system", "kind", "payload", "dedupe_key", "status", "attempts", "max_attempts",
                       "run_after", "last_error", "result", "progress_done", "progress_total", "created_at",
                       "started_at", "finished_at", "delivery")
    exclude = ("claim_token", "claimed_until")
    inlines = (JobAttemptInline,)
    actions = ("retry",)

    @admin.display(description="Status")
    def status_badge(self, obj: Job) -> str:
        colour = {JobStatus.FAILED: "#b3261e", JobStatus.DEAD: "#b3261e", JobStatus.SUCCEEDED: "#137a3e"}
        return format_html('<strong style="color:{}">{}</strong>', colour.get(obj.status, "#1b2230"),
                           obj.get_status_display())

    @admin.display(description="Progress")
    def progress(self, obj: Job) -> str:
        return f"{obj.progress_done} of {obj.progress_total}" if obj.progress_total else ""

    @admin.display(description="Last error")
    def short_error(self, obj: Job) -> str:
        return obj.last_error[:140]

    @admin.action(description="Retry now (failed or dead-lettered jobs)")
    def retry(self, request: HttpRequest, queryset: Any) -> None:
        rows = [j for j in self.changeable(request, queryset)
                if j.status in (JobStatus.FAILED, JobStatus.DEAD, JobStatus.CANCELLED)]
        for job in rows:
            job_retry_now(job=job)
        self.message_user(request, f"{len(rows)} job(s) queued again with fresh attempts.", messages.SUCCESS)


@admin.register(SyncLog)
class SyncLogAdmin(ReadOnlyScopedAdmin):
    list_display = ("created_at", "level", "system", "subject", "message")
    list_filter = ("level", "system", "organization")
    search_fields = ("subject", "message")
    list_select_related = ("system",)
    readonly_fields = ("organization", "system", "job", "run", "level", "subject", "message", "created_at")


class SyncLogInline(ScopedInline):
    model = SyncLog
    fields = ("created_at", "level", "subject", "message")
    readonly_fields = fields
    max_num = 0


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyScopedAdmin):
    list_display = ("kind", "system", "started_at", "finished_at", "progress", "outcome", "count_summary")
    list_filter = ("kind", "outcome", "system", "organization")
    readonly_fields = ("organization", "system", "kind", "public_id", "started_at", "finished_at", "done", "total",
                       "counts", "outcome")
    inlines = (SyncLogInline,)

    @admin.display(description="Progress")
    def progress(self, obj: SyncRun) -> str:
        return f"{obj.done} of {obj.total}" if obj.total else str(obj.done)

    @admin.display(description="Counts")
    def count_summary(self, obj: SyncRun) -> str:
        return ", ".join(f"{k}: {v}" for k, v in sorted((obj.counts or {}).items()))
