"""Stock over real HTTP: ReviseInventoryStatus at most 4 per call with per-item errors, and
bulkUpdatePriceQuantity for Inventory API listings; nothing sent for listings we do not manage."""

from __future__ import annotations

import pytest
import requests

from connector.platforms.base import StockUpdate
from connector.platforms.ebay import trading
from emulators.ebay.state import add_inventory_item, add_listing, store
from tests.platforms.ebay.conftest import SELLER, CallLog, by_sku

pytestmark = pytest.mark.django_db(transaction=True)


def state(ebay_url: str) -> dict[str, int]:
    rows = requests.get(f"{ebay_url}/_control/state", params={"account": SELLER}, timeout=10).json()["products"]
    return {row["sku"]: row["quantity"] for row in rows}


def update(product, quantity: int) -> StockUpdate:  # type: ignore[no-untyped-def]
    return StockUpdate(product.external_id, quantity, product.parent_id, product.extra)


def test_six_trading_updates_go_out_in_two_calls_of_at_most_four(ebay, ebay_url) -> None:
    for number in range(4):
        add_listing(SELLER, title=f"Card {number}", sku=f"CARD-{number}", quantity=1)
    products = by_sku(list(ebay.iter_products()))
    skus = ["MUG-1", "TS-S", "TS-M", "CARD-0", "CARD-1", "CARD-2"]
    log = CallLog(ebay)
    results = ebay.set_stock([update(products[sku], 20 + n) for n, sku in enumerate(skus)])
    assert [r.ok for r in results] == [True] * 6
    assert len(log.named("ReviseInventoryStatus")) == 2
    quantities = state(ebay_url)
    assert [quantities[sku] for sku in skus] == [20, 21, 22, 23, 24, 25]
    assert quantities["CARD-3"] == 1


def test_the_quantity_sent_is_the_available_one(ebay, ebay_url) -> None:
    requests.post(f"{ebay_url}/_control/orders", json={"account": SELLER, "lines": [{"sku": "MUG-1", "qty": 3}]},
                  timeout=10).raise_for_status()
    mug = by_sku(list(ebay.iter_products()))["MUG-1"]
    assert ebay.set_stock([update(mug, 5)])[0].ok
    listing = store(SELLER).get("listings", mug.external_id)
    assert (listing["quantity"], listing["sold"]) == (8, 3)  # eBay keeps Quantity = available + sold
    assert by_sku(list(ebay.iter_products()))["MUG-1"].quantity == 5


def test_an_ended_listing_fails_alone_in_its_call(ebay, ebay_url) -> None:
    products = by_sku(list(ebay.iter_products()))
    mug = products["MUG-1"]
    listing = store(SELLER).get("listings", mug.external_id)
    store(SELLER).put("listings", mug.external_id, {**listing, "ended": True})
    log = CallLog(ebay)
    results = ebay.set_stock([update(products["TS-S"], 7), update(mug, 9), update(products["TS-M"], 1)])
    assert len(log.named("ReviseInventoryStatus")) == 1
    by_id = {r.external_id: r for r in results}
    assert by_id[products["TS-S"].external_id].ok and by_id[products["TS-M"].external_id].ok
    failed = by_id[mug.external_id]
    assert not failed.ok and not failed.retryable
    assert failed.error == f'You are not allowed to revise an ended item "{mug.external_id}". (eBay error 21916750)'
    assert (state(ebay_url)["TS-S"], state(ebay_url)["TS-M"]) == (7, 1)


def test_an_unknown_variation_sku_fails_without_failing_its_sibling(ebay, ebay_url) -> None:
    small = by_sku(list(ebay.iter_products()))["TS-S"]
    ghost = StockUpdate(f"{small.parent_id}:TS-XL", 4, small.parent_id,
                        {**small.extra, "sku": "TS-XL"})
    results = ebay.set_stock([update(small, 2), ghost])
    assert results[0].ok and not results[1].ok and "TS-XL" in results[1].error
    assert state(ebay_url)["TS-S"] == 2


def test_an_unchanged_quantity_is_a_success_not_an_error(ebay) -> None:
    mug = by_sku(list(ebay.iter_products()))["MUG-1"]
    [result] = ebay.set_stock([update(mug, 10)])  # eBay answers warning 21917091 (redundant)
    assert result.ok and result.error == ""


def test_nothing_is_sent_for_listings_we_do_not_manage(ebay, ebay_url) -> None:
    products = list(ebay.iter_products())
    auction = by_sku(products)["AUCTION-1"]
    log = CallLog(ebay)
    results = ebay.set_stock([update(auction, 5), StockUpdate("not-a-listing", 3),
                              StockUpdate("110551234999:#0", 3, "110551234999", {"variation": True, "sku": ""})])
    assert [r.ok for r in results] == [False, False, False]
    assert "not fixed-price" in results[0].error and "not an eBay listing" in results[1].error
    assert "has no SKU" in results[2].error
    assert log.calls == []
    assert state(ebay_url)["AUCTION-1"] == 1


