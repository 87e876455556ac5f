"""Orders read from the tables: the pack's real sample order, totals mapping, and the polling
cursor that neither skips nor repeats orders modified in the same second."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connector.platforms.opencart import client as client_module
from tests.platforms.opencart.conftest import sql
from tests.platforms.opencart.samples import insert_sample_order

pytestmark = pytest.mark.django_db

SECOND = "2026-11-22 10:00:00"


def test_the_pack_sample_order_maps_to_lines_totals_and_customer(opencart) -> None:
    insert_sample_order()
    order = opencart.get_order("101")
    assert (order.external_id, order.number, order.status, order.currency) == ("101", "101", "Pending", "USD")
    assert (order.customer.first_name, order.customer.last_name, order.customer.email) == (
        "Jane", "Doe", "jane.doe@example.com")
    assert order.customer.external_id == "7"
    [product] = [line for line in order.lines if line.kind == "product"]
    assert (product.sku, product.name, product.quantity) == ("Product 1", "HTC Touch HD", Decimal("2"))
    assert (product.unit_price, product.total, product.external_product_id) == (Decimal("100.00"), Decimal("200.00"), "28")
    assert [(t.name, t.amount, t.rate) for t in product.taxes] == [("Tax", Decimal("44.00"), Decimal("0.2200"))]
    [shipping] = [line for line in order.lines if line.kind == "shipping"]
    assert (shipping.name, shipping.total, shipping.code) == ("Flat Shipping Rate", Decimal("5.00"), "flat.flat")
    # 6 + 41 tax rows minus 44 on the products = 3 on shipping, as the pack's shipping_tax says.
    assert [t.amount for t in shipping.taxes] == [Decimal("3.00")]
    assert order.total == Decimal("252.00") and not order.taxes_included and order.unrecognised == ()
    lines_and_tax = sum(line.total + sum(t.amount for t in line.taxes) for line in order.lines)
    assert lines_and_tax == order.total
    assert order.created_at.isoformat() == "2025-03-02T14:05:11+00:00"


def test_coupon_voucher_reward_become_discounts_and_unknown_totals_are_named(opencart) -> None:
    insert_sample_order(extra_totals=[
        {"code": "coupon", "title": "Coupon (SAVE10)", "value": "-10.0000", "sort_order": 4},
        {"code": "voucher", "title": "Gift Certificate (GIFT5)", "value": "-5.0000", "sort_order": 8},
        {"code": "reward", "title": "Reward Points (100)", "value": "-1.0000", "sort_order": 2},
        {"code": "klarna_fee", "title": "Klarna fee", "value": "2.5000", "sort_order": 6},
        {"code": "handling", "title": "Handling Fee", "value": "1.0000", "sort_order": 6},
    ])
    order = opencart.get_order("101")
    discounts = [(line.name, line.code, line.total) for line in order.lines if line.kind == "discount"]
    assert discounts == [("Reward Points (100)", "100", Decimal("-1.00")), ("Coupon (SAVE10)", "SAVE10", Decimal("-10.00")),
                         ("Gift Certificate (GIFT5)", "GIFT5", Decimal("-5.00"))]
    assert [(line.kind, line.total) for line in order.lines if line.code in ("handling", "klarna_fee")] == [
        ("other", Decimal("2.50")), ("fee", Decimal("1.00"))]
    assert order.unrecognised == ("klarna_fee: Klarna fee 2.50",)


def test_amounts_are_converted_to_the_order_currency(opencart) -> None:
    insert_sample_order(currency_value="0.78000000")
    order = opencart.get_order("101")
    assert order.total == Decimal("196.56")  # 252 x 0.78
    assert [line.unit_price for line in order.lines if line.kind == "product"] == [Decimal("78.00")]


def test_missing_orders_status_zero_is_never_polled_and_cancelled_ids_are_flagged(opencart) -> None:
    insert_sample_order(order_id=201, status_id=0, date_modified=SECOND)
    insert_sample_order(order_id=202, status_id=7, date_modified=SECOND)
    found = list(opencart.iter_orders_since("2026-11-22 09:00:00|0"))
    assert [(o.external_id, o.status, o.cancelled) for o, _ in found] == [("202", "Canceled", True)]


def test_orders_sharing_a_second_are_neither_skipped_nor_repeated_across_pages(opencart, monkeypatch) -> None:
    monkeypatch.setattr(client_module, "ORDERS_PAGE_SIZE", 2)  # ties straddle page boundaries
    for order_id in (305, 301, 304, 302, 303):
        insert_sample_order(order_id=order_id, date_modified=SECOND)
    insert_sample_order(order_id=300, date_modified="2026-11-22 10:00:01")
    found = list(opencart.iter_orders_since("2026-11-22 09:00:00|0"))
    assert [o.external_id for o, _ in found] == ["301", "302", "303", "304", "305", "300"]
    cursors = [c for _, c in found]
    assert cursors[2] == f"{SECOND}|301:1,302:1,303:1" and cursors[-1] == "2026-11-22 10:00:01|300:1"
    # Resuming from any cursor yields exactly the rest.
    for index, cursor in enumerate(cursors):
        assert [o.external_id for o, _ in opencart.iter_orders_since(cursor)] == [o.external_id for o, _ in found[index + 1:]]


def test_an_order_modified_later_in_the_cursors_second_with_a_lower_id_is_not_skipped(opencart) -> None:
    insert_sample_order(order_id=410, date_modified=SECOND)
    [(first, cursor)] = list(opencart.iter_orders_since("2026-11-22 09:00:00|0"))
    assert cursor == f"{SECOND}|410:1"
    # Still in that second, the admin changes an older order: same date_modified, lower id.
    insert_sample_order(order_id=405, date_modified=SECOND)
    assert [o.external_id for o, _ in opencart.iter_orders_since(cursor)] == ["405"]


def test_an_order_whose_status_moves_on_within_the_cursors_second_is_seen_again(opencart) -> None:
    insert_sample_order(order_id=420, date_modified=SECOND)
    [(_, cursor)] = list(opencart.iter_orders_since("2026-11-22 09:00:00|0"))
    sql("UPDATE `{p}order` SET order_status_id = 2 WHERE order_id = 420")  # Processing, same second
    [(order, later)] = list(opencart.iter_orders_since(cursor))
    assert (order.status, later) == ("Processing", f"{SECOND}|420:2")
    assert list(opencart.iter_orders_since(later)) == []


def test_an_old_style_cursor_and_an_empty_cursor_are_read(opencart) -> None:
    insert_sample_order(order_id=501, date_modified=SECOND)
    assert [o.external_id for o, _ in opencart.iter_orders_since(f"{SECOND}|501")] == []
    # "" looks back 7 days from the database's clock: the 2026-11-22 sample is outside it unless
    # it is recent, so it is moved to now.
    sql("UPDATE `{p}order` SET date_modified = NOW() WHERE order_id = 501")
    assert [o.external_id for o, _ in opencart.iter_orders_since("")] == ["501"]


def test_a_4x_order_reads_its_shipping_code_from_the_method_json(opencart_4x) -> None:
    insert_sample_order(order_id=601)
    sql("UPDATE `{p}order` SET shipping_method = %s WHERE order_id = 601",
        ['{"name":"Flat Shipping Rate","code":"flat.flat","cost":5}'])
    sql("UPDATE `{p}order_total` SET extension = 'opencart' WHERE order_id = 601")
    order = opencart_4x.get_order("601")
    assert [line.code for line in order.lines if line.kind == "shipping"] == ["flat.flat"]
    assert order.total == Decimal("252.00")
