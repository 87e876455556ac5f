"""Access tokens: proactive refresh, 401 -> one refresh, rotation, invalid_grant, revoke, and many
workers hitting one expired token at once (exactly one refresh at the emulator)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections

from connector.models import ConnectedSystem, SystemStatus
from connector.platforms.base import ReconnectRequired
from connector.platforms.quickbooks import oauth
from connector.platforms.quickbooks.client import QuickBooksClient
from emulators.quickbooks.oauth import refresh_count
from emulators.quickbooks.state import oauth_store
from tests.platforms.quickbooks.conftest import REALM

pytestmark = pytest.mark.django_db(transaction=True)


def expire_at_intuit(system) -> None:  # type: ignore[no-untyped-def]
    """QuickBooks has expired the token though our clock still trusts it: the next call gets 401."""
    record = oauth_store().get("tokens", system.credentials["access_token"])
    record["expires_at"] = time.time() - 1
    oauth_store().put("tokens", record["token"], record)


def expire_locally(system) -> ConnectedSystem:  # type: ignore[no-untyped-def]
    ConnectedSystem.objects.filter(pk=system.pk).update(
        credentials={**system.credentials, "expires_at": int(time.time()) - 5})
    return ConnectedSystem.objects.get(pk=system.pk)


def test_a_401_refreshes_once_and_retries(system) -> None:
    stale = system.credentials["access_token"]
    expire_at_intuit(system)
    client = QuickBooksClient(ConnectedSystem.objects.get(pk=system.pk))
    assert client.preferences().tracks_quantity is True
    assert client.access_token != stale
    assert refresh_count(REALM) == 1
    assert ConnectedSystem.objects.get(pk=system.pk).credentials["access_token"] == client.access_token


def test_an_expired_token_is_refreshed_before_the_call(system) -> None:
    client = QuickBooksClient(expire_locally(system))
    stale = client.access_token
    client.company_info()
    assert client.access_token != stale and refresh_count(REALM) == 1


def test_the_refresh_token_rotates_and_the_newest_is_committed(system) -> None:
    old_refresh = system.credentials["refresh_token"]
    client = QuickBooksClient(expire_locally(system))
    client.company_info()
    saved = ConnectedSystem.objects.get(pk=system.pk).credentials
    assert saved["refresh_token"] != old_refresh
    assert saved["expires_at"] > time.time() + 3000


def test_the_previous_refresh_token_works_within_the_grace_period_and_returns_the_newest(system) -> None:
    old_refresh = system.credentials["refresh_token"]
    QuickBooksClient(expire_locally(system)).company_info()
    newest = ConnectedSystem.objects.get(pk=system.pk).credentials["refresh_token"]
    again = oauth.refresh(system, {"refresh_token": old_refresh})
    assert again["refresh_token"] == newest


def test_a_spent_refresh_token_is_refused_with_invalid_grant(system) -> None:
    first = system.credentials["refresh_token"]
    second = oauth.refresh(system, {"refresh_token": first})["refresh_token"]
    oauth.refresh(system, {"refresh_token": second})
    with pytest.raises(ReconnectRequired, match="invalid_grant"):
        oauth.refresh(system, {"refresh_token": first})


def test_a_refused_refresh_marks_the_connection_needs_reconnect(system) -> None:
    ConnectedSystem.objects.filter(pk=system.pk).update(
        credentials={**system.credentials, "refresh_token": "revoked", "expires_at": 1})
    client = QuickBooksClient(ConnectedSystem.objects.get(pk=system.pk))
    with pytest.raises(ReconnectRequired, match="Connect QuickBooks again"):
        client.company_info()
    saved = ConnectedSystem.objects.get(pk=system.pk)
    assert saved.status == SystemStatus.NEEDS_RECONNECT and "Connect QuickBooks again" in saved.status_message


def test_revoking_stops_every_token_of_the_connection(system) -> None:
    oauth.revoke(system)
    with pytest.raises(ReconnectRequired):
        oauth.refresh(system, system.credentials)
    assert oauth_store().get("tokens", system.credentials["access_token"]) is None


def test_twenty_workers_on_an_expired_token_refresh_exactly_once(system) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("concurrent writers need PostgreSQL (set DATABASE_URL); SQLite's shared in-memory test "
                    "database locks whole tables")
    expire_locally(system)
    barrier = threading.Barrier(20)
    results: list[object] = []

    def worker() -> None:
        try:
            client = QuickBooksClient(ConnectedSystem.objects.get(pk=system.pk))
            barrier.wait()
            results.append(client.company_info()["CompanyName"])
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["Emulated Company"] * 20
    assert refresh_count(REALM) == 1
