"""Fan-out: N QuickBooks item changes (BENCH_FANOUT_N, default 1000) arriving together for S
Shopify stores (BENCH_FANOUT_STORES, default 3): external stock-write calls made, versus the lower
bound S x ceil(N / batch maximum). Target: equal to the bound.

Each change is requested the way the webhook planner requests it (one refresh request per
item); then one worker drains the ledger. Calls are counted at the client (every one reaches the
emulator over HTTP).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from typing import Any

from bench.bench_match import configure_settings, connect, emulator_stack, stack_seed
from bench.common import BenchResult, fresh_database, timed

N = int(os.environ.get("BENCH_FANOUT_N", "1000"))
STORES = int(os.environ.get("BENCH_FANOUT_STORES", "3"))
REALM = "4620816365088888"


def _count_writes() -> Counter[str]:
    from connector.platforms.shopify.client import ShopifyClient

    calls: Counter[str] = Counter()
    real = ShopifyClient.graphql

    def counting(self: ShopifyClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        if "inventorySetQuantities" in query:
            calls[self.system.external_account_id] += 1
        return real(self, query, variables)

    ShopifyClient.graphql = counting  # type: ignore[method-assign]
    return calls


def run() -> list[BenchResult]:
    import requests

    configure_settings()
    shops = [f"bench-fanout-{i}.myshopify.com" for i in range(STORES)]
    items = [{"sku": f"FAN-{i:05d}", "name": f"Fan {i}", "type": "Inventory", "qty_on_hand": 100} for i in range(N)]
    variants = [{"sku": f"fan-{i:05d}", "name": f"Fan {i}", "quantity": 0, "tracks_stock": True} for i in range(N)]
    with emulator_stack() as stack:
        credentials = stack_seed(stack, realm=REALM, items=items, shops=shops, variants=variants)
        with fresh_database("fanout") as vendor:
            from accounts.models import Organization
            from connector.models import Product
            from connector.platforms import get_platform
            from connector.services.matching import products_match
            from connector.services.products import products_pull
            from connector.services.stock import stock_first_sync_if_needed, stock_refresh_request
            from syncjobs.runner import run_due_jobs

            org = Organization.objects.create(name="Bench", slug="bench-fanout")
            qbo = connect(org, stack, "quickbooks", REALM, credentials["quickbooks"])
            stores = [connect(org, stack, "shopify", shop, credentials[shop]) for shop in shops]
            products_pull(system=qbo)
            for store in stores:
                products_pull(system=store)
                products_match(store=store, accounting=qbo)
                stock_first_sync_if_needed(store=store)
            calls = _count_writes()
            run_due_jobs(max_seconds=3600)
            first_sync = dict(calls)
            calls.clear()
            for i in range(N):
                response = requests.post(f"{stack.url}/_emulators/quickbooks/_control/adjust", timeout=30,
                                         json={"account": REALM, "sku": f"FAN-{i:05d}", "qty_on_hand": 40 + i % 9})
                response.raise_for_status()
            ids = list(Product.objects.filter(system=qbo).values_list("external_id", flat=True))
            for ident in ids:  # N changes, requested one by one as N webhooks would
                stock_refresh_request(system=qbo, item_ids=[ident])
            seconds, _ = timed(lambda: run_due_jobs(max_seconds=3600))
            batch = get_platform("shopify").stock_batch_max
            bound = STORES * math.ceil(N / batch)
            measured = sum(calls.values())
            shown = {row["sku"]: row["quantity"] for row in requests.get(
                f"{stack.url}/_emulators/shopify/_control/state", params={"account": shops[-1]}, timeout=60,
            ).json()["products"]}
            assert all(shown[f"fan-{i:05d}"] == 40 + i % 9 for i in range(N)), "a store missed a change"
    return [BenchResult(f"fanout: {N} changes x {STORES} stores, write calls ({vendor})", measured, bound, unit="",
                        note=f"bound {STORES} x ceil({N}/{batch}); per store {dict(calls)}; first sync "
                             f"{first_sync}; propagation {seconds:.1f} s")]
