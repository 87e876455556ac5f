"""Benchmark of the SKU mapping import: ROWS rows (default 50,000) through mappings_import(),
versus a plain bulk_create of the same links on the same database; plus peak Python memory.

`make bench` runs it through bench/bench_import.py; tests/backoffice/test_mappings_benchmark.py
runs it (slow) and holds it to the target: under 3x the plain bulk_create.
"""

from __future__ import annotations

import os
from typing import Any

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "50000"))


def build(rows: int) -> tuple[Any, bytes, list[tuple[int, int]]]:
    """An organisation with `rows` store products and as many QuickBooks items, and the CSV that
    links them one to one. Returns (organization, csv bytes, [(store id, item id)])."""
    from accounts.models import Organization
    from connector.models import ConnectedSystem, Product

    org = Organization.objects.create(name="Bench Books", slug=f"bench-{os.getpid()}-{rows}")
    qbo = ConnectedSystem.objects.create(organization=org, platform="quickbooks", role="accounting",
                                         display_name="Books", external_account_id=f"bench-realm-{org.pk}")
    shop = ConnectedSystem.objects.create(organization=org, platform="shopify", role="store", display_name="Shop",
                                          external_account_id=f"bench-{org.pk}.myshopify.com")
    for system, prefix in ((qbo, "item"), (shop, "var")):
        Product.objects.bulk_create(
            [Product(organization=org, system=system, external_id=f"{prefix}-{i}", sku=f"SKU-{i:06d}",
                     sku_key=f"sku-{i:06d}", name=f"Product {i}") for i in range(rows)], batch_size=2000)
    store_ids = dict(Product.objects.filter(system=shop).values_list("external_id", "pk"))
    item_ids = dict(Product.objects.filter(system=qbo).values_list("external_id", "pk"))
    pairs = [(store_ids[f"var-{i}"], item_ids[f"item-{i}"]) for i in range(rows)]
    lines = ["store,store_sku,accounting_sku"] + [f"Shop,SKU-{i:06d},SKU-{i:06d}" for i in range(rows)]
    return org, ("\n".join(lines) + "\n").encode(), pairs


def measure(rows: int = ROWS) -> dict[str, float]:
    """Seconds for the import and for the plain bulk_create, and the import's peak memory (bytes)."""
    from bench.common import peak_memory, timed
    from connector.models import LinkOrigin, ProductLink
    from connector.services.mappings import mappings_import

    org, data, pairs = build(rows)
    # Memory is traced on a dry run (reading, indexing and checking every row: where the import
    # holds the most); tracing slows Python several times over, so the timed run is untraced.
    _, peak, dry = peak_memory(lambda: mappings_import(organization=org, data=data, dry_run=True))
    assert dry.ok and len(dry.new) == rows, dry.errors[:3]
    seconds, report = timed(lambda: mappings_import(organization=org, data=data))
    assert report.written and len(report.new) == rows
    ProductLink.objects.filter(organization=org).delete()
    baseline, _ = timed(lambda: ProductLink.objects.bulk_create(
        [ProductLink(organization=org, store_product_id=s, accounting_product_id=a, origin=LinkOrigin.CSV, locked=True,
                     needs_push=True) for s, a in pairs], batch_size=2000))
    return {"import": seconds, "bulk_create": baseline, "peak": float(peak)}


def run() -> list[Any]:
    from bench.common import BenchResult, fresh_database

    with fresh_database("import") as vendor:
        result = measure()
    return [BenchResult(f"CSV mapping import, {ROWS} rows ({vendor})", result["import"], result["bulk_create"],
                        note=f"target < 3x; peak {result['peak'] / 1e6:.0f} MB")]
