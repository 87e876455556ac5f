"""WooCommerce REST v3 JSON -> the connector's dataclasses (pure functions, no HTTP).

Money arrives as strings with two decimals, except `line_items[].price`, a JSON number that is
not reliably the pre-discount unit price (reference pack 3.2): amounts come from the `subtotal` /
`total` strings instead. Dates: the `*_gmt` twins are used (the plain ones are site-local time).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_datetime

from connector.platforms.base import ExternalCustomer, ExternalOrder, ExternalProduct, OrderLine, TaxLine


def money(value: Any) -> Decimal:
    if value in (None, ""):
        return Decimal("0")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal("0")


def gmt(record: Mapping[str, Any], name: str) -> datetime | None:
    """`date_modified_gmt` (no offset, UTC) -> aware datetime; falls back to the local field only
    when the GMT twin is missing (then the offset, if any, is honoured)."""
    raw = record.get(f"{name}_gmt") or record.get(name)
    if not raw:
        return None
    parsed = parse_datetime(str(raw))
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --------------------------------------------------------------------------- products
def manages_stock(record: Mapping[str, Any]) -> bool:
    """`manage_stock` is a boolean, or the string "parent" on a variation whose parent holds the
    stock (reference pack 2.2, woocommerce#19598; the docs say boolean, so both are accepted)."""
    value = record.get("manage_stock")
    return value is True or value == "parent"


def product_from_rest(record: Mapping[str, Any], parent: Mapping[str, Any] | None = None) -> ExternalProduct:
    """A product or variation -> ExternalProduct. A variation gets its parent's name as prefix and,
    when its stock is managed by the parent, `extra["stock_owner"]` = the parent's id: stock
    updates for it are written to the parent (sending "parent" would only mean `false`)."""
    parent = parent or {}
    is_variation = bool(record.get("parent_id")) and (record.get("type") in (None, "variation") or bool(parent))
    name = str(record.get("name") or "")
    if is_variation:
        options = " / ".join(str(a.get("option") or "") for a in record.get("attributes") or [] if a.get("option"))
        base = str(parent.get("name") or "")
        name = name or " - ".join(part for part in (base, options) if part) or base
    quantity = record.get("stock_quantity")
    extra: dict[str, Any] = {"type": "variation" if is_variation else str(record.get("type") or "simple"),
                             "manage_stock": record.get("manage_stock")}
    if record.get("manage_stock") == "parent":
        extra["stock_owner"] = str(record.get("parent_id"))
    return ExternalProduct(
        external_id=str(record["id"]),
        parent_id=str(record.get("parent_id") or "") if is_variation else "",
        sku=str(record.get("sku") or "").strip(),
        name=name,
        tracks_stock=manages_stock(record),
        quantity=int(quantity) if manages_stock(record) and quantity is not None else None,
        version=str(record.get("date_modified_gmt") or ""),
        updated_at=gmt(record, "date_modified"),
        kind="variation" if is_variation else str(record.get("type") or "simple"),
        # Drafts and private products can be mapped ahead of launch; trashed ones are retired.
        active=str(record.get("status") or "publish") != "trash",
        extra=extra,
        raw=dict(record),
    )


# --------------------------------------------------------------------------- orders
def _taxes(entries: Any, rates: Mapping[int, tuple[str, Decimal]], field: str = "total") -> tuple[TaxLine, ...]:
    """Per-line `taxes[{id, total, subtotal}]`: `id` points at a tax_lines entry's rate_id. An
    empty amount ("" when the line is not taxed by that rate) is skipped."""
    taxes = []
    for entry in entries or []:
        amount = entry.get(field)
        if amount in (None, ""):
            continue
        label, rate = rates.get(int(entry.get("id") or 0), (f"Tax {entry.get('id')}", Decimal("0")))
        taxes.append(TaxLine(name=label, rate=rate, amount=money(amount)))
    return tuple(taxes)


def _rates(order: Mapping[str, Any]) -> dict[int, tuple[str, Decimal]]:
    """rate_id -> (label, percent). `rate_percent` exists on newer cores only (UNCONFIRMED in the
    v3 docs): without it the rate is reported as 0 and the tax amounts stay as WooCommerce gave them."""
    rates = {}
    for line in order.get("tax_lines") or []:
        label = str(line.get("label") or line.get("rate_code") or "Tax")
        rates[int(line.get("rate_id") or 0)] = (label, money(line.get("rate_percent")))
    return rates


def _customer(order: Mapping[str, Any]) -> ExternalCustomer:
    """The buyer is `billing` (there is no top-level email); customer_id 0 is a guest checkout."""
    billing = order.get("billing") or {}
    shipping = order.get("shipping") or {}
    customer_id = int(order.get("customer_id") or 0)
    return ExternalCustomer(
        first_name=str(billing.get("first_name") or shipping.get("first_name") or ""),
        last_name=str(billing.get("last_name") or shipping.get("last_name") or ""),
        email=str(billing.get("email") or "").strip(),
        company=str(billing.get("company") or shipping.get("company") or ""),
        external_id=str(customer_id) if customer_id else "",
    )


def _product_line(item: Mapping[str, Any], rates: Mapping[int, tuple[str, Decimal]]) -> OrderLine:
    quantity = Decimal(int(item.get("quantity") or 0))
    subtotal = money(item.get("subtotal"))  # before coupons, excluding tax
    unit = (subtotal / quantity).quantize(Decimal("0.0001")) if quantity else subtotal
    variation = int(item.get("variation_id") or 0)
    return OrderLine(
        kind="product", name=str(item.get("name") or ""), quantity=quantity, unit_price=unit, total=subtotal,
        sku=str(item.get("sku") or "").strip(),
        external_product_id=str(variation or item.get("product_id") or ""),
        # Taxes before coupons, to match the gross line; the coupon lines carry their discount_tax.
        taxes=_taxes(item.get("taxes"), rates, "subtotal"),
    )


def _shipping_line(line: Mapping[str, Any], rates: Mapping[int, tuple[str, Decimal]]) -> OrderLine:
    total = money(line.get("total"))
    return OrderLine(kind="shipping", name=str(line.get("method_title") or "Shipping"), quantity=Decimal("1"),
                     unit_price=total, total=total, code=str(line.get("method_id") or ""),
                     taxes=_taxes(line.get("taxes"), rates))


def _fee_line(line: Mapping[str, Any], rates: Mapping[int, tuple[str, Decimal]]) -> OrderLine:
    total = money(line.get("total"))  # negative for a fee used as a discount
    return OrderLine(kind="fee", name=str(line.get("name") or "Fee"), quantity=Decimal("1"), unit_price=total,
                     total=total, code=str(line.get("tax_class") or ""), taxes=_taxes(line.get("taxes"), rates))


def _coupon_line(line: Mapping[str, Any]) -> OrderLine:
    """A coupon as one negative line (its discount excludes tax; discount_tax is the tax it removed)."""
    amount = money(line.get("discount"))
    code = str(line.get("code") or "")
    tax = money(line.get("discount_tax"))
    taxes = (TaxLine(name="Discount tax", rate=Decimal("0"), amount=-tax),) if tax else ()
    return OrderLine(kind="discount", name=code or "Coupon", quantity=Decimal("1"), unit_price=-amount,
                     total=-amount, code=code, taxes=taxes)


def order_from_rest(order: Mapping[str, Any]) -> ExternalOrder:
    """GET /orders/<id> (or an order.* webhook body) -> ExternalOrder.

    Product lines are gross (subtotal = before coupons); each coupon is its own negative line, so
    the document shows what the shopper saw. Taxes are as WooCommerce reported them, never
    recomputed. Refunds are not lines: `raw["refunds"]` keeps them for whoever posts credit notes.
    """
    rates = _rates(order)
    lines: list[OrderLine] = [_product_line(item, rates) for item in order.get("line_items") or []]
    lines += [_shipping_line(s, rates) for s in order.get("shipping_lines") or []]
    lines += [_fee_line(f, rates) for f in order.get("fee_lines") or []]
    lines += [_coupon_line(c) for c in order.get("coupon_lines") or [] if money(c.get("discount"))]
    created = gmt(order, "date_created")
    updated = gmt(order, "date_modified") or created
    if created is None or updated is None:
        raise ValueError(f"WooCommerce order {order.get('id')} has no date_created")
    status = str(order.get("status") or "")
    return ExternalOrder(
        external_id=str(order["id"]),
        number=str(order.get("number") or order["id"]),
        status=status,
        created_at=created,
        updated_at=updated,
        currency=str(order.get("currency") or ""),
        customer=_customer(order),
        lines=tuple(lines),
        total=money(order.get("total")),
        taxes_included=bool(order.get("prices_include_tax")),
        cancelled=status in ("cancelled", "trash"),
        financial_status="paid" if order.get("date_paid_gmt") or order.get("date_paid") else "",
        raw=dict(order),
    )
