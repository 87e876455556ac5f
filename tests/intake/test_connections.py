"""The connection a webhook address names is remembered briefly, and forgotten when it changes."""

from __future__ import annotations

import pytest

from connector import platforms
from connector.models import ConnectedSystem
from intake.connections import webhook_system
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


def test_a_burst_to_one_address_looks_the_connection_up_once(client, system, django_assert_num_queries):
    with django_assert_num_queries(1):
        first = webhook_system("signedhooks", system.public_id)
        again = webhook_system("signedhooks", system.public_id)
    assert first == again == system


def test_a_change_saved_in_this_process_is_seen_at_once(system):
    webhook_system("signedhooks", system.public_id)
    system.display_name = "Renamed"
    system.save()
    assert webhook_system("signedhooks", system.public_id).display_name == "Renamed"
    system.delete()
    assert webhook_system("signedhooks", system.public_id) is None


def test_unknown_addresses_and_other_platforms_are_never_remembered(system, django_assert_num_queries):
    import uuid

    unknown = uuid.uuid4()
    with django_assert_num_queries(3):
        assert webhook_system("signedhooks", unknown) is None
        assert webhook_system("signedhooks", unknown) is None
        assert webhook_system("shopify", system.public_id) is None


def test_with_no_cache_time_every_request_reads_the_database(settings, system, django_assert_num_queries):
    settings.WEBHOOK_CONNECTION_CACHE_SECONDS = 0
    with django_assert_num_queries(2):
        webhook_system("signedhooks", system.public_id)
        webhook_system("signedhooks", system.public_id)


def test_a_deleted_connection_answers_404_once_forgotten(client, system):
    body = b"{}"
    url = f"/webhooks/signedhooks/{system.public_id}/"
    headers = {"X-Test-Signature": sign(body), "X-Test-Delivery": "one"}
    assert client.post(url, data=body, content_type="application/json", headers=headers).status_code == 200
    system.delete()
    assert client.post(url, data=body, content_type="application/json", headers=headers).status_code == 404
