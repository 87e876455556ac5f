"""Fan-out: N QuickBooks item changes arriving together reach S stores in ceil(N / batch) write
calls per store, counted at the client's GraphQL calls to the Shopify emulator."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest

from connector.platforms import get_platform
from connector.platforms.quickbooks.emulator import emulator_seed
from connector.platforms.shopify.client import ShopifyClient
from connector.services.jobs import products_pull_request
from syncjobs.models import WebhookDelivery
from tests.engine.conftest import OTHER_SHOP, REALM, SHOP, Engine, connect_shop, run_jobs

pytestmark = pytest.mark.django_db(transaction=True)
N = 260  # more than Shopify's 250 per inventorySetQuantities call


@pytest.fixture
def write_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts inventorySetQuantities calls per shop; every call still goes to the emulator."""
    calls: Counter[str] = Counter()
    real = ShopifyClient.graphql

    def counting(self: ShopifyClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        if "inventorySetQuantities" in query:
            calls[self.system.external_account_id] += 1
        return real(self, query, variables)

    monkeypatch.setattr(ShopifyClient, "graphql", counting)
    return calls


def test_n_changes_for_two_stores_take_ceil_n_over_batch_calls_per_store(engine: Engine,
                                                                         write_calls: Counter[str]) -> None:
    emulator_seed(REALM, [{"sku": f"FAN-{i:04d}", "name": f"Fan {i}", "type": "Inventory", "qty_on_hand": 50}
                          for i in range(N)])
    catalogue = [{"sku": f"fan-{i:04d}", "name": f"Fan {i}", "quantity": 0, "tracks_stock": True} for i in range(N)]
    connect_shop(engine.org, engine.base, SHOP, catalogue)
    other = connect_shop(engine.org, engine.base, OTHER_SHOP, catalogue)
    for system in (engine.qbo, engine.shop, other):
        products_pull_request(system=system)
    run_jobs()
    bound = math.ceil(N / get_platform("shopify").stock_batch_max)
    assert write_calls == {SHOP: bound, OTHER_SHOP: bound}  # the first sync
    write_calls.clear()

    for i in range(N):  # N webhooks, one per change, as QuickBooks sends them
        engine.adjust(f"FAN-{i:04d}", 10 + i % 7)
    assert WebhookDelivery.objects.filter(platform="quickbooks").count() == N
    run_jobs()
    assert write_calls == {SHOP: bound, OTHER_SHOP: bound}
    for shop in (SHOP, OTHER_SHOP):
        quantities = engine.shop_quantities(shop)
        assert all(quantities[f"fan-{i:04d}"] == 10 + i % 7 for i in range(N))
