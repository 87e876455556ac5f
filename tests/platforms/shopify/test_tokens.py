"""Expiring offline tokens: refresh once under the row lock, rotation, reconnect, uninstall."""

from __future__ import annotations

import time

import pytest

from connector.models import ConnectedSystem, SystemStatus
from connector.platforms.base import ReconnectRequired
from connector.platforms.shopify import oauth
from connector.platforms.shopify.client import ShopifyClient
from emulators.shopify.state import store
from syncjobs.models import WebhookDelivery
from tests.platforms.shopify.conftest import SHOP

pytestmark = pytest.mark.django_db(transaction=True)


def expire_in_shopify(system) -> None:  # type: ignore[no-untyped-def]
    """Shopify has expired the token though our clock still trusts it: the next call gets 401."""
    record = store(SHOP).get("tokens", system.credentials["access_token"])
    record["expires_at"] = time.time() - 1
    store(SHOP).put("tokens", record["token"], record)


def used_refresh_tokens() -> int:
    return sum(1 for r in store(SHOP).all("refresh_tokens") if r["used"])


def test_two_workers_with_a_stale_token_refresh_only_once(system) -> None:
    first, second = ShopifyClient(ConnectedSystem.objects.get(pk=system.pk)), \
        ShopifyClient(ConnectedSystem.objects.get(pk=system.pk))
    stale = system.credentials["access_token"]
    expire_in_shopify(system)
    assert len(list(first.iter_products())) == 4  # 401 -> refresh -> retry
    assert second.access_token == stale
    assert len(list(second.iter_products())) == 4  # 401 -> finds the newer token, no second refresh
    assert used_refresh_tokens() == 1
    fresh = ConnectedSystem.objects.get(pk=system.pk)
    assert fresh.credentials["access_token"] == first.access_token == second.access_token != stale
    assert fresh.credentials_version == 1


def test_a_spent_refresh_token_is_refused(system) -> None:
    old_refresh = system.credentials["refresh_token"]
    expire_in_shopify(system)
    list(ShopifyClient(system).iter_products())
    with pytest.raises(ReconnectRequired, match="invalid_grant"):
        oauth.refresh(system, {"refresh_token": old_refresh})


def test_it_refreshes_shortly_before_the_token_lapses(system) -> None:
    ConnectedSystem.objects.filter(pk=system.pk).update(
        credentials={**system.credentials, "expires_at": int(time.time()) + 10})
    client = ShopifyClient(ConnectedSystem.objects.get(pk=system.pk))
    stale = client.access_token
    list(client.iter_products())
    assert client.access_token != stale
    assert used_refresh_tokens() == 1


def test_a_revoked_refresh_token_asks_for_reconnecting(system) -> None:
    for record in store(SHOP).all("refresh_tokens"):
        store(SHOP).put("refresh_tokens", record["token"], {**record, "used": True})
    expire_in_shopify(system)
    with pytest.raises(ReconnectRequired):
        list(ShopifyClient(system).iter_products())
    assert ConnectedSystem.objects.get(pk=system.pk).status == SystemStatus.NEEDS_RECONNECT


def test_revoking_uninstalls_the_app_and_announces_it(system) -> None:
    oauth.revoke(system)
    assert store(SHOP).all("tokens") == []
    assert WebhookDelivery.objects.get(system=system).topic == "app/uninstalled"
    with pytest.raises(ReconnectRequired):
        list(ShopifyClient(ConnectedSystem.objects.get(pk=system.pk)).iter_products())
