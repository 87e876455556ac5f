"""Shopify emulator mounted at /_emulators/shopify/ (several shops; state in the database).

Each shop lives under its domain, so a shop's base URL is `<emulator>/<shop>` and the real
client's paths apply unchanged: `/admin/oauth/...`, `/admin/api/<version>/graphql.json`,
`/admin/api/<version>/orders.json`. Point SHOPIFY_SHOP_URL_TEMPLATE at
`http://127.0.0.1:8000/_emulators/shopify/{shop}` to connect through the consent page.
Control API (demo and tests): `_control/accounts|state|orders|stock|faults`.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

from emulators.faults import with_faults
from emulators.shopify import control as control
from emulators.shopify.graphql import execute_request
from emulators.shopify.http import (
    authenticate,
    error_body,
    has_scope,
    rest_take,
    unauthorized,
)
from emulators.shopify.oauth import access_token, api_permissions_current, authorize
from emulators.shopify.orders import list_page
from emulators.shopify.state import PLATFORM, ensure_shop, issue_token, seed, store

# Shop domains such as demo-shop.myshopify.com; plain names ("contract-store") are accepted too so
# shared test suites can name accounts freely (the OAuth flow itself only accepts *.myshopify.com).
SHOP = r"(?P<shop>[a-zA-Z0-9][a-zA-Z0-9.-]*)"
VERSION = r"(?P<version>\d{4}-\d{2}|unstable)"


def _with_version_header(response: HttpResponse, version: str) -> HttpResponse:
    response["X-Shopify-API-Version"] = version
    response["X-Request-Id"] = control.request_id()
    return response


@csrf_exempt
@with_faults(PLATFORM, error_body)
def graphql(request: HttpRequest, shop: str, version: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    with transaction.atomic():
        token = authenticate(request, shop)
        if token is None:
            return unauthorized()
        try:
            body = json.loads(request.body or b"{}")
        except json.JSONDecodeError:
            return JsonResponse({"errors": "Bad Request: body is not JSON"}, status=400)
        if not isinstance(body, dict) or not isinstance(body.get("variables") or {}, dict):
            return JsonResponse({"errors": "Bad Request: expected a JSON object with query and variables"},
                                status=400)
        result = execute_request(shop, version, token, str(body.get("query") or ""), dict(body.get("variables") or {}),
                                 body.get("operationName") or None)
    return _with_version_header(JsonResponse(result), version)


def _rest(request: HttpRequest, shop: str, scope: str) -> tuple[HttpResponse | None, str]:
    """Auth, scope and the REST leaky bucket: (refusal or None, X-Shopify-Shop-Api-Call-Limit)."""
    token = authenticate(request, shop)
    if token is None:
        return unauthorized(), ""
    if not has_scope(token, scope):
        return JsonResponse({"errors": f"[API] This action requires merchant approval for {scope} scope."},
                            status=403), ""
    allowed, limit, retry_after = rest_take(shop)
    if not allowed:
        response = error_body(429)
        response["Retry-After"] = f"{retry_after:.1f}"
        response["X-Shopify-Shop-Api-Call-Limit"] = limit
        return response, limit
    return None, limit


@csrf_exempt
@with_faults(PLATFORM, error_body)
def orders(request: HttpRequest, shop: str, version: str) -> HttpResponse:
    with transaction.atomic():
        refused, limit = _rest(request, shop, "read_orders")
        if refused is not None:
            return refused
        response = list_page(request, shop)
    response["X-Shopify-Shop-Api-Call-Limit"] = limit
    return _with_version_header(response, version)


@csrf_exempt
@with_faults(PLATFORM, error_body)
def order_detail(request: HttpRequest, shop: str, version: str, order_id: str) -> HttpResponse:
    with transaction.atomic():
        refused, limit = _rest(request, shop, "read_orders")
        if refused is not None:
            return refused
        order = store(shop).get("orders", int(order_id))
    if order is None:
        return JsonResponse({"errors": "Not Found"}, status=404)
    response = JsonResponse({"order": order})
    response["X-Shopify-Shop-Api-Call-Limit"] = limit
    return _with_version_header(response, version)


urlpatterns = [
    path("_control/accounts", control.accounts, name="shopify-control-accounts"),
    path("_control/state", control.state, name="shopify-control-state"),
    path("_control/orders", control.orders, name="shopify-control-orders"),
    path("_control/orders/<int:order_id>/cancel", control.cancel, name="shopify-control-cancel"),
    path("_control/stock", control.stock, name="shopify-control-stock"),
    path("_control/faults", control.faults, name="shopify-control-faults"),
    re_path(rf"^{SHOP}/admin/oauth/authorize$", authorize, name="shopify-authorize"),
    re_path(rf"^{SHOP}/admin/oauth/access_token$", access_token, name="shopify-access-token"),
    re_path(rf"^{SHOP}/admin/api_permissions/current\.json$", api_permissions_current, name="shopify-uninstall"),
    re_path(rf"^{SHOP}/admin/api/{VERSION}/graphql\.json$", graphql, name="shopify-graphql"),
    re_path(rf"^{SHOP}/admin/api/{VERSION}/orders\.json$", orders, name="shopify-orders"),
    re_path(rf"^{SHOP}/admin/api/{VERSION}/orders/(?P<order_id>\d+)\.json$", order_detail, name="shopify-order"),
]


# --------------------------------------------------------------------------- EmulatorModule
def emulator_seed(account: str, products: list[dict[str, Any]]) -> None:
    """(Re)create the shop `account` (e.g. "demo-shop.myshopify.com") with these products: one
    product per entry; `variants` become its variants, otherwise it gets one default variant."""
    seed(account, products)


def emulator_connect(*, organization: Any, account: str, base_url: str, expiring: bool = False) -> Any:
    """A ConnectedSystem holding an offline token issued by this emulator, with the webhook
    subscriptions after_connect() would have created (no HTTP needed).

    The token does not expire unless `expiring` (what a custom app gets; the connect flow asks for
    an expiring one, whose refresh the token tests cover)."""
    import secrets

    from connector.models import ConnectedSystem, SystemRole, SystemStatus
    from connector.options import ConnectionOptions
    from connector.platforms.shopify.auth import credentials_from_token_response
    from connector.platforms.shopify.oauth import SCOPES, WEBHOOK_TOPICS, webhook_address

    shop_url = base_url.rstrip("/")
    if not shop_url.endswith("/" + account):
        shop_url = f"{shop_url}/{account}"
    with transaction.atomic():
        ensure_shop(account)
        credentials = credentials_from_token_response(issue_token(account, scope=",".join(SCOPES), expiring=expiring))
        system, created = ConnectedSystem.objects.get_or_create(
            organization=organization, platform=PLATFORM, external_account_id=account,
            defaults={"role": SystemRole.STORE, "display_name": account.removesuffix(".myshopify.com"),
                      "credentials": credentials, "base_url": shop_url, "options": ConnectionOptions().to_json(),
                      "webhook_secret": secrets.token_urlsafe(32)},
        )
        if not created:
            system.credentials, system.base_url = credentials, shop_url
            system.status, system.status_message = SystemStatus.ACTIVE, ""
            system.save()
        control.subscribe(account, webhook_address(system), WEBHOOK_TOPICS)
    return system
