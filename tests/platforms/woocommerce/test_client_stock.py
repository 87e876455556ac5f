"""Stock writes through products/batch and products/<id>/variations/batch, over real HTTP."""

from __future__ import annotations

import pytest
import requests

from connector.platforms.base import PermanentError, StockUpdate
from connector.platforms.woocommerce.client import WooCommerceClient
from emulators.woocommerce.emulator import emulator_connect, emulator_seed
from emulators.woocommerce.state import store
from tests.platforms.woocommerce.conftest import SITE, by_sku, fixture

pytestmark = pytest.mark.django_db(transaction=True)


def quantities(site_root: str) -> dict[str, int | None]:
    state = requests.get(f"{site_root}/_control/state", params={"account": SITE}, timeout=10).json()
    return {row["sku"]: row["quantity"] for row in state["products"] if row["sku"]}


def update(product, quantity: int) -> StockUpdate:  # type: ignore[no-untyped-def]
    return StockUpdate(product.external_id, quantity, product.parent_id, product.extra)


def test_it_sets_simple_products_and_variations_in_their_own_batches(woo, site_root) -> None:
    found = by_sku(woo.iter_products())
    results = woo.set_stock([update(found["MUG-1"], 4), update(found["TS-S"], 9), update(found["TS-M"], 2)])
    assert [r.ok for r in results] == [True, True, True], results
    assert quantities(site_root) == {"MUG-1": 4, "TS-S": 9, "TS-M": 2, "WRAP-1": None}


def test_an_unknown_id_fails_alone_with_woocommerce_words(woo, site_root) -> None:
    mug = by_sku(woo.iter_products())["MUG-1"]
    results = woo.set_stock([StockUpdate("99999", 3), update(mug, 7), StockUpdate("99998", 1, parent_id="98")])
    assert [r.ok for r in results] == [False, True, False]
    assert "Invalid ID." in results[0].error and "deleted" in results[0].error and not results[0].retryable
    assert not results[2].ok  # unknown parent: the variations batch itself answers 404
    assert quantities(site_root)["MUG-1"] == 7


def test_the_emulator_answers_per_item_errors_inside_http_200(woo) -> None:
    mug = by_sku(woo.iter_products())["MUG-1"]
    response = woo.call("POST", "products/batch", json={"update": [
        {"id": int(mug.external_id), "stock_quantity": 12}, {"id": 99999, "manage_stock": True, "stock_quantity": 3}]})
    assert response.status_code == 200
    ok, failed = response.json()["update"]
    assert ok["stock_quantity"] == 12 and ok["manage_stock"] is True
    assert failed == fixture("products_batch_response.json")["update"][1]


def test_a_product_that_does_not_manage_stock_is_reported_not_switched_on(woo, site_root) -> None:
    wrap = by_sku(woo.iter_products())["WRAP-1"]
    [result] = woo.set_stock([update(wrap, 5)])
    assert not result.ok and "does not manage stock" in result.error
    assert quantities(site_root)["WRAP-1"] is None
    assert store(SITE).get("products", int(wrap.external_id))["manage_stock"] is False


def test_a_variation_managed_by_its_parent_writes_the_parent(system, woo, site_root) -> None:
    parent = next(p for p in store(SITE).all("products") if p["type"] == "variable")
    parent.update(manage_stock=True, stock_quantity=6)
    store(SITE).put("products", parent["id"], parent)
    small = next(v for v in store(SITE).all("variations") if v["sku"] == "TS-S")
    small["manage_stock"] = False
    store(SITE).put("variations", small["id"], small)
    [result] = woo.set_stock([update(by_sku(woo.iter_products())["TS-S"], 15)])
    assert result.ok, result
    assert store(SITE).get("products", parent["id"])["stock_quantity"] == 15
    assert store(SITE).get("variations", small["id"])["manage_stock"] is False  # not detached from its parent
    assert quantities(site_root)["TS-S"] == 15


def test_more_than_one_hundred_updates_are_split_into_batches_of_one_hundred(seeded, org, site_root) -> None:
    emulator_seed(SITE, [{"sku": f"B-{n:03}", "name": f"B {n}", "quantity": 0} for n in range(250)])
    client = WooCommerceClient(emulator_connect(organization=org, account=SITE, base_url=site_root))
    sent: list[int] = []
    original = client.call

    def counting(method, path, **kwargs):  # type: ignore[no-untyped-def]
        if path.endswith("batch"):
            sent.append(len(kwargs["json"]["update"]))
        return original(method, path, **kwargs)

    client.call = counting  # type: ignore[method-assign]
    products = list(client.iter_products())
    results = client.set_stock([update(p, 40) for p in products])
    assert all(r.ok for r in results) and len(results) == 250
    assert sent == [100, 100, 50]
    assert set(quantities(site_root).values()) == {40}


def test_the_emulator_refuses_more_than_one_hundred_items_with_413(woo) -> None:
    items = [{"id": n, "stock_quantity": 1} for n in range(101)]
    with pytest.raises(PermanentError) as caught:
        woo.call("POST", "products/batch", json={"update": items})
    assert caught.value.status == 413
    assert caught.value.code == fixture("error.json")["batch_too_large"]["body"]["code"]


def test_a_single_put_ignores_the_quantity_when_stock_is_not_managed(woo) -> None:
    wrap = by_sku(woo.iter_products())["WRAP-1"]
    body = woo.call("PUT", f"products/{wrap.external_id}", json={"stock_quantity": 12}).json()
    assert body["stock_quantity"] is None
    body = woo.call("PUT", f"products/{wrap.external_id}", json={"manage_stock": True, "stock_quantity": 12}).json()
    assert (body["manage_stock"], body["stock_quantity"], body["stock_status"]) == (True, 12, "instock")
