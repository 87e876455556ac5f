"""Shopify webhooks: verification, identity and parsing (protocol: base.WebhookModule).

Reference: shopify.dev/docs/apps/build/webhooks/subscribe/https (X-Shopify-Hmac-Sha256 = base64
HMAC-SHA256 of the raw body with the app's client secret; 401 on a bad signature) and
.../delivery-structure (headers). Header names are matched case-insensitively; the unprefixed
`Shopify-*` names of the newer Events delivery are accepted too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings

from connector.platforms.base import WebhookEvent
from connector.platforms.shopify.auth import app_secret, body_is_signed
from connector.platforms.shopify.mapping import timestamp

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from connector.models import ConnectedSystem


# Signature, id and topic come from the request alone, so intake may run them on its event loop.
CHECKS_ARE_LOCAL = True
# Headers the planner reads later (and support reads in the admin); intake keeps only these.
KEPT_HEADERS = ("x-shopify-",)
ORDER_TOPICS = ("orders/create", "orders/updated", "orders/cancelled", "orders/paid", "orders/edited")
COMPLIANCE_KINDS = {
    "customers/data_request": "compliance.customer_data_request",
    "customers/redact": "compliance.customer_redact",
    "shop/redact": "compliance.shop_redact",
}


def header(headers: Mapping[str, str], name: str) -> str:
    """`X-Shopify-Topic` or `Shopify-Topic`, any case: looked up directly (a request's headers are
    case-insensitive, stored ones lower case), and by a scan only when that finds nothing."""
    lower = name.lower()
    bare = lower.removeprefix("x-")
    value = headers.get(name) or headers.get(lower) or headers.get(bare)
    if value:
        return str(value)
    for key, value in headers.items():
        if key.lower() in (lower, bare) and value:
            return str(value)
    return ""


def answer_unverified(request: HttpRequest, system: ConnectedSystem | None) -> HttpResponse | None:
    return None  # Shopify sends nothing unsigned


def verify(request: HttpRequest, body: bytes, system: ConnectedSystem | None) -> bool:
    """Every Shopify webhook is signed with the app's client secret (not a per-shop secret)."""
    received = header(request.headers, "X-Shopify-Hmac-Sha256")
    # While the client secret is being rotated Shopify may still sign with the previous one.
    previous = getattr(settings, "SHOPIFY_PREVIOUS_CLIENT_SECRET", "")
    return body_is_signed(body, received, app_secret()) or bool(previous and body_is_signed(body, received, previous))


def delivery_id(request: HttpRequest, body: bytes) -> str:
    return header(request.headers, "X-Shopify-Webhook-Id")


def topic(request: HttpRequest, body: bytes) -> str:
    return header(request.headers, "X-Shopify-Topic")


def parse(body: bytes, headers: Mapping[str, str], system: ConnectedSystem | None) -> list[WebhookEvent]:
    """Verified body -> events. Unknown topics give no event (the delivery is marked ignored)."""
    payload: Any = json.loads(body or b"{}")
    if not isinstance(payload, dict):
        return []
    name = header(headers, "X-Shopify-Topic")
    account = (header(headers, "X-Shopify-Shop-Domain") or str(payload.get("shop_domain") or "")
               or (system.external_account_id if system else ""))
    occurred = timestamp(header(headers, "X-Shopify-Triggered-At")) or timestamp(payload.get("updated_at"))
    if name in ORDER_TOPICS:
        return [WebhookEvent(kind="order.changed", account=account, object_type="order",
                             object_ids=(str(payload.get("id")),), occurred_at=occurred,
                             data={"topic": name, "order": payload})]
    if name == "inventory_levels/update":
        return [WebhookEvent(kind="stock.edited", account=account, object_type="inventory_item",
                             object_ids=(f"gid://shopify/InventoryItem/{payload.get('inventory_item_id')}",),
                             occurred_at=occurred,
                             data={"inventory_item_id": f"gid://shopify/InventoryItem/{payload.get('inventory_item_id')}",
                                   "location_id": f"gid://shopify/Location/{payload.get('location_id')}",
                                   "available": payload.get("available")})]
    if name == "products/update":
        variants = tuple(str(v.get("admin_graphql_api_id") or f"gid://shopify/ProductVariant/{v.get('id')}")
                         for v in payload.get("variants") or [])
        return [WebhookEvent(kind="product.changed", account=account, object_type="product",
                             object_ids=(str(payload.get("admin_graphql_api_id")
                                             or f"gid://shopify/Product/{payload.get('id')}"),),
                             occurred_at=occurred, data={"topic": name, "variant_ids": variants})]
    if name == "app/uninstalled":
        return [WebhookEvent(kind="app.uninstalled", account=account, occurred_at=occurred, data={"topic": name})]
    if name in COMPLIANCE_KINDS:
        return [WebhookEvent(kind=COMPLIANCE_KINDS[name], account=account, occurred_at=occurred,
                             data={"topic": name, **payload})]
    return []
