"""End-to-end latency: a stock change in QuickBooks -> its signed webhook -> intake -> planning ->
refresh -> push -> the Shopify emulator shows the new quantity. p50 and p95 over BENCH_LATENCY_CHANGES
(default 200) changes made one after another; one django-q2 worker on the ORM broker, gunicorn for
the web side, all on one SQLite file (or BENCH_DATABASE_URL). Target: p95 under 2 s.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from typing import Any

import requests

from bench.bench_match import emulator_stack
from bench.common import BenchResult

CHANGES = int(os.environ.get("BENCH_LATENCY_CHANGES", "200"))
ITEMS = 20
REALM = "4620816365077777"
SHOP = "bench-latency.myshopify.com"
TARGET_P95 = 2.0

SETUP = """
from django.conf import settings
from accounts.models import Organization
from emulators.quickbooks import emulator as qbo
from emulators.shopify import emulator as shopify
from connector.services.jobs import products_pull_request
org, _ = Organization.objects.get_or_create(slug="bench-latency", defaults={{"name": "Bench"}})
qbo.emulator_seed({realm!r}, [{{"sku": f"LAT-{{i}}", "name": f"Latency {{i}}", "type": "Inventory", "qty_on_hand": 50}}
                              for i in range({items})])
shopify.emulator_seed({shop!r}, [{{"sku": f"LAT-{{i}}", "name": f"Latency {{i}}", "quantity": 0, "tracks_stock": True}}
                                 for i in range({items})])
base = settings.CONNECTOR_PUBLIC_URL + "/_emulators/"
products_pull_request(system=qbo.emulator_connect(organization=org, account={realm!r}, base_url=base + "quickbooks"))
products_pull_request(system=shopify.emulator_connect(organization=org, account={shop!r}, base_url=base + "shopify"))
"""


def _shop(stack: Any) -> dict[str, Any]:
    rows = requests.get(f"{stack.url}/_emulators/shopify/_control/state", params={"account": SHOP}, timeout=30)
    rows.raise_for_status()
    return {row["sku"]: row["quantity"] for row in rows.json()["products"]}


def _wait_for(stack: Any, sku: str, quantity: int, timeout: float) -> float:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if _shop(stack).get(sku) == quantity:
            return time.perf_counter()
        time.sleep(0.01)
    raise AssertionError(f"{sku} never showed {quantity} within {timeout} s")


def run() -> list[BenchResult]:
    env = {"Q_WORKERS": "1", "JOB_DRAIN_SECONDS": "5"}
    with emulator_stack(database_url=os.environ.get("BENCH_DATABASE_URL", ""), **env) as stack:
        stack.shell(SETUP.format(realm=REALM, shop=SHOP, items=ITEMS))
        stack.start_cluster()
        stack.start_sweeper(every=5)
        first = time.perf_counter()
        for i in range(ITEMS):  # the first sync has run once every product shows QuickBooks' 50
            _wait_for(stack, f"LAT-{i}", 50, timeout=120)
        first_sync = time.perf_counter() - first
        latencies: list[float] = []
        for n in range(CHANGES):
            sku, quantity = f"LAT-{n % ITEMS}", 100 + n
            started = time.perf_counter()
            response = requests.post(f"{stack.url}/_emulators/quickbooks/_control/adjust", timeout=30,
                                     json={"account": REALM, "sku": sku, "qty_on_hand": quantity})
            response.raise_for_status()
            latencies.append(_wait_for(stack, sku, quantity, timeout=60) - started)
        latencies.sort()
        p50 = statistics.median(latencies)
        p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
        summary = json.dumps({"max": round(latencies[-1], 3), "first_sync_s": round(first_sync, 1)})
    return [BenchResult(f"latency: QuickBooks webhook -> store shows it, p95 of {CHANGES} (1 worker, ORM)", p95,
                        TARGET_P95, note=f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms vs target 2000 ms; "
                                         f"{summary}")]
