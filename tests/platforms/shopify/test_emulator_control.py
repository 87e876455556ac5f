"""The emulator's control API: the shapes the demo and acceptance checks rely on."""

from __future__ import annotations

import pytest
import requests

from tests.platforms.shopify.conftest import SHOP

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_lists_the_shops(seeded, shop_url) -> None:
    assert requests.get(f"{shop_url}/_control/accounts", timeout=10).json() == {"accounts": [SHOP]}


def test_state_has_one_row_per_variant_with_its_parent(seeded, shop_url) -> None:
    state = requests.get(f"{shop_url}/_control/state", params={"account": SHOP}, timeout=10).json()
    assert set(state) == {"products", "orders"}
    rows = {row["sku"]: row for row in state["products"]}
    assert set(rows["TS-S"]) == {"id", "parent_id", "sku", "name", "tracks_stock", "quantity"}
    assert rows["TS-S"]["parent_id"] == rows["TS-M"]["parent_id"]
    assert (rows["TS-S"]["name"], rows["TS-S"]["quantity"], rows["WRAP-1"]["tracks_stock"]) == (
        "T-shirt - Small", 3, False)


def test_placing_an_order_answers_its_id_and_number_and_lowers_tracked_stock(seeded, shop_url) -> None:
    placed = requests.post(f"{shop_url}/_control/orders", json={
        "account": SHOP, "lines": [{"sku": "TS-S", "qty": 2}, {"sku": "WRAP-1", "qty": 1}],
        "customer": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}}, timeout=10).json()
    assert set(placed) == {"id", "number"}
    state = requests.get(f"{shop_url}/_control/state", params={"account": SHOP}, timeout=10).json()
    [order] = state["orders"]
    assert {k: order[k] for k in ("id", "number", "email", "lines")} == {
        "id": placed["id"], "number": placed["number"], "email": "ada@example.com",
        "lines": [{"sku": "TS-S", "qty": 2}, {"sku": "WRAP-1", "qty": 1}]}
    assert (order["total"], order["status"]) == ("30.00", "paid")
    quantities = {row["sku"]: row["quantity"] for row in state["products"]}
    assert (quantities["TS-S"], quantities["WRAP-1"]) == (1, 0)  # untracked stock does not move


def test_it_refuses_an_order_for_an_unknown_sku(seeded, shop_url) -> None:
    response = requests.post(f"{shop_url}/_control/orders",
                             json={"account": SHOP, "lines": [{"sku": "NOPE", "qty": 1}]}, timeout=10)
    assert response.status_code == 400
    assert "NOPE" in response.json()["error"]


def test_a_stock_edit_sets_the_quantity(seeded, shop_url) -> None:
    response = requests.post(f"{shop_url}/_control/stock", json={"account": SHOP, "sku": "MUG-1", "quantity": 5},
                             timeout=10)
    assert response.status_code == 200
    rows = requests.get(f"{shop_url}/_control/state", params={"account": SHOP}, timeout=10).json()["products"]
    assert {r["sku"]: r["quantity"] for r in rows}["MUG-1"] == 5


def test_unknown_shops_are_refused(seeded, shop_url) -> None:
    response = requests.get(f"{shop_url}/_control/state", params={"account": "nope.myshopify.com"}, timeout=10)
    assert response.status_code == 400


def test_the_api_refuses_calls_without_a_token(seeded, shop_url) -> None:
    response = requests.post(f"{shop_url}/{SHOP}/admin/api/2025-10/graphql.json", json={"query": "{ shop { id } }"},
                             timeout=10)
    assert response.status_code == 401
    assert response.json()["errors"].startswith("[API] Invalid API key or access token")


def test_faults_are_configured_with_the_shared_shape(seeded, shop_url) -> None:
    answer = requests.post(f"{shop_url}/_control/faults", json={"error_rate": 0.5, "statuses": [500, 429], "seed": 7},
                           timeout=10).json()
    assert answer == {"error_rate": 0.5, "statuses": [500, 429], "latency_ms": 0, "seed": 7, "webhook_drop_rate": 0.0}


def test_emulator_connect_issues_a_non_expiring_token_by_default(seeded, org, shop_url) -> None:
    from connector.platforms.shopify.client import ShopifyClient
    from emulators.shopify.emulator import emulator_connect

    system = emulator_connect(organization=org, account=SHOP, base_url=shop_url)
    assert system.base_url == f"{shop_url}/{SHOP}"
    assert "refresh_token" not in system.credentials and "expires_at" not in system.credentials
    assert len(list(ShopifyClient(system).iter_products())) == 4
