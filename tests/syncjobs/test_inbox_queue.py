"""Workers give stored deliveries their planning jobs: once each, oldest first, in batches."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from connector.models import ConnectedSystem
from syncjobs import inbox_queue
from syncjobs.inbox_queue import deliveries_queue_planning, deliveries_replay
from syncjobs.models import DeliveryStatus, Job, JobStatus, QueueTurn, WebhookDelivery
from syncjobs.runner import run_due_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def system(org):
    return ConnectedSystem.objects.create(organization=org, platform="shopify", role="store",
                                          display_name="Shop", external_account_id="shop-1")


def stored(system, delivery_id: str, *, status: str = DeliveryStatus.RECEIVED) -> WebhookDelivery:
    return WebhookDelivery.objects.create(platform="shopify", delivery_id=delivery_id, system=system,
                                          organization=system.organization if system else None, body="{}",
                                          topic="orders/create", status=status)


def test_each_stored_delivery_gets_one_planning_job_that_names_it(system, settings):
    settings.JOB_MAX_ATTEMPTS = 7
    delivery = stored(system, "d-1")
    assert deliveries_queue_planning() == 1
    job = Job.objects.get()
    assert (job.kind, job.payload, job.delivery, job.organization, job.system, job.status) == (
        "webhook.plan", {"delivery_id": delivery.pk}, delivery, system.organization, system, JobStatus.PENDING)
    assert (job.run_after, job.max_attempts) == (delivery.received_at, 7)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.QUEUED
    assert QueueTurn.objects.filter(organization=system.organization).exists()  # its organisation takes turns
    assert deliveries_queue_planning() == 0 and Job.objects.count() == 1


def test_a_platform_wide_delivery_gets_a_job_without_an_organisation():
    delivery = WebhookDelivery.objects.create(platform="quickbooks", delivery_id="q-1", body="{}")
    assert deliveries_queue_planning() == 1
    assert Job.objects.get(delivery=delivery).organization is None


def test_deliveries_are_queued_oldest_first_in_batches(system):
    ids = [stored(system, f"d-{n}").pk for n in range(7)]
    assert deliveries_queue_planning(limit=3) == 3
    assert sorted(Job.objects.values_list("delivery_id", flat=True)) == ids[:3]
    assert deliveries_queue_planning(limit=3) == 3 and deliveries_queue_planning(limit=3) == 1
    assert deliveries_queue_planning(limit=3) == 0
    assert sorted(Job.objects.values_list("delivery_id", flat=True)) == ids


def test_deliveries_already_queued_or_planned_are_left_alone(system):
    for status in (DeliveryStatus.QUEUED, DeliveryStatus.PLANNED, DeliveryStatus.IGNORED, DeliveryStatus.UNPARSEABLE):
        stored(system, f"d-{status}", status=status)
    assert deliveries_queue_planning() == 0 and not Job.objects.exists()


def test_a_draining_worker_plans_a_delivery_stored_while_it_runs_before_other_work(system, settings, monkeypatch):
    """The runner looks for new deliveries between jobs, and planning jobs are served first."""
    monkeypatch.setattr("syncjobs.runner.INBOX_LOOK_SECONDS", 0.0)
    from syncjobs.ledger import job_enqueue

    settings.JOB_EXTRA_HANDLERS = {"test.store_a_delivery": "tests.syncjobs.test_inbox_queue:store_a_delivery",
                                   "test.noop": "tests.syncjobs.test_inbox_queue:noop"}
    first = job_enqueue(organization=system.organization, system=system, kind="test.store_a_delivery")
    later = job_enqueue(organization=system.organization, system=system, kind="test.noop",
                        run_after=first.run_after + timedelta(microseconds=1))
    assert run_due_jobs(max_seconds=30) == 3
    delivery = WebhookDelivery.objects.get(delivery_id="stored-mid-drain")
    assert delivery.status == DeliveryStatus.IGNORED  # planned: it names no company we know
    plan = Job.objects.get(delivery=delivery)
    later.refresh_from_db()
    assert plan.status == later.status == JobStatus.SUCCEEDED
    assert plan.started_at < later.started_at


def store_a_delivery(job: Job) -> str:
    WebhookDelivery.objects.create(platform="quickbooks", delivery_id="stored-mid-drain",
                                   body='{"eventNotifications": []}')
    return "stored"


def noop(job: Job) -> str:
    return "done"


def test_replaying_a_planned_delivery_plans_it_again_and_leaves_waiting_ones_alone(system):
    planned = stored(system, "done", status=DeliveryStatus.PLANNED)
    WebhookDelivery.objects.filter(pk=planned.pk).update(processed_at=timezone.now() - timedelta(hours=1))
    waiting = stored(system, "waiting", status=DeliveryStatus.QUEUED)
    assert deliveries_replay(deliveries=WebhookDelivery.objects.all()) == 1
    planned.refresh_from_db()
    waiting.refresh_from_db()
    assert (planned.status, planned.processed_at) == (DeliveryStatus.RECEIVED, None)
    assert waiting.status == DeliveryStatus.QUEUED
    assert deliveries_queue_planning() == 1 and Job.objects.get().delivery == planned


@pytest.mark.django_db(transaction=True)
def test_two_workers_queueing_at_once_give_each_delivery_one_job(org):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent queueing needs PostgreSQL (SQLite serialises writers anyway)")
    system = ConnectedSystem.objects.create(organization=org, platform="shopify", role="store",
                                            display_name="Shop", external_account_id="shop-1")
    for n in range(400):
        stored(system, f"d-{n}")
    counts: list[int] = []
    start = threading.Barrier(4)

    def queue() -> None:
        try:
            start.wait(5)
            total = 0
            while True:
                got = inbox_queue.deliveries_queue_planning(limit=25)
                if not got and not inbox_queue.deliveries_waiting():
                    break
                total += got
            counts.append(total)
        finally:
            connection.close()

    threads = [threading.Thread(target=queue) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(counts) == 400 and len(counts) == 4
    assert Job.objects.count() == 400
    assert Job.objects.values("delivery_id").distinct().count() == 400
