"""Orders since a cursor, over real HTTP against the emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import islice

import pytest
import requests

from connector.platforms.woocommerce.client import make_cursor, parse_cursor
from emulators.woocommerce.state import store
from syncjobs.models import WebhookDelivery
from tests.platforms.woocommerce.conftest import SITE

pytestmark = pytest.mark.django_db(transaction=True)

ADA = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}


def place(site_root: str, **body) -> dict:  # type: ignore[no-untyped-def]
    response = requests.post(f"{site_root}/_control/orders", json={"account": SITE, **body}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_an_order_is_found_once_with_its_lines_buyer_taxes_shipping_and_coupon(woo, site_root) -> None:
    placed = place(site_root, lines=[{"sku": "MUG-1", "qty": 2}, {"sku": "TS-S", "qty": 1}], customer=ADA,
                   tax_rate="0.1", shipping="5.00", coupon={"code": "spring", "amount": "3.00"})
    [(order, cursor)] = list(woo.iter_orders_since(""))
    assert (order.external_id, order.number, order.status) == (placed["id"], placed["number"], "processing")
    assert (order.customer.full_name, order.customer.email, order.customer.external_id) == (
        "Ada Lovelace", "ada@example.com", "")  # a guest checkout
    products = {line.sku: line for line in order.lines if line.kind == "product"}
    assert (products["MUG-1"].quantity, products["MUG-1"].total) == (2, Decimal("24.00"))
    assert products["TS-S"].external_product_id != "" and products["TS-S"].name == "T-shirt - Small"
    assert [t.amount for t in products["MUG-1"].taxes] == [Decimal("2.4")]  # before the coupon
    [shipping] = [line for line in order.lines if line.kind == "shipping"]
    [coupon] = [line for line in order.lines if line.kind == "discount"]
    assert (shipping.total, coupon.code, coupon.total) == (Decimal("5.00"), "spring", Decimal("-3.00"))
    lines = sum((line.total for line in order.lines), Decimal("0"))
    taxes = sum((t.amount for line in order.lines for t in line.taxes), Decimal("0"))
    # The coupon comes off before tax: 34.00 - 3.00 + 3.10 tax (its discount_tax 0.30 removed) + 5.00.
    assert lines + taxes == order.total == Decimal("39.10")
    assert list(woo.iter_orders_since(cursor)) == []
    assert woo.get_order(order.external_id).lines == order.lines


def test_a_sale_lowers_the_stock_of_managed_products_only(woo, site_root) -> None:
    place(site_root, lines=[{"sku": "MUG-1", "qty": 3}, {"sku": "WRAP-1", "qty": 1}])
    state = requests.get(f"{site_root}/_control/state", params={"account": SITE}, timeout=10).json()
    quantities = {row["sku"]: row["quantity"] for row in state["products"] if row["sku"]}
    assert quantities["MUG-1"] == 7 and quantities["WRAP-1"] is None
    assert state["orders"][0]["lines"] == [{"sku": "MUG-1", "qty": 3}, {"sku": "WRAP-1", "qty": 1}]


def _same_second_orders(site_root: str) -> tuple[str, str]:
    first, second = place(site_root, lines=[{"sku": "MUG-1", "qty": 1}]), place(site_root, lines=[{"sku": "MUG-1", "qty": 1}])
    orders = store(SITE)
    stamp = orders.get("orders", int(first["id"]))["date_modified_gmt"]
    for placed in (second, first):  # the later id gets the same second, stored first
        row = orders.get("orders", int(placed["id"]))
        row["date_modified_gmt"] = stamp
        orders.put("orders", row["id"], row)
    return first["id"], second["id"]


def test_orders_sharing_a_second_are_neither_skipped_nor_repeated(woo, site_root) -> None:
    first, second = _same_second_orders(site_root)
    [(order, cursor)] = list(islice(woo.iter_orders_since(""), 1))
    assert order.external_id == first
    assert [o.external_id for o, _ in woo.iter_orders_since(cursor)] == [second]
    last = list(woo.iter_orders_since(cursor))[-1][1]
    assert list(woo.iter_orders_since(last)) == []


def test_the_cursor_is_read_as_gmt_whatever_the_site_timezone(woo, site_root) -> None:
    """The emulated site is UTC-3: a bound sent without dates_are_gmt would be read three hours
    later in GMT and this order, modified two hours after the cursor, would be missed."""
    placed = place(site_root, lines=[{"sku": "MUG-1", "qty": 1}])
    modified = datetime.fromisoformat(store(SITE).get("orders", int(placed["id"]))["date_modified_gmt"]).replace(tzinfo=UTC)
    cursor = make_cursor(modified - timedelta(hours=2), 0)
    assert [o.external_id for o, _ in woo.iter_orders_since(cursor)] == [placed["id"]]


def test_an_order_changed_in_the_admin_is_found_again(woo, site_root) -> None:
    placed = place(site_root, lines=[{"sku": "MUG-1", "qty": 1}])
    [(_, cursor)] = list(woo.iter_orders_since(""))
    row = store(SITE).get("orders", int(placed["id"]))
    row["date_modified_gmt"] = (datetime.fromisoformat(row["date_modified_gmt"]) - timedelta(minutes=5)).isoformat()
    store(SITE).put("orders", row["id"], row)  # so the status change lands in a later second
    cursor = make_cursor(datetime.fromisoformat(row["date_modified_gmt"]).replace(tzinfo=UTC), int(placed["id"]))
    response = requests.post(f"{site_root}/_control/orders/{placed['id']}/status",
                             json={"account": SITE, "status": "cancelled"}, timeout=10)
    assert response.status_code == 200
    [(order, _)] = list(woo.iter_orders_since(cursor))
    assert order.cancelled and order.status == "cancelled"


def test_polling_finds_an_order_whose_webhook_was_dropped(system, woo, site_root) -> None:
    requests.post(f"{site_root}/_control/faults", json={"webhook_drop_rate": 1.0}, timeout=10)
    placed = place(site_root, lines=[{"sku": "TS-M", "qty": 1}], customer=ADA)
    requests.post(f"{site_root}/_control/faults", json={"error_rate": 0}, timeout=10)
    assert not WebhookDelivery.objects.filter(system=system).exists()
    assert [o.external_id for o, _ in woo.iter_orders_since("")] == [placed["id"]]


def test_more_than_a_page_of_orders_comes_back_in_order(woo, site_root) -> None:
    ids = [place(site_root, lines=[{"sku": "TS-S", "qty": 1}])["id"] for _ in range(3)]
    found = [o.external_id for o, _ in woo.iter_orders_since("")]
    assert found == ids


def test_cursor_round_trip() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_cursor(make_cursor(when, 42)) == (when, 42)
