"""The pack's orders/create body mapped to ExternalOrder: lines, taxes as reported, discounts,
shipping, customer, status."""

from __future__ import annotations

from decimal import Decimal

from connector.platforms.shopify.mapping import order_from_rest, variant_product
from tests.platforms.shopify.conftest import fixture


def order():  # type: ignore[no-untyped-def]
    return order_from_rest(fixture("order_webhook.json"))


def test_it_maps_order_identity_and_status() -> None:
    mapped = order()
    assert (mapped.external_id, mapped.number, mapped.currency) == ("450789469", "1001", "USD")
    assert mapped.financial_status == "partially_refunded"
    assert mapped.status == "partially_refunded"
    assert mapped.cancelled is False
    assert mapped.total == Decimal("598.94")
    assert mapped.taxes_included is False


def test_it_maps_line_items_with_skus_and_reported_taxes() -> None:
    products = [line for line in order().lines if line.kind == "product"]
    assert [p.sku for p in products] == ["IPOD2008GREEN", "IPOD2008RED"]
    first = products[0]
    assert (first.quantity, first.unit_price, first.total) == (Decimal("1"), Decimal("199.00"), Decimal("199.00"))
    assert first.external_product_id == "gid://shopify/ProductVariant/39072856"
    assert [(t.name, t.rate, t.amount) for t in first.taxes] == [("State Tax", Decimal("0.06"), Decimal("3.98"))]


def test_it_sums_discount_allocations_into_one_line_per_discount() -> None:
    discounts = [line for line in order().lines if line.kind == "discount"]
    assert len(discounts) == 1
    assert discounts[0].code == "TENOFF"
    assert discounts[0].total == Decimal("-6.67")  # 3.34 + 3.33 allocated to the two items


def test_it_maps_shipping_lines() -> None:
    shipping = [line for line in order().lines if line.kind == "shipping"]
    assert [(s.name, s.code, s.total) for s in shipping] == [("Free Shipping", "Free Shipping", Decimal("0.00"))]


def test_it_maps_the_customer() -> None:
    customer = order().customer
    assert (customer.first_name, customer.last_name, customer.email) == ("Bob", "Norman", "bob.norman@mail.example.com")


def test_it_falls_back_to_billing_address_and_email_for_guests() -> None:
    payload = {**fixture("order_webhook.json"), "customer": None}
    customer = order_from_rest(payload).customer
    assert (customer.first_name, customer.last_name, customer.email) == ("Bob", "Norman", "bob.norman@mail.example.com")


def test_it_marks_cancelled_orders() -> None:
    payload = {**fixture("order_webhook.json"), "cancelled_at": "2008-01-10T12:00:00-05:00", "cancel_reason": "customer",
               "financial_status": "voided"}
    mapped = order_from_rest(payload)
    assert mapped.cancelled is True
    assert mapped.status == "cancelled"
    assert mapped.financial_status == "voided"


def test_it_uses_discount_codes_when_no_allocations_are_given() -> None:
    payload = fixture("order_webhook.json")
    for item in payload["line_items"]:
        item["discount_allocations"] = []
    discounts = [line for line in order_from_rest(payload).lines if line.kind == "discount"]
    assert [(d.code, d.total) for d in discounts] == [("TENOFF", Decimal("-10.00"))]


def test_it_maps_a_variant_node_from_the_pack() -> None:
    node = fixture("graphql_product_variants_by_sku.json")["response"]["data"]["productVariants"]["nodes"][0]
    node = {**node, "inventoryItem": {**node["inventoryItem"], "inventoryLevel": {
        "quantities": [{"name": "available", "quantity": 1}]}}}
    product = variant_product(node, "gid://shopify/Location/655441491")
    assert product.external_id == "gid://shopify/ProductVariant/808950810"
    assert product.parent_id == "gid://shopify/Product/632910392"
    assert (product.sku, product.name, product.tracks_stock, product.quantity) == (
        "IPOD2008PINK", "IPod Nano - 8GB - Pink", True, 1)
    assert product.extra["inventory_item_id"] == "gid://shopify/InventoryItem/808950810"
    assert product.extra["location_id"] == "gid://shopify/Location/655441491"
