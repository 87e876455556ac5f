"""Orders in the WooCommerce emulator: placing one as a shopper would (stock of managed products
drops when the order is paid, as wc_maybe_reduce_stock_levels does), and `GET /orders` with its
date filters (reference pack 3.1-3.3)."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from emulators.woocommerce.http import (
    ParamError,
    collection,
    invalid_param,
    webhooks_deliver,
    wp_error,
)
from emulators.woocommerce.state import (
    by_sku,
    display_name,
    next_id,
    parse_gmt,
    put_product,
    site_offset,
    stamps,
    stock_holder,
    store,
    touch,
)

STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "trash",
            "checkout-draft")


class OrderError(ValueError):
    pass


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _address(customer: dict[str, Any], *, email: bool) -> dict[str, Any]:
    address = {"first_name": str(customer.get("first_name") or ""), "last_name": str(customer.get("last_name") or ""),
               "company": str(customer.get("company") or ""), "address_1": "", "address_2": "", "city": "",
               "state": "", "postcode": "", "country": "US"}
    if email:
        address.update(email=str(customer.get("email") or ""), phone="")
    return address


def place_order(site: str, lines: list[dict[str, Any]], customer: dict[str, Any] | None = None,
                extras: dict[str, Any] | None = None) -> dict[str, Any]:
    """A paid guest checkout (status processing). extras: tax_rate (e.g. "0.075"), shipping
    (amount), coupon ({"code", "amount"}), status."""
    extras = extras or {}
    site_store = store(site)
    config = site_store.config()
    tax_rate = Decimal(str(extras.get("tax_rate") or "0"))
    customer = customer or {}
    with transaction.atomic():
        items = []
        for line in lines:
            product = by_sku(site, str(line.get("sku") or ""))
            if product is None or product.get("type") in ("variable", "grouped", "external"):
                raise OrderError(f"No purchasable product with SKU {line.get('sku')!r} in {site}")
            quantity = int(line.get("qty") or line.get("quantity") or 1)
            if quantity < 1:
                raise OrderError("Quantities must be at least 1")
            items.append((product, quantity))
        status = str(extras.get("status") or "processing")
        if status not in STATUSES:
            raise OrderError(f"Unknown order status {status!r}")
        rate_id = 1
        line_items, subtotal, cart_tax = [], Decimal("0"), Decimal("0")
        for product, quantity in items:
            price = Decimal(str(product.get("price") or "0"))
            amount = price * quantity
            tax = (amount * tax_rate).quantize(Decimal("0.01"))
            subtotal += amount
            cart_tax += tax
            is_variation = product.get("type") == "variation"
            line_items.append({
                "id": next_id(site), "name": display_name(site, product),
                "product_id": product["parent_id"] if is_variation else product["id"],
                "variation_id": product["id"] if is_variation else 0, "quantity": quantity, "tax_class": "",
                "subtotal": _money(amount), "subtotal_tax": _money(tax), "total": _money(amount),
                "total_tax": _money(tax),
                "taxes": [{"id": rate_id, "total": str(tax.normalize()), "subtotal": str(tax.normalize())}] if tax_rate else [],
                "meta_data": [], "sku": product.get("sku") or "",
                "price": int(price) if price == price.to_integral_value() else float(price),  # a JSON number
            })
        discount = Decimal("0")
        coupons = []
        if extras.get("coupon"):
            discount = Decimal(str(extras["coupon"].get("amount") or "0"))
            coupons.append({"id": next_id(site), "code": str(extras["coupon"].get("code") or "coupon"),
                            "discount": _money(discount), "discount_tax": "0.00", "meta_data": []})
            for item in line_items:  # spread over the first line, as a fixed-cart coupon on one item
                item["total"] = _money(Decimal(item["total"]) - discount)
                break
        shipping = Decimal(str(extras.get("shipping") or "0"))
        order_id = next_id(site)
        local, gmt = stamps(site)
        total = subtotal - discount + cart_tax + shipping
        order: dict[str, Any] = {
            "id": order_id, "parent_id": 0, "number": str(order_id), "order_key": "wc_order_" + secrets.token_hex(6),
            "created_via": "checkout", "version": config.get("version", "9.8.0"), "status": status,
            "currency": config.get("currency", "USD"), "date_created": local, "date_created_gmt": gmt,
            "date_modified": local, "date_modified_gmt": gmt, "discount_total": _money(discount),
            "discount_tax": "0.00", "shipping_total": _money(shipping), "shipping_tax": "0.00",
            "cart_tax": _money(cart_tax), "total": _money(total), "total_tax": _money(cart_tax),
            "prices_include_tax": bool(config.get("prices_include_tax")),
            "customer_id": int(customer.get("id") or 0),  # 0: guest checkout
            "customer_ip_address": "", "customer_user_agent": "", "customer_note": "",
            "billing": _address(customer, email=True), "shipping": _address(customer, email=False),
            "payment_method": "bacs", "payment_method_title": "Direct Bank Transfer", "transaction_id": "",
            "date_paid": local if status in ("processing", "completed") else None,
            "date_paid_gmt": gmt if status in ("processing", "completed") else None,
            "date_completed": None, "date_completed_gmt": None, "cart_hash": "", "meta_data": [],
            "line_items": line_items,
            "tax_lines": [{"id": next_id(site), "rate_code": "US-STATE TAX", "rate_id": rate_id, "label": "State Tax",
                           "compound": False, "tax_total": _money(cart_tax), "shipping_tax_total": "0.00",
                           "meta_data": []}] if tax_rate else [],
            "shipping_lines": [{"id": next_id(site), "method_title": "Flat Rate", "method_id": "flat_rate",
                                "total": _money(shipping), "total_tax": "0.00", "taxes": [], "meta_data": []}]
            if shipping else [],
            "fee_lines": [], "coupon_lines": coupons, "refunds": [],
        }
        if status in ("processing", "completed", "on-hold"):
            for product, quantity in items:
                holder = stock_holder(site, product)
                if holder is not None and holder.get("stock_quantity") is not None:
                    holder = store(site).get("variations" if holder.get("type") == "variation" else "products",
                                             holder["id"]) or holder
                    holder["stock_quantity"] = int(holder["stock_quantity"]) - quantity
                    put_product(site, holder)  # a direct stock write: no product.updated
        store(site).put("orders", order_id, order)
        if status not in ("checkout-draft", "auto-draft"):
            webhooks_deliver(site, "order.created", render_order(site, order), resource_id=order_id)
    return order


def update_status(site: str, order_id: int, status: str) -> dict[str, Any]:
    with transaction.atomic():
        order = store(site).get_for_update("orders", order_id)
        if order is None:
            raise OrderError(f"No order {order_id} in {site}")
        order["status"] = status
        touch(site, order)
        store(site).put("orders", order_id, order)
        webhooks_deliver(site, "order.updated", render_order(site, order), resource_id=order_id)
    return order


def render_order(site: str, order: dict[str, Any]) -> dict[str, Any]:
    home = str(store(site).config().get("home_url") or f"https://{site}").rstrip("/")
    return {**order, "_links": {"self": [{"href": f"{home}/wp-json/wc/v3/orders/{order['id']}"}],
                                "collection": [{"href": f"{home}/wp-json/wc/v3/orders"}]}}


# --------------------------------------------------------------------------- REST
def _bound(site: str, value: str, dates_are_gmt: bool) -> datetime:
    """A date filter as GMT. Without dates_are_gmt WordPress reads it in the site's timezone."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ParamError("modified_after", "Invalid date.") from exc
    if parsed.tzinfo is not None:
        parsed = parse_gmt(parsed.isoformat()).replace(tzinfo=None)
    elif not dates_are_gmt:
        parsed = parsed - site_offset(site)  # local wall time -> GMT
    return parse_gmt(parsed.isoformat())


