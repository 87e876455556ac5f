"""The generic webhook intake: nothing trusted without a signature, no 2xx without a stored row."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from connector import platforms
from connector.models import ConnectedSystem
from syncjobs.models import Job, WebhookDelivery
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


def test_a_signed_delivery_is_stored_with_its_planning_job_before_the_200(client, system):
    response = post(client, system, b'{"id": 1}')
    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.body == '{"id": 1}' and delivery.organization == system.organization
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


@pytest.mark.parametrize("table", ["syncjobs_webhookdelivery", "syncjobs_job"])
def test_no_2xx_without_a_stored_delivery_when_the_database_refuses_writes(client, system, table):
    _refuse_inserts(table)
    answers = [post(client, system, json.dumps({"n": n}).encode(), delivery=f"burst-{n}").status_code
               for n in range(20)]
    assert answers == [503] * 20
    assert WebhookDelivery.objects.count() == 0  # and no delivery row without its planning job
