"""iter_orders_since / get_order over the emulator's REST orders endpoints."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from connector.platforms.shopify import client as client_module
from emulators.shopify.state import store
from tests.platforms.shopify.conftest import SHOP

pytestmark = pytest.mark.django_db(transaction=True)

ADA = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}


def place(shop_url: str, *lines: tuple[str, int], **extra) -> dict:  # type: ignore[no-untyped-def]
    body = {"account": SHOP, "lines": [{"sku": s, "qty": q} for s, q in lines], "customer": ADA, **extra}
    response = requests.post(f"{shop_url}/_control/orders", json=body, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def same_timestamp(order_ids: list[str], stamp: str = "2026-11-22T10:00:00+00:00") -> None:
    shop_store = store(SHOP)
    for order_id in order_ids:
        order = shop_store.get("orders", order_id)
        order["updated_at"] = stamp
        shop_store.put("orders", order_id, order)


def test_it_finds_orders_placed_in_the_store(shopify, shop_url) -> None:
    placed = place(shop_url, ("MUG-1", 2), ("TS-S", 1), shipping="4.50", tax_rate="0.10")
    [(order, cursor)] = list(shopify.iter_orders_since(""))
    assert (order.external_id, order.number) == (placed["id"], placed["number"])
    assert [(line.sku, line.quantity) for line in order.lines if line.kind == "product"] == [
        ("MUG-1", Decimal("2")), ("TS-S", Decimal("1"))]
    assert [line.total for line in order.lines if line.kind == "shipping"] == [Decimal("4.50")]
    assert order.lines[0].taxes[0].amount == Decimal("2.00")
    assert order.total == Decimal("37.50")
    assert (order.customer.full_name, order.customer.email) == ("Ada Lovelace", "ada@example.com")
    assert cursor.endswith(f"|{placed['id']}")


def test_it_resumes_after_the_cursor_without_repeating(shopify, shop_url) -> None:
    place(shop_url, ("MUG-1", 1))
    [(_, cursor)] = list(shopify.iter_orders_since(""))
    assert list(shopify.iter_orders_since(cursor)) == []
    later = place(shop_url, ("MUG-1", 1))
    assert [o.external_id for o, _ in shopify.iter_orders_since(cursor)] == [later["id"]]


def test_it_neither_skips_nor_repeats_orders_sharing_a_timestamp(shopify, shop_url, monkeypatch) -> None:
    monkeypatch.setattr(client_module, "ORDERS_PAGE_SIZE", 2)  # ties straddle page boundaries
    ids = [place(shop_url, ("MUG-1", 1))["id"] for _ in range(5)]
    same_timestamp(ids)
    first = list(shopify.iter_orders_since("2026-11-22T09:00:00+00:00|0"))
    assert [o.external_id for o, _ in first] == sorted(ids, key=int)
    resumed = list(shopify.iter_orders_since(first[2][1]))  # stopped after the third
    assert [o.external_id for o, _ in resumed] == sorted(ids, key=int)[3:]


def test_it_pages_with_link_headers(shopify, shop_url, monkeypatch) -> None:
    monkeypatch.setattr(client_module, "ORDERS_PAGE_SIZE", 2)
    ids = [place(shop_url, ("TS-S", 1))["id"] for _ in range(5)]
    assert sorted(o.external_id for o, _ in shopify.iter_orders_since("")) == sorted(ids)


def test_it_includes_cancelled_orders(shopify, shop_url) -> None:
    placed = place(shop_url, ("MUG-1", 3))
    response = requests.post(f"{shop_url}/_control/orders/{placed['id']}/cancel", json={"account": SHOP}, timeout=10)
    assert response.status_code == 200
    [(order, _)] = list(shopify.iter_orders_since(""))
    assert order.cancelled and order.status == "cancelled"
    assert order.financial_status == "refunded"


def test_cancelling_restocks_tracked_variants(shopify, shop_url) -> None:
    placed = place(shop_url, ("MUG-1", 3))
    requests.post(f"{shop_url}/_control/orders/{placed['id']}/cancel", json={"account": SHOP}, timeout=10)
    rows = requests.get(f"{shop_url}/_control/state", params={"account": SHOP}, timeout=10).json()["products"]
    assert {r["sku"]: r["quantity"] for r in rows}["MUG-1"] == 10


def test_it_gets_one_order(shopify, shop_url) -> None:
    placed = place(shop_url, ("TS-S", 2))
    order = shopify.get_order(placed["id"])
    assert order.external_id == placed["id"]
    assert shopify.get_order(f"gid://shopify/Order/{placed['id']}").number == placed["number"]


def test_the_emulator_lists_only_open_orders_by_default(shopify, shop_url) -> None:
    open_order = place(shop_url, ("MUG-1", 1))
    cancelled = place(shop_url, ("MUG-1", 1))
    requests.post(f"{shop_url}/_control/orders/{cancelled['id']}/cancel", json={"account": SHOP}, timeout=10)
    response = shopify.request("GET", "admin/api/2025-10/orders.json")
    assert [str(o["id"]) for o in response.json()["orders"]] == [open_order["id"]]
    assert response.headers["X-Shopify-Shop-Api-Call-Limit"].endswith("/40")


def test_polling_finds_an_order_whose_webhook_was_dropped(shopify, shop_url) -> None:
    from syncjobs.models import WebhookDelivery

    requests.post(f"{shop_url}/_control/faults", json={"webhook_drop_rate": 1.0}, timeout=10)
    placed = place(shop_url, ("MUG-1", 1))
    assert not WebhookDelivery.objects.filter(topic="orders/create").exists()
    assert [o.external_id for o, _ in shopify.iter_orders_since("")] == [placed["id"]]


def test_an_order_changed_after_the_cursor_comes_back(shopify, shop_url) -> None:
    placed = place(shop_url, ("MUG-1", 1))
    [(_, cursor)] = list(shopify.iter_orders_since(""))
    same_timestamp([placed["id"]], "2099-01-01T00:00:00+00:00")  # edited later in the store
    [(order, later)] = list(shopify.iter_orders_since(cursor))
    assert order.external_id == placed["id"] and later > cursor


def test_a_token_without_the_orders_scope_asks_for_reconnecting(system) -> None:
    from connector.models import ConnectedSystem
    from connector.platforms.base import ReconnectRequired
    from connector.platforms.shopify.client import ShopifyClient
    from emulators.shopify.state import issue_token

    narrow = issue_token(SHOP, scope="read_products", expiring=False)
    ConnectedSystem.objects.filter(pk=system.pk).update(credentials={"access_token": narrow["access_token"]})
    with pytest.raises(ReconnectRequired, match="read_orders"):
        list(ShopifyClient(ConnectedSystem.objects.get(pk=system.pk)).iter_orders_since(""))
