"""The same sales path for every registered store platform, over its emulator: an order placed in
the store is polled, posted once as an invoice with the platform's SKUs resolved to QuickBooks
items, and its buyer matched to one QuickBooks customer."""

from __future__ import annotations

import pytest
import requests

from connector.models import DocumentStatus, ProductLink, SalesDocument
from connector.platforms import get_platform, store_platforms
from emulators.registry import emulator_for
from tests.engine.sales.conftest import enqueue, products_pull, run_jobs

ACCOUNT = "sales-store"
CATALOGUE = [
    {"sku": "MUG-1", "name": "Mug", "quantity": 20, "tracks_stock": True, "variants": []},
    {"sku": "", "name": "T-shirt", "quantity": 0, "tracks_stock": True, "variants": [
        {"sku": "TS-S", "name": "T-shirt S", "quantity": 9, "tracks_stock": True},
        {"sku": "TS-M", "name": "T-shirt M", "quantity": 9, "tracks_stock": True}]},
]
ADA = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}
# OpenCart's emulator places orders as Pending (not posted by default, as in a real shop until the
# payment is taken): place this one as Processing (2).
PAID = {"opencart": {"order_status_id": 2}}


@pytest.mark.parametrize("platform", [spec.id for spec in store_platforms()])
def test_an_order_in_every_store_platform_is_posted_once(platform, emulator_url, org, accounting, items, control):
    spec = get_platform(platform)
    emulator = emulator_for(spec.id)
    emulator.emulator_seed(ACCOUNT, CATALOGUE)
    store = emulator.emulator_connect(organization=org, account=ACCOUNT, base_url=emulator_url(platform))
    for sku, product in products_pull(store, spec.client_for(store).iter_products()).items():
        if sku in items:
            ProductLink.objects.create(organization=org, store_product=product, accounting_product=items[sku])
    placed = requests.post(f"{emulator_url(platform)}/_control/orders", timeout=10, json={
        "account": ACCOUNT, "lines": [{"sku": "MUG-1", "qty": 2}, {"sku": "TS-S", "qty": 1}], "customer": ADA,
        **PAID.get(platform, {})})
    assert placed.status_code in (200, 201), placed.text
    for _ in range(2):  # a second poll finds nothing new
        enqueue("orders.poll", store, system_id=store.pk)
        run_jobs()
    document = SalesDocument.objects.get(store_system=store)
    assert document.status == DocumentStatus.POSTED, f"{spec.label}: {document.status} {document.message}"
    state = control.qbo_state()
    [invoice] = state["invoices"]
    ids = {i["sku"]: i["id"] for i in state["items"]}
    assert sorted((line["item_id"], line["qty"]) for line in invoice["lines"]) == sorted(
        [(ids["MUG-1"], 2), (ids["TS-S"], 1)])
    [customer] = state["customers"]
    assert customer["display_name"] == "Ada Lovelace"
