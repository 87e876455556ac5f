"""The sweeper: recovers what crashed workers and lost doorbells left behind."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from connector.platforms.ratelimit import prune_rate_limits
from syncjobs.ledger import backoff_seconds, job_enqueue, wake_workers
from syncjobs.models import DeliveryStatus, Heartbeat, Job, JobAttempt, JobStatus, WebhookDelivery

logger = logging.getLogger("syncjobs")

ORPHAN_GRACE = timedelta(seconds=60)
ORPHAN_HORIZON = timedelta(days=7)  # older deliveries are history, not work
ORPHAN_BATCH = 1000


def sweep(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    counts = {"requeued": 0, "dead": 0, "superseded": 0, "woken": 0,
              "orphans": plan_orphaned_deliveries(now=now)}
    for job in Job.objects.filter(status=JobStatus.RUNNING, claimed_until__lt=now).iterator():
        counts[_recover_expired_claim(job, now)] += 1
    due = Job.objects.filter(status=JobStatus.PENDING, run_after__lte=now).count()
    if due:
        counts["woken"] = min(due, 4)
        wake_workers(counts["woken"])
    prune_rate_limits()
    Heartbeat.objects.update_or_create(name="sweeper", defaults={"beat_at": now})
    if any(counts[k] for k in ("requeued", "dead", "superseded", "orphans")):
        logger.info("sweeper: %s", counts)
    return counts


def plan_orphaned_deliveries(*, now: datetime) -> int:
    """Give a planning job to every recent delivery stored without one.

    On SQLite, intake commits the delivery and its job one after the other (syncjobs.inbox); a
    process dying in between leaves the delivery alone. The grace period keeps this from racing a
    request still between its two INSERTs; planning twice would be harmless anyway.
    """
    orphans = (WebhookDelivery.objects
               .filter(status=DeliveryStatus.RECEIVED, received_at__lt=now - ORPHAN_GRACE,
                       received_at__gte=now - ORPHAN_HORIZON)
               .filter(~Exists(Job.objects.filter(delivery=OuterRef("pk"))))
               .select_related("organization", "system").order_by("received_at"))
    count = 0
    for delivery in orphans[:ORPHAN_BATCH]:
        job_enqueue(organization=delivery.organization, system=delivery.system, kind="webhook.plan",
                    payload={"delivery_id": delivery.pk}, delivery=delivery,
                    dedupe_key=f"webhook.plan:{delivery.pk}")
        count += 1
    return count


def _recover_expired_claim(job: Job, now: datetime) -> str:
    """The worker holding this job died or overran its claim: count it as a failed attempt."""
    owned = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, claim_token=job.claim_token)
    JobAttempt.objects.get_or_create(
        job_id=job.pk, number=job.attempts,
        defaults={"started_at": job.started_at or now, "finished_at": now, "outcome": "lost",
                  "message": "The worker stopped before finishing (killed or timed out)."},
    )
    if job.attempts >= job.max_attempts:
        owned.update(status=JobStatus.DEAD, finished_at=now, claim_token=None, claimed_until=None,
                     last_error=f"Gave up after {job.attempts} attempts: the worker stopped during the "
                                f"last one (killed, out of memory or timed out). {job.last_error}".strip())
        return "dead"
    try:
        with transaction.atomic():
            owned.update(status=JobStatus.PENDING, claim_token=None, claimed_until=None,
                         run_after=now + timedelta(seconds=backoff_seconds(job.attempts)),
                         last_error="The worker stopped before finishing; retrying.")
    except IntegrityError:
        owned.update(status=JobStatus.CANCELLED, finished_at=now, claim_token=None, claimed_until=None,
                     last_error="Superseded by a newer identical job after its worker stopped.")
        return "superseded"
    return "requeued"
