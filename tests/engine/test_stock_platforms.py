"""The same stock path for every registered store platform, over its emulator: pull, match by the
platform's SKU, first sync, then a QuickBooks change reaching the store through its webhook."""

from __future__ import annotations

import pytest
import requests

from connector.models import ProductLink
from connector.platforms import get_platform, store_platforms
from connector.services.jobs import products_pull_request
from emulators.registry import emulator_for
from tests.engine.conftest import Engine, run_jobs

pytestmark = pytest.mark.django_db(transaction=True)
ACCOUNT = "engine-store"
CATALOGUE = [
    {"sku": "MUG-1", "name": "Mug", "quantity": 0, "tracks_stock": True, "variants": []},
    {"sku": "", "name": "T-shirt", "quantity": 0, "tracks_stock": True, "variants": [
        {"sku": "TS-S", "name": "T-shirt S", "quantity": 0, "tracks_stock": True},
        {"sku": "TS-M", "name": "T-shirt M", "quantity": 0, "tracks_stock": True}]},
]


def _quantities(control: str) -> dict[str, int]:
    state = requests.get(f"{control}/state", params={"account": ACCOUNT}, timeout=10).json()
    return {row["sku"]: row["quantity"] for row in state["products"] if row["sku"]}


@pytest.mark.parametrize("platform", [spec.id for spec in store_platforms()])
def test_quickbooks_stock_reaches_every_store_platform(engine: Engine, platform: str) -> None:
    spec = get_platform(platform)
    emulator = emulator_for(spec.id)
    emulator.emulator_seed(ACCOUNT, CATALOGUE)
    base = f"{engine.base}/_emulators/{platform}"
    store = emulator.emulator_connect(organization=engine.org, account=ACCOUNT, base_url=base)
    products_pull_request(system=engine.qbo)
    products_pull_request(system=store)
    run_jobs()
    linked = set(ProductLink.objects.filter(store_product__system=store).values_list("store_product__sku", flat=True))
    assert linked == {"MUG-1", "TS-S", "TS-M"}, f"{spec.label}: each variant matches on its own {spec.sku_label}"
    control = f"{base}/_control"
    assert _quantities(control) == {"MUG-1": 10, "TS-S": 7, "TS-M": 5}
    engine.adjust("TS-M", 2)
    run_jobs()
    assert _quantities(control)["TS-M"] == 2
