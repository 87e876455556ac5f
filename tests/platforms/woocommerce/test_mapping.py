"""Mapping of the reference pack's real sample payloads."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from connector.platforms.base import StockUpdate
from connector.platforms.woocommerce.mapping import order_from_rest, product_from_rest
from connector.platforms.woocommerce.stock import _result
from tests.platforms.woocommerce.conftest import fixture


def test_the_sample_order_maps_lines_shipping_taxes_and_the_guest_buyer() -> None:
    order = order_from_rest(fixture("order.json"))
    assert (order.external_id, order.number, order.status, order.currency) == ("727", "727", "processing", "USD")
    # The *_gmt dates, not the site-local ones (three hours apart in the sample).
    assert order.created_at == datetime(2017, 3, 22, 19, 28, 2, tzinfo=UTC)
    assert order.updated_at == datetime(2017, 3, 22, 19, 28, 8, tzinfo=UTC)
    assert order.total == Decimal("29.35") and order.taxes_included is False
    assert order.financial_status == "paid" and not order.cancelled
    customer = order.customer
    assert (customer.first_name, customer.last_name, customer.email) == ("John", "Doe", "john.doe@example.com")
    assert customer.external_id == ""  # customer_id 0: guest checkout
    products = [line for line in order.lines if line.kind == "product"]
    assert [(p.sku, p.quantity, p.unit_price, p.total, p.external_product_id) for p in products] == [
        ("", Decimal(2), Decimal("3.0000"), Decimal("6.00"), "93"),
        ("Bar3", Decimal(1), Decimal("12.0000"), Decimal("12.00"), "23"),  # the variation, not the parent
    ]
    assert [(t.name, t.amount) for t in products[1].taxes] == [("State Tax", Decimal("0.9"))]
    [shipping] = [line for line in order.lines if line.kind == "shipping"]
    assert (shipping.name, shipping.code, shipping.total) == ("Flat Rate", "flat_rate", Decimal("10.00"))
    assert not [line for line in order.lines if line.kind in ("discount", "fee")]
    lines_total = sum((line.total for line in order.lines), Decimal("0"))
    tax_total = sum((t.amount for line in order.lines for t in line.taxes), Decimal("0"))
    assert lines_total + tax_total == order.total


def test_coupon_and_fee_lines_become_their_own_lines() -> None:
    raw = fixture("order.json")
    raw["coupon_lines"] = [{"id": 1, "code": "spring10", "discount": "2.00", "discount_tax": "0.15"}]
    raw["fee_lines"] = [{"id": 2, "name": "Gift wrap", "tax_class": "", "tax_status": "none", "total": "1.50",
                         "total_tax": "0.00", "taxes": []}]
    raw["billing"]["email"] = ""
    raw["customer_id"] = 12
    order = order_from_rest(raw)
    [coupon] = [line for line in order.lines if line.kind == "discount"]
    assert (coupon.code, coupon.total, coupon.taxes[0].amount) == ("spring10", Decimal("-2.00"), Decimal("-0.15"))
    [fee] = [line for line in order.lines if line.kind == "fee"]
    assert (fee.name, fee.total) == ("Gift wrap", Decimal("1.50"))
    assert order.customer.email == "" and order.customer.external_id == "12"


def test_a_cancelled_order_is_flagged() -> None:
    raw = {**fixture("order.json"), "status": "cancelled"}
    assert order_from_rest(raw).cancelled


def test_the_sample_simple_product_does_not_track_stock() -> None:
    product = product_from_rest(fixture("product_simple.json"))
    assert (product.external_id, product.parent_id, product.kind) == ("794", "", "simple")
    assert product.tracks_stock is False and product.quantity is None
    assert product.name == "Premium Quality"
    assert product.updated_at == datetime(2017, 3, 23, 20, 1, 14, tzinfo=UTC)


def test_the_sample_variation_is_named_after_its_parent_and_attributes() -> None:
    parent = fixture("product_variable.json")
    variation = product_from_rest({**fixture("variation.json"), "parent_id": 22}, parent=parent)
    assert (variation.external_id, variation.parent_id, variation.kind) == ("732", "22", "variation")
    assert variation.name == "Ship Your Idea - Black"
    assert variation.tracks_stock is False


def test_manage_stock_parent_is_tracked_and_written_on_the_parent() -> None:
    raw = {**fixture("variation.json"), "parent_id": 22, "manage_stock": "parent", "stock_quantity": 8}
    variation = product_from_rest(raw, parent=fixture("product_variable.json"))
    assert variation.tracks_stock is True and variation.quantity == 8
    assert variation.extra["stock_owner"] == "22"


def test_the_sample_batch_response_gives_one_result_per_item() -> None:
    answer = fixture("products_batch_response.json")["update"]
    request = fixture("products_batch_request.json")["update"]
    updates = [StockUpdate(str(item["id"]), item["stock_quantity"]) for item in request]
    ok, failed = (_result(update, element) for update, element in zip(updates, answer, strict=True))
    assert ok.ok and ok.external_id == "794"
    assert not failed.ok and not failed.retryable
    assert "Invalid ID." in failed.error and "woocommerce_rest_product_invalid_id" in failed.error
