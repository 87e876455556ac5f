"""Control API of the WooCommerce emulator (the same shape for every store platform; no auth: demo
and tests only). GET accounts, GET state, POST orders, POST stock, POST faults, plus
POST orders/<id>/status (a status change made in the store's admin, fires order.updated).

POST orders takes, besides lines and customer: tax_rate (a fraction), prices_include_tax (the
store's "prices entered with tax" setting for this order), shipping, shipping_taxable, coupon
{"code", "amount", "type": "fixed_cart" | "percent"} or discount (a fixed_cart amount), tip (a
fee line) and status; totals are computed as WooCommerce's checkout computes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from emulators.control import ControlError, control_view, faults_view, json_body, known_account
from emulators.store import EmulatorStore
from emulators.woocommerce.http import webhooks_deliver
from emulators.woocommerce.orders import STATUSES, OrderError, place_order, update_status
from emulators.woocommerce.products import render
from emulators.woocommerce.state import (
    PLATFORM,
    all_products,
    all_variations,
    by_sku,
    display_name,
    put_product,
    stock_holder,
    store,
    touch,
)


def _account(value: Any) -> str:
    return known_account(value, lambda account: store(account).exists(), "site")


_errors = control_view(OrderError)
# POST _control/orders: {"account", "lines": [{"sku", "qty", "price"?}], "customer"?, and these}.
ORDER_EXTRAS = ("tax_rate", "prices_include_tax", "shipping", "shipping_taxable", "coupon", "discount",
                "discount_code", "tip", "status")


@_errors
def accounts(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"accounts": EmulatorStore.accounts(PLATFORM)})


def _row(site: str, record: dict[str, Any]) -> dict[str, Any]:
    holder = stock_holder(site, record)
    return {"id": str(record["id"]), "parent_id": str(record["parent_id"]) if record.get("parent_id") else "",
            "sku": record.get("sku") or "", "name": display_name(site, record), "tracks_stock": holder is not None,
            "quantity": holder.get("stock_quantity") if holder is not None else None}


@_errors
def state(request: HttpRequest) -> HttpResponse:
    site = _account(request.GET.get("account"))
    products = [_row(site, p) for p in sorted([*all_products(site), *all_variations(site)], key=lambda r: r["id"])]
    orders = [{"id": str(o["id"]), "number": str(o["number"]), "email": (o.get("billing") or {}).get("email") or "",
               "status": o["status"], "lines": [{"sku": li["sku"], "qty": li["quantity"]} for li in o["line_items"]],
               # As the store reports it (the REST order's own fields).
               "total": o["total"], "currency": o["currency"], "total_tax": o["total_tax"],
               "prices_include_tax": o["prices_include_tax"]}
              for o in sorted(store(site).all("orders"), key=lambda o: o["id"])]
    return JsonResponse({"products": products, "orders": orders})


@_errors
def orders(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    data = json_body(request)
    site = _account(data.get("account"))
    lines = data.get("lines") or []
    if not isinstance(lines, list) or not lines:
        raise ControlError("An order needs at least one line")
    extras = {k: data[k] for k in ORDER_EXTRAS if k in data}
    order = place_order(site, lines, data.get("customer") or None, extras)
    return JsonResponse({"id": str(order["id"]), "number": str(order["number"])})


@_errors
def order_status(request: HttpRequest, order_id: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    data = json_body(request)
    status = str(data.get("status") or "")
    if status not in STATUSES:
        raise ControlError(f"Unknown order status {status!r}")
    order = update_status(_account(data.get("account")), order_id, status)
    return JsonResponse({"id": str(order["id"]), "number": str(order["number"]), "status": order["status"]})


@_errors
def stock(request: HttpRequest) -> HttpResponse:
    """A stock edit in WP admin: saves the product (or the parent holding a variation's stock)
    and fires product.updated."""
    if request.method != "POST":
        return HttpResponse(status=405)
    data = json_body(request)
    site = _account(data.get("account"))
    try:
        quantity = int(data["quantity"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ControlError("quantity must be an integer") from exc
    record = by_sku(site, str(data.get("sku") or ""))
    if record is None:
        raise ControlError(f"No product with SKU {data.get('sku')!r} in {site}")
    with transaction.atomic():
        holder = stock_holder(site, record)
        if holder is None:
            raise ControlError("That product does not manage stock")
        holder["stock_quantity"] = quantity
        touch(site, holder)
        put_product(site, holder)
        webhooks_deliver(site, "product.updated", render(site, holder, as_product=True), resource_id=holder["id"])
    return JsonResponse({"id": str(record["id"]), "sku": record.get("sku") or "", "quantity": quantity})


@_errors
def faults(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    try:
        return faults_view(PLATFORM, request)
    except ValueError as exc:
        raise ControlError(str(exc)) from exc


def subscribe(site: str, address: str, topics: Iterable[str], secret: str, name: str) -> None:
    """Create webhooks directly (emulator_connect), skipping ones that exist; no ping."""
    from emulators.woocommerce.state import stamps

    site_store = store(site)
    existing = {(w["topic"], w["delivery_url"]) for w in site_store.all("webhooks")}
    for topic in topics:
        if (topic, address) in existing:
            continue
        hook_id = site_store.next_id("webhook", start=1)
        local, gmt = stamps(site)
        resource, _, event = topic.partition(".")
        site_store.put("webhooks", hook_id, {
            "id": hook_id, "name": name, "status": "active", "topic": topic, "resource": resource, "event": event,
            "hooks": [], "delivery_url": address, "secret": secret, "failure_count": 0, "date_created": local,
            "date_created_gmt": gmt, "date_modified": local, "date_modified_gmt": gmt})
