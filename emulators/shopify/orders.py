"""Orders in the Shopify emulator: placing one as a shopper would (stock moves from available to
committed for tracked variants), cancelling, and the REST 2025-10 endpoints with `Link` cursor
pagination (page_info opaque; with it only `limit` and `fields` may be sent; status=open default).
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils.dateparse import parse_datetime

from emulators.money import MoneyError, amount, rate, text
from emulators.shopify.http import webhooks_deliver
from emulators.shopify.inventory import level_changed
from emulators.shopify.pricing import Pricing, money_set, price
from emulators.shopify.state import gid, next_id, now_iso, put_level, store, variant_by_sku

FILTERS = ("status", "updated_at_min", "updated_at_max", "created_at_min", "created_at_max", "since_id", "ids",
           "financial_status", "order")


class OrderError(ValueError):
    pass


def pricing_from(extras: dict[str, Any], config: dict[str, Any]) -> Pricing:
    """The order's pricing inputs from a control request (see control.orders), checked."""
    try:
        coupon = extras.get("coupon") or {}
        if not isinstance(coupon, dict):
            raise OrderError("coupon must be an object {code, amount}")
        discount = amount(extras.get("discount"), "discount") + amount(coupon.get("amount"), "coupon.amount")
        return Pricing(tax_rate=rate(extras.get("tax_rate")),
                       taxes_included=bool(extras.get("prices_include_tax", config.get("taxes_included", False))),
                       shipping=amount(extras.get("shipping"), "shipping"),
                       shipping_taxable=bool(extras.get("shipping_taxable", False)), discount=discount,
                       discount_code=str(coupon.get("code") or extras.get("discount_code") or ""),
                       tip=amount(extras.get("tip"), "tip"), currency=str(config.get("currency", "USD")))
    except MoneyError as exc:
        raise OrderError(str(exc)) from exc


def _unit_price(variant: dict[str, Any], line: dict[str, Any]) -> Decimal:
    try:
        return amount(line.get("price", variant["price"]), "price")
    except MoneyError as exc:
        raise OrderError(str(exc)) from exc


def place_order(shop: str, lines: list[dict[str, Any]], customer: dict[str, Any] | None = None,
                extras: dict[str, Any] | None = None) -> dict[str, Any]:
    """Create an order; tracked variants lose `available` and gain `committed` (unfulfilled), and
    each level that moved fires `inventory_levels/update`, as a checkout does in Shopify."""
    shop_store = store(shop)
    config = shop_store.config()
    pricing = pricing_from(extras or {}, config)
    location = config["location_id"]
    currency = pricing.currency
    with transaction.atomic():
        items = []
        for line in lines:
            variant = variant_by_sku(shop, str(line.get("sku") or ""))
            if variant is None:
                raise OrderError(f"No variant with SKU {line.get('sku')!r} in {shop}")
            quantity = int(line.get("qty") or line.get("quantity") or 1)
            if quantity < 1:
                raise OrderError("Quantities must be at least 1")
            items.append((variant, quantity, _unit_price(variant, line)))
        money_items, money = price([unit * quantity for _, quantity, unit in items], pricing)
        line_items = []
        for (variant, quantity, unit), money_item in zip(items, money_items, strict=True):
            if variant["tracked"]:
                level = shop_store.get_for_update("levels", f"{variant['inventory_item_id']}:{location}")
                if level is not None:
                    level["available"] -= quantity
                    level["committed"] += quantity
                    put_level(shop, level)
                    level_changed(shop, level)
            product = shop_store.get("products", variant["product_id"]) or {}
            line_items.append({
                "id": next_id(shop), "admin_graphql_api_id": "", "product_id": variant["product_id"],
                "variant_id": variant["id"], "sku": variant["sku"], "title": product.get("title", ""),
                "variant_title": None if variant["title"] == "Default Title" else variant["title"],
                "name": product.get("title", "") if variant["title"] == "Default Title"
                else f"{product.get('title', '')} - {variant['title']}",
                "quantity": quantity, "current_quantity": quantity, "fulfillable_quantity": quantity,
                "price": text(unit), "price_set": money_set(unit, currency), "taxable": bool(pricing.tax_rate),
                "requires_shipping": True, "gift_card": False, "fulfillment_status": None, **money_item,
            })
        number = shop_store.next_id("order_number", start=1001)
        order_id = next_id(shop)
        stamp = now_iso()
        customer = customer or {}
        for shipping_line in money["shipping_lines"]:
            shipping_line["id"] = next_id(shop)
        order = {
            "id": order_id, "admin_graphql_api_id": gid("Order", order_id), "name": f"#{number}",
            "order_number": number, "number": number - 1000, "email": customer.get("email", ""),
            "contact_email": customer.get("email", ""), "created_at": stamp, "updated_at": stamp,
            "processed_at": stamp, "cancelled_at": None, "cancel_reason": None, "closed_at": None, "test": False,
            "currency": currency, "presentment_currency": currency, "financial_status": "paid",
            "fulfillment_status": None, **money,
            "customer": {"id": next_id(shop), "email": customer.get("email", ""),
                         "first_name": customer.get("first_name", ""), "last_name": customer.get("last_name", "")}
            if customer else None,
            "billing_address": {"first_name": customer.get("first_name", ""), "last_name": customer.get("last_name", ""),
                                "company": None} if customer else None,
            "line_items": line_items,
            "refunds": [],
        }
        for item in order["line_items"]:
            item["admin_graphql_api_id"] = gid("LineItem", item["id"])
        shop_store.put("orders", order_id, order)
        webhooks_deliver(shop, "orders/create", order)
    return order


