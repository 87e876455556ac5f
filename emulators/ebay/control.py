"""Control API of the eBay emulator (the same shape as every store platform's; no auth: demo and
tests only): GET accounts, GET state, POST orders, POST stock, POST faults. eBay-only extras:
POST runames (what a developer sets under Application Keys), POST account_deletion (a signed
MARKETPLACE_ACCOUNT_DELETION push), POST orders/<id>/touch (the order changed on eBay).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from emulators.control import ControlError, control_view, faults_view, json_body, known_account
from emulators.ebay.notify import push_account_deletion
from emulators.ebay.orders import OrderError, place_order, set_available, touch_order
from emulators.ebay.state import (
    APP,
    PLATFORM,
    available,
    inventory_available,
    listings,
    notification_endpoint,
    notification_endpoint_register,
    register_runame,
    store,
)
from emulators.outbox import connector_address
from emulators.store import EmulatorStore


def _account(value: Any) -> str:
    return known_account(value, lambda account: account != APP and store(account).exists(), "eBay seller")


_errors = control_view(OrderError)


def _post(request: HttpRequest) -> dict[str, Any]:
    if request.method != "POST":
        raise ControlError("POST only")
    return json_body(request)


@_errors
def accounts(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"accounts": [a for a in EmulatorStore.accounts(PLATFORM) if a != APP]})


def product_rows(account: str) -> list[dict[str, Any]]:
    """One row per sellable thing; `sku` is the Custom Label, `quantity` the available quantity."""
    rows = []
    for listing in listings(account):
        if listing["ended"]:
            continue
        if listing["inventory_model"]:
            rows.append({"id": f"inventory:{listing['sku']}", "parent_id": "", "sku": listing["sku"],
                         "name": listing["title"], "tracks_stock": True,
                         "quantity": inventory_available(account, listing["sku"])})
            continue
        fixed = listing["listing_type"] != "Chinese"
        if not listing["variations"]:
            rows.append({"id": listing["item_id"], "parent_id": "", "sku": listing["sku"], "name": listing["title"],
                         "tracks_stock": fixed, "quantity": available(listing)})
        for index, variation in enumerate(listing["variations"]):
            ident = f"{listing['item_id']}:{variation['sku'] or f'#{index}'}"
            rows.append({"id": ident, "parent_id": listing["item_id"],
                         "sku": variation["sku"], "name": f"{listing['title']} - {variation['title']}",
                         "tracks_stock": fixed, "quantity": available(variation)})
    return rows


@_errors
def state(request: HttpRequest) -> HttpResponse:
    account = _account(request.GET.get("account"))
    orders = []
    for order in sorted(store(account).all("orders"), key=lambda o: o["creationDate"]):
        contact = order["buyer"].get("buyerRegistrationAddress") or {}
        summary = order["pricingSummary"]
        remitted = sum((Decimal(t["amount"]["value"]) for li in order["lineItems"]
                        for t in li.get("ebayCollectAndRemitTaxes") or []), Decimal(0))
        cancelled = order["cancelStatus"]["cancelState"] == "CANCELED"
        orders.append({"id": order["orderId"], "number": order["salesRecordReference"],
                       "email": contact.get("email", ""),
                       "lines": [{"sku": li["sku"], "qty": li["quantity"]} for li in order["lineItems"]],
                       # As getOrders reports it with fieldGroups=TAX_BREAKDOWN (the buyer's total,
                       # eBay-collected tax included), and that tax, which eBay remits itself.
                       "total": summary["total"]["value"], "currency": summary["total"]["currency"],
                       "ebay_collected_tax": str(remitted.quantize(Decimal("0.01"))),
                       "total_due_seller": order["paymentSummary"]["totalDueSeller"]["value"],
                       "status": "CANCELED" if cancelled else order["orderPaymentStatus"]})
    return JsonResponse({"products": product_rows(account), "orders": orders})


@_errors
def orders(request: HttpRequest) -> HttpResponse:
    data = _post(request)
    account = _account(data.get("account"))
    lines = data.get("lines") or []
    if not isinstance(lines, list) or not lines:
        raise ControlError("An order needs at least one line")
    extras = {k: data[k] for k in ("tax_rate", "shipping", "shipping_taxable", "discount", "discount_code", "coupon",
                                   "prices_include_tax", "tip", "ebay_collects_tax", "email_visibility") if k in data}
    order = place_order(account, lines, data.get("customer") or None, extras)
    return JsonResponse({"id": order["orderId"], "number": order["salesRecordReference"]})


@_errors
def touch(request: HttpRequest, order_id: str) -> HttpResponse:
    data = _post(request)
    order = touch_order(_account(data.get("account")), order_id, data.get("last_modified") or None)
    return JsonResponse({"id": order["orderId"], "lastModifiedDate": order["lastModifiedDate"]})


@_errors
def stock(request: HttpRequest) -> HttpResponse:
    data = _post(request)
    account = _account(data.get("account"))
    try:
        quantity = int(data["quantity"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ControlError("quantity must be an integer") from exc
    if quantity < 0:
        raise ControlError("quantity must be 0 or more")
    return JsonResponse(set_available(account, str(data.get("sku") or ""), quantity))


@_errors
def faults(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    try:
        return faults_view(PLATFORM, request)
    except ValueError as exc:
        raise ControlError(str(exc)) from exc


@_errors
def runames(request: HttpRequest) -> HttpResponse:
    data = _post(request)
    name, accept = str(data.get("runame") or ""), str(data.get("accept_url") or "")
    if not name or not accept.startswith(("http://", "https://")):
        raise ControlError("runame and an http(s) accept_url are required")
    register_runame(name, accept, str(data.get("decline_url") or ""))
    return JsonResponse({"runame": name, "accept_url": accept})


@_errors
def notification_endpoint_view(request: HttpRequest) -> HttpResponse:
    """GET: the app's registered notification endpoint; POST {"endpoint"}: register one."""
    if request.method == "POST":
        url = str(json_body(request).get("endpoint") or "")
        if not url.startswith(("http://", "https://")):
            raise ControlError("endpoint must be an absolute http(s) address")
        notification_endpoint_register(url)
    return JsonResponse({"endpoint": notification_endpoint()})


@_errors
def account_deletion(request: HttpRequest) -> HttpResponse:
    data = _post(request)
    username = str(data.get("username") or "")
    if not username:
        raise ControlError("username is required")
    # To the registered endpoint; "path" (older callers) names a path on the connector's own address.
    url = connector_address(str(data["path"])) if data.get("path") else notification_endpoint()
    payload = push_account_deletion(url, username, str(data.get("user_id") or ""), str(data.get("eias_token") or ""))
    return JsonResponse({"notificationId": payload["notification"]["notificationId"]})
