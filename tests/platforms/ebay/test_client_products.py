"""Listings over real HTTP: Custom Label = SKU, variations with their own SKU, available =
quantity - sold, a listing without a Custom Label, Inventory API items and the two worlds."""

from __future__ import annotations

import logging

import pytest
import requests

from emulators.ebay.state import add_listing
from tests.platforms.ebay.conftest import SELLER, CallLog, by_sku

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_custom_label_is_the_sku(ebay) -> None:
    products = by_sku(list(ebay.iter_products()))
    mug = products["MUG-1"]
    assert (mug.name, mug.quantity, mug.tracks_stock, mug.kind) == ("Mug", 10, True, "listing")
    assert mug.external_id.isdigit() and mug.extra["api"] == "trading" and mug.extra["item_id"] == mug.external_id


def test_variations_each_have_their_own_sku_under_one_listing(ebay) -> None:
    products = by_sku(list(ebay.iter_products()))
    small, medium = products["TS-S"], products["TS-M"]
    assert small.parent_id == medium.parent_id and small.parent_id.isdigit()
    assert small.external_id == f"{small.parent_id}:TS-S"
    assert (small.name, small.quantity, medium.quantity) == ("T-shirt - Small", 3, 0)
    assert small.extra["variation"] is True and small.kind == "variation"
    assert small.parent_id not in {p.external_id for p in products.values()}  # the listing itself is not sold


def test_available_is_quantity_minus_sold(ebay, ebay_url) -> None:
    requests.post(f"{ebay_url}/_control/orders", json={"account": SELLER, "lines": [
        {"sku": "MUG-1", "qty": 4}, {"sku": "TS-S", "qty": 1}]}, timeout=10).raise_for_status()
    products = by_sku(list(ebay.iter_products()))
    assert (products["MUG-1"].quantity, products["TS-S"].quantity) == (6, 2)


def test_a_listing_without_a_custom_label_is_listed_with_an_empty_sku_and_reported(ebay, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="connector.ebay"):
        products = list(ebay.iter_products())
    [poster] = [p for p in products if p.name.startswith("Vintage poster")]
    assert poster.sku == "" and poster.extra["sku_missing"] is True and poster.quantity == 2
    assert f"eBay listing {poster.external_id} has no Custom Label" in caplog.text


def test_an_auction_is_listed_but_its_stock_is_not_ours(ebay) -> None:
    auction = by_sku(list(ebay.iter_products()))["AUCTION-1"]
    assert auction.tracks_stock is False and auction.extra["listing_type"] == "Chinese"


def test_inventory_api_items_are_listed_once_with_their_offers(ebay) -> None:
    products = list(ebay.iter_products())
    widgets = [p for p in products if p.sku == "WIDGET-BLUE-01"]
    assert len(widgets) == 1, "the inventory-model listing also shows in GetMyeBaySelling; it must not repeat"
    [widget] = widgets
    assert widget.external_id == "inventory:WIDGET-BLUE-01" and widget.extra["api"] == "inventory"
    assert widget.quantity == 12 and len(widget.extra["offer_ids"]) == 1
    assert len({p.external_id for p in products}) == len(products)


def test_pages_of_listings_and_items_are_all_read(ebay) -> None:
    for number in range(5):
        add_listing(SELLER, title=f"Card {number}", sku=f"CARD-{number}", quantity=number + 1)
    ebay.listings_page_size = 3
    ebay.inventory_page_size = 1
    log = CallLog(ebay)
    skus = {p.sku for p in ebay.iter_products()}
    assert {f"CARD-{n}" for n in range(5)} | {"MUG-1", "TS-S", "TS-M", "AUCTION-1", "WIDGET-BLUE-01"} <= skus
    assert len(log.named("GetMyeBaySelling")) == 4  # 11 listings, 3 per page


def test_a_sku_shared_by_two_listings_comes_back_twice(ebay) -> None:
    """eBay does not enforce unique Custom Labels: both are listed, the engine reports the duplicate."""
    add_listing(SELLER, title="Mug (second listing)", sku="MUG-1", quantity=1)
    mugs = [p for p in ebay.iter_products() if p.sku == "MUG-1"]
    assert len(mugs) == 2 and mugs[0].external_id != mugs[1].external_id


def test_the_demo_catalogue_seeds_and_lists_completely(ebay, ebay_url) -> None:
    from emulators.demo.catalogue import store_products
    from emulators.ebay.emulator import emulator_seed

    emulator_seed(SELLER, store_products("ebay"))
    products = list(ebay.iter_products())
    rows = requests.get(f"{ebay_url}/_control/state", params={"account": SELLER}, timeout=10).json()["products"]
    assert sorted((p.external_id, p.sku, p.quantity) for p in products) == sorted(
        (r["id"], r["sku"], r["quantity"]) for r in rows)
