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

from emulators.money import MoneyError, amount, rate
from emulators.woocommerce.http import (
    ParamError,
    boolean_param,
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
from emulators.woocommerce.totals import Coupon, compute, money, raw, units

STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "trash",
            "checkout-draft")


class OrderError(ValueError):
    pass


def _address(customer: dict[str, Any], *, email: bool) -> dict[str, Any]:
    address = {"first_name": str(customer.get("first_name") or ""), "last_name": str(customer.get("last_name") or ""),
               "company": str(customer.get("company") or ""), "address_1": "", "address_2": "", "city": "",
               "state": "", "postcode": "", "country": "US"}
    if email:
        address.update(email=str(customer.get("email") or ""), phone="")
    return address


def _coupon(extras: dict[str, Any]) -> Coupon | None:
    """The coupon a control request names: {"code", "amount", "type"} (fixed_cart by default, or
    percent), or a plain `discount` amount taken as a fixed_cart coupon."""
    raw_coupon = extras.get("coupon")
    try:
        if raw_coupon:
            if not isinstance(raw_coupon, dict):
                raise OrderError("coupon must be an object {code, amount, type}")
            kind = str(raw_coupon.get("type") or "fixed_cart")
            if kind not in ("fixed_cart", "percent"):
                raise OrderError("coupon type must be fixed_cart or percent")
            return Coupon(code=str(raw_coupon.get("code") or "coupon"), kind=kind,
                          amount=amount(raw_coupon.get("amount"), "coupon.amount"))
        if extras.get("discount") not in (None, "", 0, "0"):
            return Coupon(code=str(extras.get("discount_code") or "discount"), kind="fixed_cart",
                          amount=amount(extras["discount"], "discount"))
    except MoneyError as exc:
        raise OrderError(str(exc)) from exc
    return None


def _price_inputs(extras: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    try:
        return {"rate_percent": rate(extras.get("tax_rate")) * 100,
                "inclusive": bool(extras.get("prices_include_tax", config.get("prices_include_tax", False))),
                "coupon": _coupon(extras), "shipping": amount(extras.get("shipping"), "shipping"),
                "shipping_taxable": bool(extras.get("shipping_taxable", False)),
                "fees": [("Tip", amount(extras["tip"], "tip"))] if extras.get("tip") not in (None, "", 0, "0") else []}
    except MoneyError as exc:
        raise OrderError(str(exc)) from exc


def _number(value: Decimal) -> int | float:
    """line_items[].price is a JSON number (total / quantity), unlike every other money field."""
    return int(value) if value == value.to_integral_value() else float(value)


def place_order(site: str, lines: list[dict[str, Any]], customer: dict[str, Any] | None = None,
                extras: dict[str, Any] | None = None) -> dict[str, Any]:
    """A paid guest checkout (status processing), totals as WooCommerce's checkout computes them
    (emulators/woocommerce/totals.py). extras: tax_rate (a fraction), prices_include_tax,
    shipping, shipping_taxable, coupon ({"code", "amount", "type"}) or discount, tip, status."""
    extras = extras or {}
    site_store = store(site)
    config = site_store.config()
    inputs = _price_inputs(extras, config)
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
            try:
                unit = amount(line.get("price", product.get("price") or "0"), "price")
            except MoneyError as exc:
                raise OrderError(str(exc)) from exc
            items.append((product, quantity, unit))
        status = str(extras.get("status") or "processing")
        if status not in STATUSES:
            raise OrderError(f"Unknown order status {status!r}")
        totals = compute([(unit, quantity) for _, quantity, unit in items], **inputs)
        taxed = bool(inputs["rate_percent"])
        rate_id = 1
        line_items = []
        for (product, quantity, _unit), line in zip(items, totals.lines, strict=True):
            is_variation = product.get("type") == "variation"
            line_items.append({
                "id": next_id(site), "name": display_name(site, product),
                "product_id": product["parent_id"] if is_variation else product["id"],
                "variation_id": product["id"] if is_variation else 0, "quantity": quantity, "tax_class": "",
                "subtotal": money(line.subtotal), "subtotal_tax": money(line.subtotal_tax),
                "total": money(line.total), "total_tax": money(line.total_tax),
                "taxes": [{"id": rate_id, "total": raw(line.taxes), "subtotal": raw(line.subtotal_taxes)}]
                if taxed else [],
                "meta_data": [], "sku": product.get("sku") or "",
                "price": _number(units(line.total) / quantity),
            })
        coupon = inputs["coupon"]
        coupons = [{"id": next_id(site), "code": coupon.code, "discount": money(totals.coupon_discount),
                    "discount_tax": money(totals.coupon_tax), "meta_data": []}] if coupon is not None else []
        shipping_lines = [{"id": next_id(site), "method_title": "Flat Rate", "method_id": "flat_rate",
                           "total": money(totals.shipping), "total_tax": money(totals.shipping_tax),
                           "taxes": [{"id": rate_id, "total": raw(totals.shipping_tax), "subtotal": ""}]
                           if taxed and totals.shipping_tax else [], "meta_data": []}] if totals.shipping else []
        fee_lines = [{"id": next_id(site), "name": name, "tax_class": "", "tax_status": "none", "amount": money(value),
                      "total": money(value), "total_tax": "0.00", "taxes": [], "meta_data": []}
                     for name, value in totals.fees]
        cart_tax = totals.items_tax
        order_id = next_id(site)
        local, gmt = stamps(site)
        order: dict[str, Any] = {
            "id": order_id, "parent_id": 0, "number": str(order_id), "order_key": "wc_order_" + secrets.token_hex(6),
            "created_via": "checkout", "version": config.get("version", "9.8.0"), "status": status,
            "currency": config.get("currency", "USD"), "date_created": local, "date_created_gmt": gmt,
            "date_modified": local, "date_modified_gmt": gmt, "discount_total": money(totals.coupon_discount),
            "discount_tax": money(totals.coupon_tax), "shipping_total": money(totals.shipping),
            "shipping_tax": money(totals.shipping_tax), "cart_tax": money(cart_tax), "total": money(totals.total),
            "total_tax": money(cart_tax + totals.shipping_tax), "prices_include_tax": totals.inclusive,
            "customer_id": int(customer.get("id") or 0),  # 0: guest checkout
            "customer_ip_address": "", "customer_user_agent": "", "customer_note": "",
            "billing": _address(customer, email=True), "shipping": _address(customer, email=False),
            "payment_method": "bacs", "payment_method_title": "Direct Bank Transfer", "transaction_id": "",
            "date_paid": local if status in ("processing", "completed") else None,
            "date_paid_gmt": gmt if status in ("processing", "completed") else None,
            "date_completed": None, "date_completed_gmt": None, "cart_hash": "", "meta_data": [],
            "line_items": line_items,
            "tax_lines": [{"id": next_id(site), "rate_code": "US-STATE TAX-1", "rate_id": rate_id, "label": "Tax",
                           "compound": False, "tax_total": money(cart_tax),
                           "shipping_tax_total": money(totals.shipping_tax),
                           "rate_percent": float(inputs["rate_percent"]), "meta_data": []}] if taxed else [],
            "shipping_lines": shipping_lines, "fee_lines": fee_lines, "coupon_lines": coupons, "refunds": [],
        }
        if status in ("processing", "completed", "on-hold"):
            for product, quantity, _unit in items:
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
    try:
        dates_are_gmt = boolean_param(request, "dates_are_gmt")
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
