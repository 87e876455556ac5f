"""One suite, every registered store platform: the operations the sync engine relies on, over
real HTTP against each platform's emulator (and a real database for OpenCart)."""

from __future__ import annotations

from itertools import islice

import pytest
import requests

from connector.platforms import get_platform, store_platforms
from connector.platforms.base import RetryableError, StockUpdate
from emulators.registry import emulator_for

STORE_IDS = [spec.id for spec in store_platforms()]
ACCOUNT = "contract-store"

CATALOGUE = [
    {"sku": "CT-TEA-1", "name": "Contract tea", "quantity": 5, "tracks_stock": True, "variants": []},
    {"sku": "CT-UNTRACKED", "name": "Gift card", "quantity": 0, "tracks_stock": False, "variants": []},
    {"sku": "", "name": "Product without a code", "quantity": 2, "tracks_stock": True, "variants": []},
    {"sku": "", "name": "Contract shirt", "quantity": 0, "tracks_stock": True,
     "variants": [{"sku": "CT-SHIRT-S", "name": "Contract shirt S", "quantity": 3, "tracks_stock": True},
                  {"sku": "CT-SHIRT-M", "name": "Contract shirt M", "quantity": 4, "tracks_stock": True}]},
]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=STORE_IDS)
def store(request, emulator_url, org):
    spec = get_platform(request.param)
    emulator = emulator_for(spec.id)
    emulator.emulator_seed(ACCOUNT, CATALOGUE)
    system = emulator.emulator_connect(organization=org, account=ACCOUNT, base_url=emulator_url(spec.id))
    control = f"{emulator_url(spec.id)}/_control"
    yield spec, system, spec.client_for(system), control
    requests.post(f"{control}/faults", json={"error_rate": 0}, timeout=10)


def _state(control: str) -> dict:
    response = requests.get(f"{control}/state", params={"account": ACCOUNT}, timeout=10)
    response.raise_for_status()
    return response.json()


def _by_sku(products) -> dict:
    return {p.sku: p for p in products if p.sku}


def test_control_api_lists_the_seeded_account(store):
    _spec, _system, _client, control = store
    accounts = requests.get(f"{control}/accounts", timeout=10).json()["accounts"]
    assert ACCOUNT in accounts


def test_it_lists_every_product_and_variant_with_its_sku_stock_flag_and_quantity(store):
    spec, _system, client, _control = store
    products = list(client.iter_products())
    by_sku = _by_sku(products)
    assert by_sku["CT-TEA-1"].quantity == 5 and by_sku["CT-TEA-1"].tracks_stock
    assert by_sku["CT-UNTRACKED"].tracks_stock is False
    assert by_sku["CT-SHIRT-S"].quantity == 3 and by_sku["CT-SHIRT-M"].quantity == 4
    assert by_sku["CT-SHIRT-S"].parent_id and by_sku["CT-SHIRT-S"].parent_id == by_sku["CT-SHIRT-M"].parent_id
    assert any(p.sku == "" and p.name.startswith("Product without") for p in products), (
        f"{spec.label}: a product without {spec.sku_label} must still be listed (with an empty SKU)")
    assert len({p.external_id for p in products}) == len(products)


def test_state_shows_the_platform_sku_as_sku(store):
    _spec, _system, _client, control = store
    skus = {row["sku"] for row in _state(control)["products"]}
    assert {"CT-TEA-1", "CT-SHIRT-S", "CT-SHIRT-M"} <= skus


def test_it_sets_absolute_quantities_and_reports_each_item(store):
    spec, _system, client, control = store
    by_sku = _by_sku(client.iter_products())
    updates = [StockUpdate(p.external_id, 11, p.parent_id, p.extra) for sku, p in by_sku.items()
               if sku in ("CT-TEA-1", "CT-SHIRT-S")]
    results = client.set_stock(updates)
    assert {r.external_id for r in results} == {u.external_id for u in updates}
    assert all(r.ok for r in results), results
    quantities = {row["sku"]: row["quantity"] for row in _state(control)["products"]}
    assert quantities["CT-TEA-1"] == 11 and quantities["CT-SHIRT-S"] == 11
    assert quantities["CT-SHIRT-M"] == 4  # untouched


def test_an_unknown_product_fails_alone_without_failing_the_batch(store):
    _spec, _system, client, control = store
    tea = _by_sku(client.iter_products())["CT-TEA-1"]
    unknown = StockUpdate("999999991", 3, "", {})
    results = {r.external_id: r for r in client.set_stock([StockUpdate(tea.external_id, 7, tea.parent_id, tea.extra), unknown])}
    assert results[tea.external_id].ok
    assert not results["999999991"].ok and results["999999991"].error
    assert {row["sku"]: row["quantity"] for row in _state(control)["products"]}["CT-TEA-1"] == 7


def test_an_order_placed_in_the_store_is_found_since_the_cursor_and_not_twice(store):
    _spec, _system, client, control = store
    placed = requests.post(f"{control}/orders", timeout=10, json={
        "account": ACCOUNT, "lines": [{"sku": "CT-TEA-1", "qty": 2}, {"sku": "CT-SHIRT-M", "qty": 1}],
        "customer": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
    })
    assert placed.status_code in (200, 201), placed.text
    found = list(islice(client.iter_orders_since(""), 50))
    assert len(found) == 1
    order, cursor = found[0]
    lines = {line.sku: line.quantity for line in order.lines if line.kind == "product"}
    assert lines == {"CT-TEA-1": 2, "CT-SHIRT-M": 1}
    assert order.customer.last_name == "Lovelace"
    assert order.customer.email.lower() == "ada@example.com" or order.customer.email_masked
    assert list(client.iter_orders_since(cursor)) == []
    assert client.get_order(order.external_id).external_id == order.external_id
    quantities = {row["sku"]: row["quantity"] for row in _state(control)["products"]}
    assert quantities["CT-TEA-1"] == 3, "a sale lowers the store's own stock of a tracked product"


def test_a_stock_edit_in_the_store_admin_changes_the_quantity(store):
    _spec, _system, client, control = store
    response = requests.post(f"{control}/stock", json={"account": ACCOUNT, "sku": "CT-TEA-1", "quantity": 42}, timeout=10)
    assert response.status_code == 200, response.text
    assert _by_sku(client.iter_products())["CT-TEA-1"].quantity == 42


def test_injected_server_errors_surface_as_retryable(store):
    spec, _system, client, control = store
    if spec.id == "opencart":
        pytest.skip("OpenCart is reached through its database; faults cannot be injected into MariaDB")
    requests.post(f"{control}/faults", json={"error_rate": 1.0, "statuses": [500], "seed": 3}, timeout=10)
    with pytest.raises(RetryableError):
        list(client.iter_products())
