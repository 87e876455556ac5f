"""Control API of the Shopify emulator (same shape for every store platform; no auth: demo and
tests only). GET accounts, GET state, POST orders, POST stock, POST faults, plus
POST orders/<id>/cancel (Shopify-only extra: a cancellation made in the store's admin).

POST orders takes, besides lines and customer: tax_rate (a fraction), prices_include_tax,
shipping, shipping_taxable, discount (or coupon {"code", "amount"}), tip. POST stock is the
merchant's hand edit in Shopify's admin; like every change of `available`, it fires
inventory_levels/update.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from emulators.control import ControlError, control_view, faults_view, json_body, known_account
from emulators.shopify.inventory import level_changed
from emulators.shopify.orders import OrderError, cancel_order, place_order
from emulators.shopify.state import (
    PLATFORM,
    gid,
    next_id,
    put_level,
    store,
    variant_by_sku,
    variant_name,
    variants,
)
from emulators.store import EmulatorStore


def request_id() -> str:
    return str(uuid.uuid4())


def _account(value: Any) -> str:
    return known_account(value, lambda account: store(account).exists(), "shop")


_errors = control_view(OrderError)
# POST _control/orders: {"account", "lines": [{"sku", "qty", "price"?}], "customer"?, and these}.
ORDER_EXTRAS = ("tax_rate", "prices_include_tax", "shipping", "shipping_taxable", "discount", "discount_code",
                "coupon", "tip")


@_errors
def accounts(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"accounts": EmulatorStore.accounts(PLATFORM)})


@_errors
def state(request: HttpRequest) -> HttpResponse:
    shop = _account(request.GET.get("account"))
    shop_store = store(shop)
    location = shop_store.config()["location_id"]
    products = []
    for variant in variants(shop):
        level = shop_store.get("levels", f"{variant['inventory_item_id']}:{location}") or {}
        products.append({"id": gid("ProductVariant", variant["id"]), "parent_id": gid("Product", variant["product_id"]),
                         "sku": variant["sku"], "name": variant_name(shop, variant), "tracks_stock": variant["tracked"],
                         "quantity": level.get("available")})
    orders = [{"id": str(o["id"]), "number": str(o["order_number"]), "email": o.get("email") or "",
               "lines": [{"sku": li["sku"], "qty": li["quantity"]} for li in o["line_items"]],
               # As the store reports it: total_price, and the order's state in Shopify's words.
               "total": o["total_price"], "currency": o["currency"], "total_tax": o["total_tax"],
               "taxes_included": o.get("taxes_included", False),
               "status": "cancelled" if o.get("cancelled_at") else o["financial_status"],
               "financial_status": o["financial_status"], "cancelled_at": o.get("cancelled_at")}
              for o in sorted(shop_store.all("orders"), key=lambda o: o["id"])]
    return JsonResponse({"products": products, "orders": orders})


@_errors
def orders(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    data = json_body(request)
    shop = _account(data.get("account"))
    lines = data.get("lines") or []
    if not isinstance(lines, list) or not lines:
        raise ControlError("An order needs at least one line")
    extras = {k: data[k] for k in ORDER_EXTRAS if k in data}
    order = place_order(shop, lines, data.get("customer") or None, extras)
    return JsonResponse({"id": str(order["id"]), "number": str(order["order_number"])})


@_errors
def cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    data = json_body(request)
    order = cancel_order(_account(data.get("account")), order_id, str(data.get("reason") or "customer"))
    return JsonResponse({"id": str(order["id"]), "number": str(order["order_number"]),
                         "cancelled_at": order["cancelled_at"]})


@_errors
def stock(request: HttpRequest) -> HttpResponse:
    """A stock edit in Shopify's admin: sets `available` and fires inventory_levels/update."""
    if request.method != "POST":
        return HttpResponse(status=405)
    data = json_body(request)
    shop = _account(data.get("account"))
    try:
        quantity = int(data["quantity"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ControlError("quantity must be an integer") from exc
    variant = variant_by_sku(shop, str(data.get("sku") or ""))
    if variant is None:
        raise ControlError(f"No variant with SKU {data.get('sku')!r} in {shop}")
    shop_store = store(shop)
    location = shop_store.config()["location_id"]
    with transaction.atomic():
        level = shop_store.get_for_update("levels", f"{variant['inventory_item_id']}:{location}")
        if level is None:
            raise ControlError("That variant is not stocked at the shop's location")
        level["available"] = quantity
        put_level(shop, level)
        level_changed(shop, level)
    return JsonResponse({"id": gid("ProductVariant", variant["id"]), "sku": variant["sku"], "quantity": quantity})


@_errors
def faults(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    try:
        return faults_view(PLATFORM, request)
    except ValueError as exc:
        raise ControlError(str(exc)) from exc


def subscribe(shop: str, address: str, topics: Iterable[str]) -> None:
    """Create subscriptions directly (emulator_connect), skipping ones that exist."""
    shop_store = store(shop)
    existing = {(w["topic"], w["uri"]) for w in shop_store.all("webhooks")}
    for topic in topics:
        enum = topic.upper().replace("/", "_")
        if (enum, address) not in existing:
            number = next_id(shop)
            shop_store.put("webhooks", number, {"id": number, "topic": enum, "uri": address})
