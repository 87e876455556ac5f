"""Pure functions: Shopify JSON -> the connector's dataclasses.

Orders are the REST Order resource (Admin API 2025-10), which is also the body of the `orders/*`
webhooks. Variants are nodes of the GraphQL `productVariants` connection (graphql.VARIANTS_QUERY).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_datetime

from connector.platforms.base import ExternalCustomer, ExternalOrder, ExternalProduct, OrderLine, TaxLine
from connector.platforms.shopify.graphql import gid_number

DEFAULT_VARIANT_TITLE = "Default Title"  # what Shopify calls the only variant of a plain product


def money(value: Any) -> Decimal:
    if value in (None, ""):
        return Decimal("0")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal("0")


def timestamp(value: Any) -> datetime | None:
    if not value:
        return None
    return parse_datetime(str(value))


# --------------------------------------------------------------------------- products
def variant_product(node: Mapping[str, Any], location_id: str) -> ExternalProduct:
    """One productVariants node -> one ExternalProduct (Shopify sells variants, not products)."""
    product = node.get("product") or {}
    item = node.get("inventoryItem") or {}
    level = item.get("inventoryLevel") or None
    quantity: int | None = None
    if level is not None:
        for entry in level.get("quantities") or []:
            if entry.get("name") == "available":
                quantity = int(entry.get("quantity") or 0)
    title = str(product.get("title") or "")
    variant_title = str(node.get("title") or "")
    name = title if variant_title in ("", DEFAULT_VARIANT_TITLE) else f"{title} - {variant_title}"
    return ExternalProduct(
        external_id=str(node["id"]),
        parent_id=str(product.get("id") or ""),
        sku=str(node.get("sku") or ""),
        name=name,
        tracks_stock=bool(item.get("tracked")),
        quantity=quantity,
        version=str(node.get("updatedAt") or ""),
        updated_at=timestamp(node.get("updatedAt")),
        kind="variant",
        # Drafts can still be mapped ahead of launch; archived products are retired.
        active=str(product.get("status") or "ACTIVE").upper() != "ARCHIVED",
        # quantity None: not stocked at our location (a stock update would be refused).
        extra={"inventory_item_id": str(item.get("id") or ""), "location_id": location_id},
        raw=dict(node),
    )


# --------------------------------------------------------------------------- orders
def _taxes(lines: Any) -> tuple[TaxLine, ...]:
    return tuple(
        TaxLine(name=str(t.get("title") or ""), rate=money(t.get("rate")), amount=money(t.get("price")))
        for t in (lines or [])
    )


def _customer(order: Mapping[str, Any]) -> ExternalCustomer:
    """`customer` may be null (guest checkout, POS): fall back to the billing address and email."""
    customer = order.get("customer") or {}
    billing = order.get("billing_address") or {}
    return ExternalCustomer(
        first_name=str(customer.get("first_name") or billing.get("first_name") or ""),
        last_name=str(customer.get("last_name") or billing.get("last_name") or ""),
        email=str(customer.get("email") or order.get("email") or order.get("contact_email") or ""),
        company=str(billing.get("company") or ""),
        external_id=str(customer.get("id") or ""),
    )


def _discount_names(order: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(name, code) per discount application index, as `discount_allocations` point to them."""
    names = []
    for app in order.get("discount_applications") or []:
        code = str(app.get("code") or "")
        names.append((code or str(app.get("title") or app.get("description") or "Discount"), code))
    return names


def _discount_lines(order: Mapping[str, Any]) -> tuple[OrderLine, ...]:
    """One negative line per discount application, summed over the items and shipping it hit.

    Line prices stay gross (price x quantity) and each discount is its own line, so the document
    shows what the shopper saw. Taxes stay as Shopify reported them on each line (already net of
    the discount), never recomputed.
    """
    names = _discount_names(order)
    amounts: dict[int, Decimal] = {}
    for line in [*(order.get("line_items") or []), *(order.get("shipping_lines") or [])]:
        for alloc in line.get("discount_allocations") or []:
            index = int(alloc.get("discount_application_index") or 0)
            amounts[index] = amounts.get(index, Decimal("0")) + money(alloc.get("amount"))
    if not amounts and order.get("discount_codes"):
        # Older payloads without allocations: fall back to the order-level codes.
        return tuple(
            OrderLine(kind="discount", name=str(d.get("code") or "Discount"), quantity=Decimal("1"),
                      unit_price=-money(d.get("amount")), total=-money(d.get("amount")), code=str(d.get("code") or ""))
            for d in order["discount_codes"] if money(d.get("amount"))
        )
    lines = []
    for index in sorted(amounts):
        name, code = names[index] if index < len(names) else ("Discount", "")
        amount = amounts[index]
        if amount:
            lines.append(OrderLine(kind="discount", name=name, quantity=Decimal("1"), unit_price=-amount,
                                   total=-amount, code=code))
    return tuple(lines)


def _product_line(item: Mapping[str, Any]) -> OrderLine:
    quantity = Decimal(int(item.get("quantity") or 0))
    price = money(item.get("price"))
    name = str(item.get("name") or item.get("title") or "")
    return OrderLine(
        kind="product", name=name, quantity=quantity, unit_price=price, total=price * quantity,
        sku=str(item.get("sku") or "").strip(),
        external_product_id=f"gid://shopify/ProductVariant/{item['variant_id']}" if item.get("variant_id") else "",
        taxes=_taxes(item.get("tax_lines")),
    )


def _shipping_line(line: Mapping[str, Any]) -> OrderLine:
    price = money(line.get("price"))
    return OrderLine(kind="shipping", name=str(line.get("title") or "Shipping"), quantity=Decimal("1"),
                     unit_price=price, total=price, code=str(line.get("code") or ""),
                     taxes=_taxes(line.get("tax_lines")))


def order_from_rest(order: Mapping[str, Any]) -> ExternalOrder:
    """A REST Order (or `orders/*` webhook body) -> ExternalOrder."""
    lines: list[OrderLine] = [_product_line(item) for item in order.get("line_items") or []]
    lines += [_shipping_line(s) for s in order.get("shipping_lines") or [] if not s.get("is_removed")]
    lines += list(_discount_lines(order))
    cancelled = bool(order.get("cancelled_at"))
    financial = str(order.get("financial_status") or "")
    created = timestamp(order.get("created_at")) or timestamp(order.get("processed_at"))
    updated = timestamp(order.get("updated_at")) or created
    if created is None or updated is None:
        raise ValueError(f"Shopify order {order.get('id')} has no created_at")
    number = str(order.get("name") or order.get("order_number") or order.get("id")).lstrip("#")
    return ExternalOrder(
        external_id=gid_number(str(order["id"])),
        number=number,
        status="cancelled" if cancelled else financial,
        created_at=created,
        updated_at=updated,
        currency=str(order.get("currency") or ""),
        customer=_customer(order),
        lines=tuple(lines),
        total=money(order.get("total_price")),
        taxes_included=bool(order.get("taxes_included")),
        cancelled=cancelled,
        financial_status=financial,
        raw=dict(order),
    )
