"""iter_products over the emulator: one product per variant, location chosen once, pagination."""

from __future__ import annotations

import pytest

from connector.models import ConnectedSystem
from connector.platforms.shopify import graphql as gql
from connector.platforms.shopify.client import ShopifyClient
from emulators.shopify.emulator import emulator_seed
from emulators.shopify.state import store
from tests.platforms.shopify.conftest import SHOP, by_sku

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_lists_one_product_per_variant(shopify) -> None:
    products = by_sku(list(shopify.iter_products()))
    assert set(products) == {"MUG-1", "TS-S", "TS-M", "WRAP-1"}
    small, medium = products["TS-S"], products["TS-M"]
    assert small.parent_id == medium.parent_id != products["MUG-1"].parent_id
    assert small.external_id.startswith("gid://shopify/ProductVariant/")
    assert small.parent_id.startswith("gid://shopify/Product/")
    assert (small.name, small.quantity, small.tracks_stock) == ("T-shirt - Small", 3, True)
    assert products["MUG-1"].name == "Mug"


def test_it_reports_untracked_variants(shopify) -> None:
    assert by_sku(list(shopify.iter_products()))["WRAP-1"].tracks_stock is False


def test_it_carries_the_inventory_item_and_location(shopify) -> None:
    mug = by_sku(list(shopify.iter_products()))["MUG-1"]
    assert mug.extra["inventory_item_id"].startswith("gid://shopify/InventoryItem/")
    assert mug.extra["location_id"] == shopify.location_id


def test_it_picks_the_first_active_location_and_keeps_it(system) -> None:
    client = ShopifyClient(system)
    location = client.location_id
    primary = store(SHOP).config()["location_id"]
    assert location == f"gid://shopify/Location/{primary}"  # the closed warehouse comes first but is skipped
    assert ConnectedSystem.objects.get(pk=system.pk).cursors["location_id"] == location


def test_it_pages_through_many_variants(system) -> None:
    count = gql.VARIANTS_PAGE_SIZE * 2 + 5
    emulator_seed(SHOP, [{"sku": f"SKU-{n:04d}", "name": f"Item {n}", "quantity": n, "tracks_stock": True}
                         for n in range(count)])
    products = list(ShopifyClient(system).iter_products())
    assert len(products) == count
    assert len({p.external_id for p in products}) == count
    assert [p.quantity for p in products] == list(range(count))


def test_a_variant_not_stocked_at_the_location_has_no_quantity(shopify) -> None:
    mug = by_sku(list(shopify.iter_products()))["MUG-1"]
    item = mug.extra["inventory_item_id"].rsplit("/", 1)[-1]
    store(SHOP).delete("levels", f"{item}:{store(SHOP).config()['location_id']}")
    assert by_sku(list(shopify.iter_products()))["MUG-1"].quantity is None


def test_a_store_without_an_active_location_is_reported_plainly(system) -> None:
    from connector.platforms.base import PermanentError

    for location in store(SHOP).all("locations"):
        store(SHOP).put("locations", location["id"], {**location, "active": False})
    with pytest.raises(PermanentError, match="no active location"):
        list(ShopifyClient(system).iter_products())
