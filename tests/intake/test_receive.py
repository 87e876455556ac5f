"""The generic webhook intake: nothing trusted without a signature, no 2xx without a stored row."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from connector import platforms
from connector.models import ConnectedSystem
from intake import store as inbox
from intake.store import delivery_receive, delivery_row, write_deliveries
from syncjobs.inbox_queue import deliveries_queue_planning
from syncjobs.models import DeliveryStatus, Job, WebhookDelivery
from syncjobs.sweeper import sweep
from tests.support.signedhooks.webhooks import sign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def signed_platform(monkeypatch):
    monkeypatch.setitem(platforms.PLATFORMS, "signedhooks", "tests.support.signedhooks")
    platforms.get_platform.cache_clear()
    yield
    platforms.get_platform.cache_clear()


@pytest.fixture
def system(org):
    return ConnectedSystem.objects.create(organization=org, platform="signedhooks", role="store",
                                          display_name="Hooks", external_account_id="hooks-1")


def post(client, system, body: bytes, *, signature: str | None = None, delivery: str = "d-1"):
    return client.post(f"/webhooks/signedhooks/{system.public_id}/", data=body, content_type="application/json",
                       headers={"X-Test-Signature": sign(body) if signature is None else signature,
                                "X-Test-Delivery": delivery})


def test_a_signed_delivery_is_stored_before_the_200_and_nothing_else_is_written(client, system):
    response = post(client, system, b'{"id": 1}')
    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.body == '{"id": 1}' and delivery.organization == system.organization
    assert delivery.status == DeliveryStatus.RECEIVED and not Job.objects.exists()  # a worker queues it
    assert deliveries_queue_planning() == 1
    assert Job.objects.get(kind="webhook.plan").payload == {"delivery_id": delivery.pk}


def test_a_bad_signature_is_refused_and_nothing_is_stored(client, system):
    response = post(client, system, b'{"id": 1}', signature=sign(b'{"id": 2}'))
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists() and not Job.objects.exists()


def test_a_missing_signature_is_refused(client, system):
    response = post(client, system, b'{"id": 1}', signature="")
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_a_repeated_delivery_is_acknowledged_once(client, system):
    for _ in range(3):
        assert post(client, system, b'{"id": 1}', delivery="same").status_code == 200
    assert deliveries_queue_planning() == 1
    assert WebhookDelivery.objects.count() == 1 and Job.objects.count() == 1


def test_an_unknown_connection_is_a_404(client, system):
    body = b"{}"
    response = client.post("/webhooks/signedhooks/00000000-0000-0000-0000-000000000000/", data=body,
                           content_type="application/json", headers={"X-Test-Signature": sign(body)})
    assert response.status_code == 404


def _refuse_inserts(table: str) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                           "BEGIN SELECT RAISE(ABORT, 'database refuses writes'); END")
        else:
            cursor.execute("CREATE OR REPLACE FUNCTION refuse_writes() RETURNS trigger AS $$ "
                           "BEGIN RAISE EXCEPTION 'database refuses writes'; END $$ LANGUAGE plpgsql")
            cursor.execute(f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                           "FOR EACH ROW EXECUTE FUNCTION refuse_writes()")


def _allow_inserts(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER refuse_{table}" + ("" if connection.vendor == "sqlite" else f" ON {table}"))


def test_no_2xx_when_the_delivery_table_refuses_writes(client, system):
    _refuse_inserts("syncjobs_webhookdelivery")
    answers = [post(client, system, json.dumps({"n": n}).encode(), delivery=f"burst-{n}").status_code
               for n in range(20)]
    assert answers == [503] * 20
    assert WebhookDelivery.objects.count() == 0 and Job.objects.count() == 0


def test_intake_needs_no_job_table_and_a_refused_queueing_loses_no_delivery(client, system):
    _refuse_inserts("syncjobs_job")
    answers = [post(client, system, json.dumps({"n": n}).encode(), delivery=f"burst-{n}").status_code
               for n in range(20)]
    assert answers == [200] * 20 and WebhookDelivery.objects.count() == 20
    with pytest.raises(DatabaseError):
        deliveries_queue_planning()
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.RECEIVED).count() == 20  # rolled back whole
    _allow_inserts("syncjobs_job")
    assert sweep()["queued"] == 20
    for delivery in WebhookDelivery.objects.all():
        assert delivery.status == DeliveryStatus.QUEUED
        assert list(delivery.jobs.values_list("kind", "payload")) == [("webhook.plan", {"delivery_id": delivery.pk})]


def test_the_sweeper_queues_a_delivery_no_worker_queued_once(client, system):
    assert post(client, system, b'{"id": 1}', delivery="first").status_code == 200
    assert deliveries_queue_planning() == 1
    left = WebhookDelivery.objects.create(platform="signedhooks", delivery_id="doorbell-lost", system=system,
                                          organization=system.organization, body="{}")
    assert sweep()["queued"] == 1
    assert sweep()["queued"] == 0
    assert left.jobs.get().organization == system.organization
    assert Job.objects.filter(kind="webhook.plan").count() == 2


def test_the_stored_rows_are_those_the_orm_would_write(client, system):
    """Intake writes with plain SQL; reading back through the models must give the same row."""
    assert post(client, system, b'{"id": 7}', delivery="exact").status_code == 200
    delivery = WebhookDelivery.objects.get()
    deliveries_queue_planning()
    job = Job.objects.get()
    assert (delivery.platform, delivery.delivery_id, delivery.topic, delivery.status) == (
        "signedhooks", "exact", "test/topic", "received")
    assert delivery.headers == {"content-type": "application/json"}  # the signature header is not kept
    assert delivery.system == system and delivery.received_at is not None and delivery.processed_at is None
    assert (job.kind, job.status, job.attempts, job.dedupe_key, job.delivery, job.system) == (
        "webhook.plan", "pending", 0, "", delivery, system)
    assert job.organization == system.organization and job.run_after <= timezone.now()
    assert job.claim_token is None and job.started_at is None and job.created_at is not None


def _delivery(system, delivery_id: str) -> dict:
    return {"platform": "signedhooks", "delivery_id": delivery_id, "organization_id": system.organization_id,
            "system_id": system.pk, "topic": "test/topic", "headers": {"content-type": "application/json"},
            "body": f'{{"id": "{delivery_id}"}}', "received_at": timezone.now()}


def test_a_batch_stores_each_new_delivery_once_and_each_gets_one_planning_job(system):
    assert write_deliveries([_delivery(system, "old")]) == [True]
    batch = [_delivery(system, "a"), _delivery(system, "old"), _delivery(system, "b"), _delivery(system, "a")]
    assert write_deliveries(batch) == [True, False, True, False]  # "a" twice in one batch: one row
    assert sorted(WebhookDelivery.objects.values_list("delivery_id", flat=True)) == ["a", "b", "old"]
    assert deliveries_queue_planning() == 3 and deliveries_queue_planning() == 0
    for delivery in WebhookDelivery.objects.all():
        job = delivery.jobs.get()
        assert (job.kind, job.payload, job.organization_id, job.system_id, job.run_after) == (
            "webhook.plan", {"delivery_id": delivery.pk}, system.organization_id, system.pk, delivery.received_at)


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_are_group_committed_and_each_stored_once(org):
    """Real threads, each with its own database connection, through the shared group commit."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite's in-memory test database is one connection)")
    system = ConnectedSystem.objects.create(organization=org, platform="signedhooks", role="store",
                                            display_name="Hooks", external_account_id="hooks-1")
    ids = [f"c-{n % 30}" for n in range(40)]  # ten of them sent twice
    answers: list[bool] = []
    start = threading.Barrier(len(ids))
    rows_before = inbox._group.rows

    def receive(delivery_id: str) -> None:
        try:
            start.wait(5)
            answers.append(delivery_receive(delivery_row(platform="signedhooks", delivery_id=delivery_id, body=b"{}",
                                                         headers={}, topic="t", system=system)))
        finally:
            connection.close()

    threads = [threading.Thread(target=receive, args=(delivery_id,)) for delivery_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(answers) == 40 and answers.count(True) == 30  # the ten repeats are told so
    assert inbox._group.rows - rows_before == 40  # every row went through the group commit
    assert WebhookDelivery.objects.count() == 30
    assert deliveries_queue_planning() == 30
    assert Job.objects.filter(kind="webhook.plan").count() == 30
    assert not WebhookDelivery.objects.filter(jobs__isnull=True).exists()
