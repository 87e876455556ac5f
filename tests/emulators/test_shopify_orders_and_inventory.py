"""The Shopify emulator's orders and inventory as Shopify keeps them: money computed as Shopify
reports it (tax per line after discounts, included or added, taxable shipping, tips), and
`inventory_levels/update` fired whenever `available` moves, with the level after the change."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from emulators.shopify.control import subscribe
from emulators.shopify.emulator import emulator_seed
from emulators.shopify.state import issue_token, store
from tests.emulators.conftest import Receiver, get, post

pytestmark = pytest.mark.django_db(transaction=True)
SHOP = "money-shop.myshopify.com"
CATALOGUE = [{"sku": "MUG-1", "name": "Mug", "quantity": 10, "price": "12.00"},
             {"sku": "TS-S", "name": "T-shirt", "quantity": 5, "price": "10.00"}]


@pytest.fixture
def shop(emulator_url, receiver: Receiver) -> str:  # type: ignore[no-untyped-def]
    emulator_seed(SHOP, CATALOGUE)
    subscribe(SHOP, f"{receiver.url}/shopify", ["inventory_levels/update", "orders/create"])
    return emulator_url("shopify")


def levels(receiver: Receiver) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in receiver.posts() if r.headers["X-Shopify-Topic"] == "inventory_levels/update"]


def order(shop: str, **body: Any) -> dict[str, Any]:
    placed = post(f"{shop}/_control/orders", account=SHOP, **body)
    return store(SHOP).get("orders", int(placed["id"])) or {}


def test_an_order_fires_inventory_levels_update_with_available_after_it(shop: str, receiver: Receiver) -> None:
    order(shop, lines=[{"sku": "MUG-1", "qty": 2}])
    [level] = levels(receiver)
    assert level["available"] == 8 and set(level) == {"inventory_item_id", "location_id", "available", "updated_at",
                                                      "admin_graphql_api_id"}
    assert {r.headers["X-Shopify-Topic"] for r in receiver.posts()} == {"inventory_levels/update", "orders/create"}


def test_a_cancellation_hand_edit_and_our_own_write_each_fire_it(shop: str, receiver: Receiver) -> None:
    placed = post(f"{shop}/_control/orders", account=SHOP, lines=[{"sku": "MUG-1", "qty": 3}])
    post(f"{shop}/_control/orders/{placed['id']}/cancel", account=SHOP)
    post(f"{shop}/_control/stock", account=SHOP, sku="MUG-1", quantity=4)
    token = issue_token(SHOP, scope="read_products,write_inventory", expiring=False)["access_token"]
    variant = next(v for v in store(SHOP).all("variants") if v["sku"] == "MUG-1")
    location = store(SHOP).config()["location_id"]
    mutation = ("mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) "
                "{ userErrors { code } } }")

    def write(quantity: int) -> None:
        answer = requests.post(f"{shop}/{SHOP}/admin/api/2025-10/graphql.json", timeout=15,
                               headers={"X-Shopify-Access-Token": token}, json={"query": mutation, "variables": {
                                   "input": {"name": "available", "reason": "correction", "ignoreCompareQuantity": True,
                                             "quantities": [{"inventoryItemId": f"gid://shopify/InventoryItem/"
                                                                                f"{variant['inventory_item_id']}",
                                                             "locationId": f"gid://shopify/Location/{location}",
                                                             "quantity": quantity}]}}}).json()
        assert answer["data"]["inventorySetQuantities"]["userErrors"] == []

    write(6)
    write(6)  # nothing changed: nothing fired
    assert [level["available"] for level in levels(receiver)] == [7, 10, 4, 6]


def test_tax_added_after_a_discount_with_taxable_shipping_and_a_tip(shop: str) -> None:
    placed = order(shop, lines=[{"sku": "MUG-1", "qty": 2}], tax_rate="0.1", shipping="5.00", shipping_taxable=True,
                   discount="4.00", tip="3.00")
    assert (placed["total_line_items_price"], placed["total_discounts"], placed["subtotal_price"]) == (
        "24.00", "4.00", "20.00")
    assert (placed["total_tax"], placed["total_tip_received"], placed["total_price"]) == ("2.50", "3.00", "30.50")
    [line] = placed["line_items"]
    assert line["discount_allocations"][0]["amount"] == "4.00" and line["tax_lines"][0]["price"] == "2.00"
    assert placed["shipping_lines"][0]["tax_lines"][0]["price"] == "0.50"
    assert placed["taxes_included"] is False


def test_taxes_included_are_the_part_of_each_price_and_not_added(shop: str) -> None:
    placed = order(shop, lines=[{"sku": "MUG-1", "qty": 1}, {"sku": "TS-S", "qty": 2}], tax_rate="0.2",
                   prices_include_tax=True, shipping="6.00", shipping_taxable=True)
    assert [li["tax_lines"][0]["price"] for li in placed["line_items"]] == ["2.00", "3.33"]
    assert (placed["total_tax"], placed["total_price"], placed["taxes_included"]) == ("6.33", "38.00", True)


def test_a_discount_is_allocated_across_lines_in_proportion(shop: str) -> None:
    placed = order(shop, lines=[{"sku": "MUG-1", "qty": 1}, {"sku": "TS-S", "qty": 1}], coupon={
        "code": "TENOFF", "amount": "10.00"})
    allocations = [li["discount_allocations"][0]["amount"] for li in placed["line_items"]]
    assert allocations == ["5.45", "4.55"] and placed["discount_codes"] == [
        {"code": "TENOFF", "amount": "10.00", "type": "fixed_amount"}]
    assert placed["total_price"] == "12.00"


def test_state_reports_each_orders_total_and_status(shop: str) -> None:
    first = post(f"{shop}/_control/orders", account=SHOP, lines=[{"sku": "MUG-1", "qty": 1}], tax_rate="0.1")
    post(f"{shop}/_control/orders", account=SHOP, lines=[{"sku": "TS-S", "qty": 1}], tip="2")
    post(f"{shop}/_control/orders/{first['id']}/cancel", account=SHOP)
    orders = get(f"{shop}/_control/state", account=SHOP)["orders"]
    assert [(o["total"], o["status"]) for o in orders] == [("13.20", "cancelled"), ("12.00", "paid")]
    assert orders[0]["lines"] == [{"sku": "MUG-1", "qty": 1}]  # the older fields stay


def test_bad_money_is_refused_with_a_clear_error(shop: str) -> None:
    for body in ({"tax_rate": "20"}, {"shipping": "-1"}, {"tip": "lots"}):
        response = requests.post(f"{shop}/_control/orders", timeout=15,
                                 json={"account": SHOP, "lines": [{"sku": "MUG-1", "qty": 1}], **body})
        assert response.status_code == 400 and response.json()["error"]
    assert store(SHOP).all("orders") == []
