"""The sweeper: recovers what crashed workers and lost doorbells left behind."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from syncjobs.inbox_queue import deliveries_queue_planning
from syncjobs.ledger import backoff_seconds, wake_workers
from syncjobs.models import Heartbeat, Job, JobAttempt, JobStatus

logger = logging.getLogger("syncjobs")


def sweep(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    # Deliveries no worker has queued (their doorbell was lost, or no worker runs yet).
    counts = {"requeued": 0, "dead": 0, "superseded": 0, "woken": 0, "queued": deliveries_queue_planning()}
    for job in Job.objects.filter(status=JobStatus.RUNNING, claimed_until__lt=now).iterator():
        counts[_recover_expired_claim(job, now)] += 1
    due = Job.objects.filter(status=JobStatus.PENDING, run_after__lte=now).count()
    if due:
        counts["woken"] = min(due, 4)
        wake_workers(counts["woken"])
    Heartbeat.objects.update_or_create(name="sweeper", defaults={"beat_at": now})
    if any(counts[k] for k in ("requeued", "dead", "superseded", "queued")):
        logger.info("sweeper: %s", counts)
    return counts


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
