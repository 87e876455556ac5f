"""Creating QuickBooks items for unmatched store products (store option, off by default)."""

from __future__ import annotations

import pytest

from connector.models import LinkOrigin, ProductLink
from connector.services.systems import system_update_options
from syncjobs.ledger import job_enqueue
from tests.engine.conftest import OTHER_SHOP, REALM, Engine, connect_shop, run_jobs

pytestmark = pytest.mark.django_db(transaction=True)
ACCOUNTS = {"income_account_id": "79", "asset_account_id": "81", "expense_account_id": "80"}


def _create(engine: Engine, store: object) -> None:
    job_enqueue(organization=engine.org, system=store, kind="products.create_missing",  # type: ignore[arg-type]
                payload={"system_id": store.pk}, dedupe_key=f"products.create_missing:{store.pk}")  # type: ignore[attr-defined]
    run_jobs()


def _items(engine: Engine) -> dict[str, dict]:
    return {item["sku"]: item for item in engine.control("quickbooks", "state", account=REALM)["items"]}


def test_nothing_is_created_while_the_option_is_off(pulled: Engine) -> None:
    before = _items(pulled)
    _create(pulled, pulled.shop)
    assert _items(pulled) == before


def test_unmatched_products_become_items_linked_to_them_inventory_only_when_tracked(pulled: Engine) -> None:
    cards = connect_shop(pulled.org, pulled.base, OTHER_SHOP,
                         [{"sku": "CARD-1", "name": "Gift card", "quantity": 4, "tracks_stock": False}])
    from connector.services.jobs import products_pull_request

    products_pull_request(system=cards)
    run_jobs()
    before = _items(pulled)
    for store in (pulled.shop, cards):
        system_update_options(system=store, options={"create_missing_items": True, **ACCOUNTS})
        _create(pulled, store)
    after = _items(pulled)
    assert after["SHOP-ONLY"]["type"] == "Inventory" and after["SHOP-ONLY"]["qty_on_hand"] == 0
    assert after["CARD-1"]["type"] == "NonInventory"  # untracked: and its store quantity 4 is not copied
    created = set(after) - set(before)
    assert created == {"SHOP-ONLY", "CARD-1"}  # no duplicates, no products without SKU
    assert all(after[sku]["sync_token"] == item["sync_token"] for sku, item in before.items())  # none modified
    links = {link.store_product.sku: link for link in ProductLink.objects.filter(origin=LinkOrigin.CREATED)
             .select_related("store_product", "accounting_product")}
    assert set(links) == {"SHOP-ONLY", "CARD-1"}
    assert links["SHOP-ONLY"].accounting_product.external_id == after["SHOP-ONLY"]["id"]
    _create(pulled, pulled.shop)  # a second run finds everything linked
    assert set(_items(pulled)) == set(after)