def cancel_order(shop: str, order_id: int, reason: str = "customer") -> dict[str, Any]:
    shop_store = store(shop)
    location = shop_store.config()["location_id"]
    with transaction.atomic():
        order = shop_store.get_for_update("orders", order_id)
        if order is None:
            raise OrderError(f"No order {order_id} in {shop}")
        if order.get("cancelled_at"):
            return order
        for item in order["line_items"]:
            variant = shop_store.get("variants", item["variant_id"]) or {}
            level = shop_store.get_for_update("levels", f"{variant.get('inventory_item_id')}:{location}")
            if variant.get("tracked") and level is not None:  # restock what was committed
                level["available"] += item["quantity"]
                level["committed"] -= item["quantity"]
                put_level(shop, level)
                level_changed(shop, level)
        stamp = now_iso()
        order.update(cancelled_at=stamp, cancel_reason=reason, updated_at=stamp, closed_at=stamp,
                     financial_status="refunded" if order["financial_status"] == "paid" else "voided")
        shop_store.put("orders", order_id, order)
        webhooks_deliver(shop, "orders/cancelled", order)
        webhooks_deliver(shop, "orders/updated", order)
    return order


# --------------------------------------------------------------------------- REST listing
def _encode(filters: dict[str, str], offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"f": filters, "o": offset}).encode()).decode().rstrip("=")


def _decode(token: str) -> tuple[dict[str, str], int]:
    data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    return dict(data["f"]), int(data["o"])


def _when(value: str) -> Any:
    parsed = parse_datetime(value)
    if parsed is None:
        raise OrderError(f"{value!r} is not a date")
    return parsed


def filter_orders(shop: str, filters: dict[str, str]) -> list[dict[str, Any]]:
    rows = store(shop).all("orders")
    status = filters.get("status", "open")
    if status == "open":
        rows = [o for o in rows if not o.get("cancelled_at") and not o.get("closed_at")]
    elif status == "closed":
        rows = [o for o in rows if o.get("closed_at")]
    elif status == "cancelled":
        rows = [o for o in rows if o.get("cancelled_at")]
    for key, field, newer in (("updated_at_min", "updated_at", True), ("updated_at_max", "updated_at", False),
                              ("created_at_min", "created_at", True), ("created_at_max", "created_at", False)):
        if filters.get(key):
            bound = _when(filters[key])
            rows = [o for o in rows if (_when(o[field]) >= bound if newer else _when(o[field]) <= bound)]
    if filters.get("since_id"):
        rows = [o for o in rows if o["id"] > int(filters["since_id"])]
    if filters.get("ids"):
        wanted = {int(i) for i in filters["ids"].split(",") if i.strip()}
        rows = [o for o in rows if o["id"] in wanted]
    if filters.get("financial_status") and filters["financial_status"] != "any":
        rows = [o for o in rows if o.get("financial_status") == filters["financial_status"]]
    order = filters.get("order", "created_at desc").split()
    field, descending = (order[0] if order else "created_at"), (len(order) > 1 and order[1].lower() == "desc")
    if field not in ("created_at", "updated_at", "processed_at", "id"):
        field = "created_at"
    key = (lambda o: o["id"]) if field == "id" else (lambda o: (_when(o[field]), o["id"]))
    return sorted(rows, key=key, reverse=descending)


def list_page(request: HttpRequest, shop: str) -> JsonResponse:
    params = request.GET
    try:
        limit = max(1, min(int(params.get("limit") or 50), 250))
    except ValueError:
        return JsonResponse({"errors": {"limit": ["is not a number"]}}, status=400)
    try:
        if params.get("page_info"):
            if set(params) - {"page_info", "limit", "fields"}:
                return JsonResponse({"errors": {"page_info": ["only limit and fields may accompany page_info"]}},
                                    status=400)
            filters, offset = _decode(params["page_info"])
        else:
            filters, offset = {k: params[k] for k in FILTERS if params.get(k)}, 0
        rows = filter_orders(shop, filters)
    except (OrderError, ValueError, KeyError):
        return JsonResponse({"errors": "Invalid parameters"}, status=400)
    page = rows[offset:offset + limit]
    fields = [f for f in params.get("fields", "").split(",") if f]
    if fields:
        page = [{k: v for k, v in o.items() if k in fields} for o in page]
    response = JsonResponse({"orders": page})
    base = request.build_absolute_uri(request.path)
    keep = {"fields": params["fields"]} if params.get("fields") else {}
    links = []
    if offset + limit < len(rows):
        query = urlencode({"limit": limit, **keep, "page_info": _encode(filters, offset + limit)})
        links.append(f'<{base}?{query}>; rel="next"')
    if offset > 0:
        query = urlencode({"limit": limit, **keep, "page_info": _encode(filters, max(0, offset - limit))})
        links.append(f'<{base}?{query}>; rel="previous"')
    if links:
        response["Link"] = ", ".join(links)
    return response