def list_orders(request: HttpRequest, site: str) -> HttpResponse:
    params = request.GET
    rows = store(site).all("orders")
    dates_are_gmt = params.get("dates_are_gmt", "false").lower() in ("1", "true")
    try:
        for key, field, newer in (("modified_after", "date_modified_gmt", True),
                                  ("modified_before", "date_modified_gmt", False),
                                  ("after", "date_created_gmt", True), ("before", "date_created_gmt", False)):
            if params.get(key):
                bound = _bound(site, params[key], dates_are_gmt)
                # WP_Date_Query bounds are exclusive.
                rows = [o for o in rows if (parse_gmt(o[field]) > bound if newer else parse_gmt(o[field]) < bound)]
        status = [s for s in params.get("status", "any").split(",") if s]
        if status and "any" not in status:
            rows = [o for o in rows if o["status"] in status]
        else:
            rows = [o for o in rows if o["status"] not in ("trash", "checkout-draft")]
        if params.get("include"):
            wanted = {int(i) for i in params["include"].split(",") if i.strip().isdigit()}
            rows = [o for o in rows if o["id"] in wanted]
        if params.get("exclude"):
            unwanted = {int(i) for i in params["exclude"].split(",") if i.strip().isdigit()}
            rows = [o for o in rows if o["id"] not in unwanted]
        if params.get("customer"):
            rows = [o for o in rows if str(o["customer_id"]) == params["customer"]]
        orderby = params.get("orderby", "date")
        descending = params.get("order", "desc").lower() != "asc"
        if orderby == "id" or orderby == "include":
            rows.sort(key=lambda o: o["id"], reverse=descending)
        elif orderby in ("date", "modified"):
            field = "date_created_gmt" if orderby == "date" else "date_modified_gmt"
            rows.sort(key=lambda o: (o[field], o["id"]), reverse=descending)
        else:
            raise ParamError("orderby", "orderby is not one of date, id, include, title, and slug.")
        return collection(request, [render_order(site, o) for o in rows])
    except ParamError as exc:
        return invalid_param(exc)


def get_order(site: str, order_id: int) -> HttpResponse:
    order = store(site).get("orders", order_id)
    if order is None:
        return wp_error("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404)
    return JsonResponse(render_order(site, order))
