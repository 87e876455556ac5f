"""set_stock: inventorySetQuantities on `available`, batches, userErrors, version semantics."""

from __future__ import annotations

import pytest
import requests

from connector.platforms.base import StockUpdate
from connector.platforms.shopify import graphql as gql
from connector.platforms.shopify.client import ShopifyClient
from emulators.shopify.emulator import emulator_seed
from emulators.shopify.state import store
from tests.platforms.shopify.conftest import SHOP, by_sku, fixture

pytestmark = pytest.mark.django_db(transaction=True)


def state(shop_url: str) -> dict[str, dict]:
    rows = requests.get(f"{shop_url}/_control/state", params={"account": SHOP}, timeout=10).json()["products"]
    return {row["sku"]: row for row in rows}


def update(product, quantity: int, **extra) -> StockUpdate:  # type: ignore[no-untyped-def]
    return StockUpdate(external_id=product.external_id, quantity=quantity, extra={**product.extra, **extra})


def test_it_sets_available_quantities(shopify, shop_url) -> None:
    products = by_sku(list(shopify.iter_products()))
    results = shopify.set_stock([update(products["MUG-1"], 4), update(products["TS-S"], 0)])
    assert [r.ok for r in results] == [True, True]
    assert (state(shop_url)["MUG-1"]["quantity"], state(shop_url)["TS-S"]["quantity"]) == (4, 0)


def test_it_looks_up_the_inventory_item_when_not_given(shopify, shop_url) -> None:
    mug = by_sku(list(shopify.iter_products()))["MUG-1"]
    [result] = shopify.set_stock([StockUpdate(external_id=mug.external_id, quantity=6)])
    assert result.ok
    assert state(shop_url)["MUG-1"]["quantity"] == 6


def test_it_reports_a_deleted_variant_without_blocking_others(shopify, shop_url) -> None:
    mug = by_sku(list(shopify.iter_products()))["MUG-1"]
    results = shopify.set_stock([StockUpdate(external_id="gid://shopify/ProductVariant/999", quantity=1),
                                 update(mug, 2)])
    assert [r.ok for r in results] == [False, True]
    assert "no such variant" in results[0].error
    assert state(shop_url)["MUG-1"]["quantity"] == 2


def test_it_isolates_user_errors_to_their_items(shopify, shop_url) -> None:
    products = by_sku(list(shopify.iter_products()))
    # An item that is not stocked at the location: Shopify refuses the whole call with a userError.
    item = products["TS-M"].extra["inventory_item_id"].rsplit("/", 1)[-1]
    location = store(SHOP).config()["location_id"]
    store(SHOP).delete("levels", f"{item}:{location}")
    results = shopify.set_stock([update(products["MUG-1"], 5), update(products["TS-M"], 9), update(products["TS-S"], 1)])
    assert [r.ok for r in results] == [True, False, True]
    assert "ITEM_NOT_STOCKED_AT_LOCATION" in results[1].error
    assert not results[1].retryable
    assert (state(shop_url)["MUG-1"]["quantity"], state(shop_url)["TS-S"]["quantity"]) == (5, 1)


def test_it_reports_a_stale_compare_quantity_as_retryable(shopify, shop_url) -> None:
    mug = by_sku(list(shopify.iter_products()))["MUG-1"]
    [result] = shopify.set_stock([update(mug, 3, compare_quantity=99)])
    assert not result.ok
    assert result.retryable
    assert "COMPARE_QUANTITY_STALE" in result.error
    assert state(shop_url)["MUG-1"]["quantity"] == 10


def test_it_applies_a_compare_and_set_when_current(shopify, shop_url) -> None:
    mug = by_sku(list(shopify.iter_products()))["MUG-1"]
    [result] = shopify.set_stock([update(mug, 3, compare_quantity=10)])
    assert result.ok
    assert state(shop_url)["MUG-1"]["quantity"] == 3


def test_it_splits_large_pushes_into_batches_of_250(system, shop_url) -> None:
    count = gql.SET_QUANTITIES_MAX + 10
    emulator_seed(SHOP, [{"sku": f"B-{n:04d}", "name": f"B {n}", "quantity": 0, "tracks_stock": True}
                         for n in range(count)])
    client = ShopifyClient(system)
    products = list(client.iter_products())
    results = client.set_stock([update(p, 7) for p in products])
    assert len(results) == count and all(r.ok for r in results)
    assert {row["quantity"] for row in state(shop_url).values()} == {7}
    assert len(store(SHOP).all("idempotency")) == 0  # 2025-10 sends no idempotency key


