"""An independent check of the Shopify emulator: Shopify's own Python library (ShopifyAPI) reads
variants and writes stock through GraphQL, and reads orders through REST."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import shopify

from emulators.shopify.emulator import emulator_seed
from emulators.shopify.state import issue_token
from tests.emulators.conftest import post

pytestmark = pytest.mark.django_db(transaction=True)
SHOP = "library-shop.myshopify.com"
VERSION = "2025-10"


@pytest.fixture
def session(emulator_url) -> Iterator[str]:  # type: ignore[no-untyped-def]
    emulator_seed(SHOP, [{"sku": "MUG-1", "name": "Mug", "quantity": 10, "price": "12.00"}])
    token = issue_token(SHOP, scope="read_products,write_inventory,read_locations,read_orders",
                        expiring=False)["access_token"]
    shopify.ShopifyResource.activate_session(shopify.Session(SHOP, VERSION, token))
    # The library builds https://<shop>/admin/api/<version>; the one change: the emulator's root.
    shopify.ShopifyResource.site = f"{emulator_url('shopify')}/{SHOP}/admin/api/{VERSION}"
    yield emulator_url("shopify")
    shopify.ShopifyResource.clear_session()


def graphql(query: str, variables: dict[str, Any] | None = None, operation: str | None = None) -> dict[str, Any]:
    return json.loads(shopify.GraphQL().execute(query, variables, operation))


def test_the_library_reads_variants_and_sets_stock_through_graphql(session: str) -> None:
    document = """
    query Variants($first: Int!) { productVariants(first: $first) { edges { node { sku inventoryItem { id } } } } }
    query Locations { locations(first: 5) { nodes { id } } }
    mutation Set($input: InventorySetQuantitiesInput!) {
      inventorySetQuantities(input: $input) { inventoryAdjustmentGroup { changes { name quantityAfterChange } }
                                               userErrors { code message } }
    }"""
    [edge] = graphql(document, {"first": 5}, "Variants")["data"]["productVariants"]["edges"]
    [location] = graphql(document, None, "Locations")["data"]["locations"]["nodes"]
    answer = graphql(document, {"input": {"name": "available", "reason": "correction", "quantities": [
        {"inventoryItemId": edge["node"]["inventoryItem"]["id"], "locationId": location["id"], "quantity": 4,
         "compareQuantity": 10}]}}, "Set")
    payload = answer["data"]["inventorySetQuantities"]
    assert payload["userErrors"] == []
    assert {c["name"]: c["quantityAfterChange"] for c in payload["inventoryAdjustmentGroup"]["changes"]} == {
        "available": 4, "on_hand": 4}
    stale = graphql(document, {"input": {"name": "available", "reason": "correction", "quantities": [
        {"inventoryItemId": edge["node"]["inventoryItem"]["id"], "locationId": location["id"], "quantity": 1,
         "compareQuantity": 10}]}}, "Set")
    assert stale["data"]["inventorySetQuantities"]["userErrors"][0]["code"] == "COMPARE_QUANTITY_STALE"


def test_the_library_reads_an_orders_totals_through_rest(session: str) -> None:
    post(f"{session}/_control/orders", account=SHOP, lines=[{"sku": "MUG-1", "qty": 2}], tax_rate="0.05",
         shipping="4.00", tip="1.00")
    [order] = shopify.Order.find(status="any")
    assert (order.total_price, order.total_tax, order.total_tip_received) == ("30.20", "1.20", "1.00")
    assert [item.sku for item in order.line_items] == ["MUG-1"]
