"""Fan-out: N QuickBooks item changes arriving together reach S stores in ceil(N / batch) write
calls per store, counted at the client's GraphQL calls to the Shopify emulator."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from connector.platforms import get_platform
from connector.platforms.shopify.client import ShopifyClient
from connector.services.jobs import products_pull_request
from emulators.quickbooks.emulator import emulator_seed
from syncjobs.models import WebhookDelivery
from tests.engine.conftest import OTHER_SHOP, REALM, SHOP, Engine, connect_shop, run_jobs

pytestmark = pytest.mark.django_db(transaction=True)
BATCH = 25  # Shopify takes 250 per inventorySetQuantities call; a smaller maximum keeps the run short
N = 2 * BATCH + 10  # three calls per store


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """The push reads the batch maximum from the platform spec; the rule under test is the same
    whatever the number, and 60 webhooks run several times faster than 260."""
    spec = get_platform("shopify")
    monkeypatch.setattr("connector.models.get_platform",
                        lambda platform_id: replace(spec, stock_batch_max=BATCH) if platform_id == "shopify"
                        else get_platform(platform_id))


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
    bound = math.ceil(N / BATCH)
    assert bound == 3
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