def test_the_emulator_refuses_more_than_250_entries(system, shop_url) -> None:
    client = ShopifyClient(system)
    location = client.location_id
    entries = [{"inventoryItemId": f"gid://shopify/InventoryItem/{n}", "locationId": location, "quantity": 1}
               for n in range(251)]
    payload = client.graphql.__self__.request(  # type: ignore[attr-defined]
        "POST", "admin/api/2025-10/graphql.json",
        json={"query": gql.SET_QUANTITIES_MUTATION, "variables": {"input": {
            "name": "available", "reason": "correction", "ignoreCompareQuantity": True, "quantities": entries}}},
    ).json()
    assert payload["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"


def test_it_uses_change_from_and_an_idempotency_key_from_2026_04(system, shop_url, settings) -> None:
    settings.SHOPIFY_API_VERSION = "2026-04"
    client = ShopifyClient(system)
    mug = by_sku(list(client.iter_products()))["MUG-1"]
    [result] = client.set_stock([update(mug, 8)])
    assert result.ok
    assert state(shop_url)["MUG-1"]["quantity"] == 8
    assert len(store(SHOP).all("idempotency")) == 1
    [stale] = client.set_stock([update(mug, 1, compare_quantity=3)])
    assert not stale.ok and stale.retryable and "CHANGE_FROM_QUANTITY_STALE" in stale.error


def test_the_emulator_requires_the_idempotent_directive_from_2026_04(system, settings) -> None:
    settings.SHOPIFY_API_VERSION = "2026-04"
    client = ShopifyClient(system)
    mug = by_sku(list(client.iter_products()))["MUG-1"]
    entry = {"inventoryItemId": mug.extra["inventory_item_id"], "locationId": mug.extra["location_id"],
             "quantity": 1, "changeFromQuantity": None}
    payload = client.request("POST", "admin/api/2026-04/graphql.json", json={
        "query": gql.SET_QUANTITIES_MUTATION,
        "variables": {"input": {"name": "available", "reason": "correction", "quantities": [entry]}}}).json()
    assert "@idempotent" in payload["errors"][0]["message"]


def test_the_emulator_refuses_a_reused_key_with_other_values(system, settings) -> None:
    settings.SHOPIFY_API_VERSION = "2026-01"
    client = ShopifyClient(system)
    mug = by_sku(list(client.iter_products()))["MUG-1"]

    def send(quantity: int) -> dict:
        entry = {"inventoryItemId": mug.extra["inventory_item_id"], "locationId": mug.extra["location_id"],
                 "quantity": quantity, "changeFromQuantity": None}
        return client.graphql(gql.SET_QUANTITIES_IDEMPOTENT_MUTATION, {
            "key": "5b7c3f0e-2d4a-4c8e-9f61-0a2b3c4d5e6f",
            "input": {"name": "available", "reason": "correction", "quantities": [entry]}})

    assert send(4)["inventorySetQuantities"]["userErrors"] == []
    assert send(4)["inventorySetQuantities"]["userErrors"] == []  # a replay answers the stored result
    errors = send(5)["inventorySetQuantities"]["userErrors"]
    assert errors[0]["code"] == "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"


def test_writing_available_leaves_committed_units_of_unfulfilled_orders_alone(shopify, shop_url) -> None:
    """docs/shopify.md: we publish QuickBooks stock minus unposted store orders as `available`;
    Shopify keeps the unfulfilled order's units as `committed` on top, so they count once."""
    mug = by_sku(list(shopify.iter_products()))["MUG-1"]
    requests.post(f"{shop_url}/_control/orders", json={"account": SHOP, "lines": [{"sku": "MUG-1", "qty": 3}]},
                  timeout=10)
    assert state(shop_url)["MUG-1"]["quantity"] == 7  # the order committed 3 of 10
    quickbooks_on_hand, unposted_units = 10, 3
    [result] = shopify.set_stock([update(mug, quickbooks_on_hand - unposted_units)])
    assert result.ok
    assert state(shop_url)["MUG-1"]["quantity"] == 7  # not 4: the committed units are not subtracted again
    item = mug.extra["inventory_item_id"].rsplit("/", 1)[-1]
    level = store(SHOP).get("levels", f"{item}:{store(SHOP).config()['location_id']}")
    assert (level["available"], level["committed"]) == (7, 3)  # on_hand stays 10 until fulfilment


def test_the_emulator_answers_the_pack_user_error_for_a_bad_reason(shopify) -> None:
    mug = by_sku(list(shopify.iter_products()))["MUG-1"]
    data = shopify.graphql(gql.SET_QUANTITIES_MUTATION, {"input": {
        "name": "available", "reason": "because", "ignoreCompareQuantity": True, "quantities": [
            {"inventoryItemId": mug.extra["inventory_item_id"], "locationId": mug.extra["location_id"], "quantity": 1}]}})
    expected = fixture("errors.json")["graphql_user_errors"]["body"]["data"]
    assert data == expected


def test_the_emulator_requires_compare_quantity_unless_ignored_in_2025_10(shopify) -> None:
    mug = by_sku(list(shopify.iter_products()))["MUG-1"]
    data = shopify.graphql(gql.SET_QUANTITIES_MUTATION, {"input": {
        "name": "available", "reason": "correction", "quantities": [
            {"inventoryItemId": mug.extra["inventory_item_id"], "locationId": mug.extra["location_id"], "quantity": 1}]}})
    assert data["inventorySetQuantities"]["userErrors"][0]["code"] == "COMPARE_QUANTITY_REQUIRED"


def test_a_token_without_the_inventory_scope_asks_for_reconnecting(system) -> None:
    from connector.models import ConnectedSystem
    from connector.platforms.base import ReconnectRequired
    from emulators.shopify.state import issue_token

    narrow = issue_token(SHOP, scope="read_products,read_locations", expiring=False)
    ConnectedSystem.objects.filter(pk=system.pk).update(credentials={"access_token": narrow["access_token"]})
    client = ShopifyClient(ConnectedSystem.objects.get(pk=system.pk))
    mug = by_sku(list(client.iter_products()))["MUG-1"]
    with pytest.raises(ReconnectRequired, match="write_inventory"):
        client.set_stock([update(mug, 1)])


def test_two_updates_of_one_variant_send_the_later_value_once(shopify, shop_url) -> None:
    mug = by_sku(list(shopify.iter_products()))["MUG-1"]
    results = shopify.set_stock([update(mug, 2), update(mug, 6)])
    assert [r.ok for r in results] == [True, True]
    assert state(shop_url)["MUG-1"]["quantity"] == 6
