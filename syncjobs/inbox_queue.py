"""The workers' side of the inbox: give stored deliveries their planning jobs, replay deliveries.

A webhook request stores its delivery and nothing else (intake.store). Before claiming work, a
worker queues every delivery still without a planning job, up to QUEUE_BATCH of them in one
transaction; the sweeper does the same, so a delivery whose doorbell was lost is planned within a
minute. A delivery is queued exactly once: it moves from "received" to "queued" in the transaction
that creates its job, and on PostgreSQL two workers never pick the same rows (SKIP LOCKED).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from syncjobs.ledger import doorbell_ring_after_commit, queue_turn_ensure
from syncjobs.models import DeliveryStatus, Job, WebhookDelivery

PLAN_KIND = "webhook.plan"
QUEUE_BATCH = 500


def deliveries_waiting() -> bool:
    """Any delivery without its planning job? A read on a small partial index: no write lock."""
    return WebhookDelivery.objects.filter(status=DeliveryStatus.RECEIVED).exists()


def deliveries_queue_planning(*, limit: int = QUEUE_BATCH) -> int:
    """Give up to `limit` stored deliveries their planning jobs, oldest first; how many got one."""
    if not deliveries_waiting():
        return 0
    with transaction.atomic():
        rows = list(WebhookDelivery.objects.select_for_update(skip_locked=True)
                    .filter(status=DeliveryStatus.RECEIVED).order_by("id")
                    .values_list("id", "organization_id", "system_id", "received_at")[:limit])
        if not rows:
            return 0  # another worker is queueing them right now
        WebhookDelivery.objects.filter(pk__in=[row[0] for row in rows]).update(status=DeliveryStatus.QUEUED)
        for organization_id in {row[1] for row in rows if row[1] is not None}:
            queue_turn_ensure(organization_id)
        Job.objects.bulk_create([
            Job(kind=PLAN_KIND, organization_id=organization_id, system_id=system_id, delivery_id=pk,
                payload={"delivery_id": pk}, run_after=received_at, max_attempts=settings.JOB_MAX_ATTEMPTS)
            for pk, organization_id, system_id, received_at in rows])
        doorbell_ring_after_commit()  # other workers may help with a large batch
    return len(rows)


def deliveries_replay(*, deliveries: Any) -> int:
    """Plan these deliveries again (a person asked). Ones already waiting to be planned are left as
    they are, so a delivery never has two planning jobs at once."""
    replayed: int = (deliveries.exclude(status__in=[DeliveryStatus.RECEIVED, DeliveryStatus.QUEUED])
                .update(status=DeliveryStatus.RECEIVED, processed_at=None))
    if replayed:
        doorbell_ring_after_commit()
    return replayed
