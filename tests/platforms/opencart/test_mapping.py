"""Pure mapping of the pack's order_totals.json rows (no database)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from connector.platforms.base import PermanentError
from connector.platforms.opencart.cursor import Cursor, parse_cursor
from connector.platforms.opencart.mapping import order_from_rows, shipping_code
from tests.platforms.opencart.conftest import fixture

LONDON = ZoneInfo("Europe/London")


def _order(**changes: object) -> dict:
    header = {k: v for k, v in fixture("order.json")["data"].items() if not isinstance(v, (list, dict))}
    header.update(date_added=datetime(2025, 7, 2, 14, 5, 11), date_modified=datetime(2025, 7, 2, 14, 5, 12))
    return {**header, **changes}


def test_pack_totals_become_shipping_and_per_rate_tax_with_nothing_unrecognised() -> None:
    product = {"order_product_id": 211, "order_id": 101, "product_id": 28, "name": "HTC Touch HD",
               "model": "Product 1", "quantity": 2, "price": "100.0000", "total": "200.0000", "tax": "22.0000"}
    order = order_from_rows(_order(), [product], fixture("order_totals.json"), tz=LONDON, status_name="Pending")
    assert [(line.kind, line.name, line.total) for line in order.lines] == [
        ("product", "HTC Touch HD", Decimal("200.00")), ("shipping", "Flat Shipping Rate", Decimal("5.00"))]
    assert order.total == Decimal("252.00") and order.unrecognised == ()
    assert order.created_at.utcoffset().total_seconds() == 3600  # naive DATETIME read in the store's zone
    assert order.financial_status == "Pending"


def test_a_single_tax_row_names_the_line_tax_and_its_rate() -> None:
    totals = [{"code": "sub_total", "title": "Sub-Total", "value": "10.0000", "sort_order": 1},
              {"code": "tax", "title": "VAT (20%)", "value": "2.0000", "sort_order": 5},
              {"code": "total", "title": "Total", "value": "12.0000", "sort_order": 9}]
    product = {"order_product_id": 1, "product_id": 5, "model": "M", "quantity": 1, "price": "10", "total": "10", "tax": "2"}
    order = order_from_rows(_order(total="12"), [product], totals, tz=LONDON)
    [tax] = order.lines[0].taxes
    assert (tax.name, tax.rate, tax.amount) == ("VAT (20%)", Decimal("0.2"), Decimal("2.00"))


def test_option_skus_replace_the_model_on_order_lines() -> None:
    product = {"order_product_id": 9, "product_id": 40, "model": "TSHIRT", "quantity": 1, "price": "1", "total": "1", "tax": "0"}
    order = order_from_rows(_order(total="1"), [product], [], tz=LONDON, option_skus={9: [(3, ""), (7, "TS-M")]})
    assert (order.lines[0].sku, order.lines[0].external_product_id) == ("TS-M", "40:7")


def test_the_shipping_code_comes_from_3_0_column_or_4x_json() -> None:
    assert shipping_code({"shipping_code": "flat.flat"}) == "flat.flat"
    assert shipping_code({"shipping_method": '{"name": "Flat", "code": "flat.flat"}'}) == "flat.flat"
    assert shipping_code({"shipping_method": "Flat Shipping Rate"}) == ""


def test_cursors_round_trip_and_accumulate_orders_within_one_second() -> None:
    second = "2026-11-22 10:00:00"
    cursor = Cursor(second).after(second, 5, 1).after(second, 3, 2).after(second, 5, 2)
    assert cursor.encode() == f"{second}|3:2,5:2"
    assert parse_cursor(cursor.encode()) == cursor
    assert cursor.after("2026-11-22 10:00:01", 1, 1).encode() == "2026-11-22 10:00:01|1:1"
    assert parse_cursor(f"{second}|7") == Cursor(second, ((7, None),))  # plain (timestamp, id) cursors
    assert parse_cursor("") == Cursor()
    with pytest.raises(PermanentError):
        parse_cursor("yesterday|3")