def test_the_trading_api_refuses_an_inventory_model_listing(ebay) -> None:
    """Pack 2.5: if an inventory-model listing were sent to ReviseInventoryStatus it fails alone."""
    widget = by_sku(list(ebay.iter_products()))["WIDGET-BLUE-01"]
    item_id = widget.extra["listing_ids"][0]
    [result] = ebay.set_stock([StockUpdate(item_id, 4, "", {})])
    assert not result.ok and "21919474" in result.error


def test_inventory_api_items_get_both_quantities_in_one_call_per_sku(ebay, ebay_url) -> None:
    add_inventory_item(SELLER, sku="TSHIRT-RED-M", title="Plain T-shirt, red", quantity=3)
    products = by_sku(list(ebay.iter_products()))
    log = CallLog(ebay)
    results = ebay.set_stock([update(products["WIDGET-BLUE-01"], 7), update(products["TSHIRT-RED-M"], 0),
                              update(products["MUG-1"], 4)])
    assert [r.ok for r in results] == [True, True, True]
    assert len(log.named("sell/inventory/v1/bulk_update_price_quantity")) == 2
    offer = next(o for o in store(SELLER).all("offers") if o["sku"] == "WIDGET-BLUE-01")
    assert (store(SELLER).get("inventory_items", "WIDGET-BLUE-01")["quantity"], offer["availableQuantity"]) == (7, 7)
    assert state(ebay_url)["WIDGET-BLUE-01"] == 7 and state(ebay_url)["MUG-1"] == 4


def test_a_per_entry_error_in_a_207_answer_fails_that_sku(ebay, ebay_url) -> None:
    widget = by_sku(list(ebay.iter_products()))["WIDGET-BLUE-01"]
    response = requests.post(f"{ebay_url}/sell/inventory/v1/bulk_update_price_quantity", timeout=10,
                             headers={"Authorization": f"Bearer {ebay.access_token}"},
                             json={"requests": [{"sku": "WIDGET-BLUE-01", "shipToLocationAvailability": {"quantity": 2},
                                                 "offers": [{"offerId": "5005317011", "availableQuantity": 2}]}]})
    assert response.status_code == 207
    assert response.json()["responses"][0] == {
        "statusCode": 400, "sku": "WIDGET-BLUE-01", "offerId": "5005317011",
        "errors": [{"errorId": 25709, "domain": "API_INVENTORY", "category": "REQUEST",
                    "message": "Invalid value for offerId.", "parameters": [{"name": "offerId", "value": "5005317011"}]}]}
    missing = StockUpdate("inventory:NO-SUCH-SKU", 1, "", {"api": "inventory", "sku": "NO-SUCH-SKU"})
    results = ebay.set_stock([update(widget, 3), missing])
    assert results[0].ok and not results[1].ok and "NO-SUCH-SKU" in results[1].error


def test_at_most_four_entries_reach_the_trading_endpoint(ebay, ebay_url) -> None:
    entries = [trading.StatusEntry(item_id=str(110551234567 + n), quantity=1) for n in range(4)]
    body = trading.revise_inventory_status_request(entries).replace(
        b"</ReviseInventoryStatusRequest>",
        b"<InventoryStatus><ItemID>110551234567</ItemID><Quantity>1</Quantity></InventoryStatus>"
        b"</ReviseInventoryStatusRequest>")
    response = requests.post(f"{ebay_url}/ws/api.dll", data=body, timeout=10, headers={
        "X-EBAY-API-CALL-NAME": "ReviseInventoryStatus", "X-EBAY-API-COMPATIBILITY-LEVEL": "1349",
        "X-EBAY-API-SITEID": "0", "X-EBAY-API-IAF-TOKEN": ebay.access_token})
    root = trading.parse(response.content)
    assert trading.ack(root) == "Failure" and "not 5" in trading.errors(root)[0].long


def test_the_daily_revision_limit_is_a_retryable_per_item_error(ebay) -> None:
    store(SELLER).ensure_account(daily_revision_limit=1)
    products = by_sku(list(ebay.iter_products()))
    assert [r.ok for r in ebay.set_stock([update(products["MUG-1"], 3), update(products["TS-S"], 1)])] == [True, True]
    mug, small = ebay.set_stock([update(products["MUG-1"], 4), update(products["TS-S"], 1)])
    assert not mug.ok and mug.retryable and "21919144" in mug.error
    assert small.ok  # unchanged: redundant, not a revision
