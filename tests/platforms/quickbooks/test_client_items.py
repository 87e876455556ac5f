"""Items: listing, paging, reading many by id, creating Inventory and NonInventory items."""

from __future__ import annotations

import pytest

from connector.platforms.base import PermanentError
from emulators.quickbooks.state import add_item
from tests.platforms.quickbooks.conftest import REALM, by_sku

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_lists_every_item_with_quantity_and_sync_token(qbo) -> None:
    items = by_sku(list(qbo.iter_items()))
    assert set(items) == {"RF-1001", "PUMP-1", "GW-01", "SHIP"}
    fountain = items["RF-1001"]
    assert (fountain.quantity, fountain.tracks_stock, fountain.kind, fountain.version) == (10, True, "Inventory", "0")
    assert fountain.updated_at is not None
    assert items["GW-01"].quantity is None and items["GW-01"].tracks_stock is False


def test_it_pages_through_more_than_a_thousand_items(qbo) -> None:
    for n in range(1001):
        add_item(REALM, {"sku": f"BULK-{n}", "name": f"Bulk {n}", "type": "NonInventory"})
    items = list(qbo.iter_items())
    assert len(items) == 1005
    assert len({i.external_id for i in items}) == 1005


def test_it_reads_many_items_by_id_in_one_query(qbo) -> None:
    ids = [p.external_id for p in qbo.iter_items()]
    found = qbo.read_items(ids[:2] + ids[:1])
    assert sorted(p.external_id for p in found) == sorted(ids[:2])


def test_it_creates_an_inventory_item_with_the_accounts_it_needs(qbo) -> None:
    item = qbo.create_item(name="Garden Gnome", sku="GN-1", tracks_stock=True, income_account_id="79",
                           asset_account_id="81", expense_account_id="80", request_id="req-gnome")
    assert (item.kind, item.quantity, item.sku) == ("Inventory", 0, "GN-1")
    assert item.raw["InvStartDate"]


def test_it_creates_a_non_inventory_item(qbo) -> None:
    item = qbo.create_item(name="Gift card", sku="GC-1", tracks_stock=False, income_account_id="79",
                           asset_account_id="81", expense_account_id="80", request_id="req-gc")
    assert (item.kind, item.tracks_stock, item.quantity) == ("NonInventory", False, None)


def test_it_creates_a_service_item_with_an_income_account_only(qbo) -> None:
    item = qbo.create_item(name="Tasting workshop", sku="SVC-T", tracks_stock=False, income_account_id="79",
                           asset_account_id="", expense_account_id="", request_id="req-svc", service=True)
    assert (item.kind, item.tracks_stock, item.quantity, item.sku) == ("Service", False, None, "SVC-T")
    assert "ExpenseAccountRef" not in item.raw and "AssetAccountRef" not in item.raw


def test_a_duplicate_item_name_is_a_permanent_error(qbo) -> None:
    with pytest.raises(PermanentError, match="already used") as caught:
        qbo.create_item(name="Rock Fountain", sku="X", tracks_stock=False, income_account_id="79",
                        asset_account_id="81", expense_account_id="80", request_id="req-dup")
    assert caught.value.code == "6240"


def test_an_inventory_adjustment_moves_the_quantity_on_hand(qbo) -> None:
    fountain = by_sku(list(qbo.iter_items()))["RF-1001"]
    qbo.api("POST", "inventoryadjustment", request_id="adj-1", json={
        "AdjustAccountRef": {"value": "80"},
        "Line": [{"DetailType": "ItemAdjustmentLineDetail",
                  "ItemAdjustmentLineDetail": {"ItemRef": {"value": fountain.external_id}, "QtyDiff": -3}}]})
    after = qbo.read_items([fountain.external_id])[0]
    assert (after.quantity, after.version) == (7, "1")
