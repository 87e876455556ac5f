"""WooCommerce webhooks: verification, identity and parsing (protocol: base.WebhookModule).

Reference pack section 4: `X-WC-Webhook-Signature` = base64 HMAC-SHA256 of the raw body with the
webhook's secret (ours: the connection's webhook_secret, set when we create the webhook). The body
is `wp_json_encode`d (`\\/` escapes), so only the exact bytes received verify.
Unverified requests answered here: the creation ping (`webhook_id=<n>`, no signature, no
X-WC-Webhook-* headers: answered 200, never trusted or stored) and, at the app-wide address, the
keys POSTed by the app authentication endpoint (trusted through its signed user_id, oauth.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse

from connector.platforms.base import WebhookEvent
from connector.platforms.woocommerce.auth import body_is_signed, site_account
from connector.platforms.woocommerce.mapping import gmt, manages_stock

if TYPE_CHECKING:
    from django.http import HttpRequest

    from connector.models import ConnectedSystem

# The checks read the database (keys, connections): intake runs them in a thread, never on its loop.
CHECKS_ARE_LOCAL = False
# Headers the planner reads later (and support reads in the admin); intake keeps only these.
KEPT_HEADERS = ("x-wc-",)
PING = re.compile(rb"^webhook_id=\d+$")


def header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return str(value)
    return ""


def answer_unverified(request: HttpRequest, system: ConnectedSystem | None) -> HttpResponse | None:
    if request.method != "POST":
        return None
    body = request.body.strip()
    signed = header(request.headers, "X-WC-Webhook-Signature") or header(request.headers, "X-WC-Webhook-Topic")
    if not signed and PING.match(body):
        return HttpResponse(status=200)  # the creation ping: nothing in it to trust or keep
    if system is None and not signed and body.startswith(b"{") and b"consumer_key" in body:
        from connector.platforms.woocommerce.oauth import keys_received

        return keys_received(request)
    return None


def verify(request: HttpRequest, body: bytes, system: ConnectedSystem | None) -> bool:
    """Each webhook is signed with the secret we gave it: the connection's webhook_secret."""
    if system is None:
        return False
    return body_is_signed(body, header(request.headers, "X-WC-Webhook-Signature"), system.webhook_secret)


def delivery_id(request: HttpRequest, body: bytes) -> str:
    """`X-WC-Webhook-Delivery-ID` (older docs: `X-WC-Delivery-ID`) is a hash of the webhook id and
    the current second in current cores (UNCONFIRMED as unique per delivery), so two different
    deliveries of one webhook within a second could share it. The body's digest is appended: a
    repeated delivery (same id, same bytes) is still recognised as one."""
    received = header(request.headers, "X-WC-Webhook-Delivery-ID") or header(request.headers, "X-WC-Delivery-ID")
    if not received:
        return ""
    hook = header(request.headers, "X-WC-Webhook-ID")
    return f"{hook}:{received}:{hashlib.sha256(body).hexdigest()[:16]}"


def topic(request: HttpRequest, body: bytes) -> str:
    return header(request.headers, "X-WC-Webhook-Topic")


def parse(body: bytes, headers: Mapping[str, str], system: ConnectedSystem | None) -> list[WebhookEvent]:
    """Verified body -> events. Unknown topics give no event (the delivery is marked ignored).

    order.*           -> order.changed (data: topic, order = the order as GET /orders/<id>)
    product.updated   -> product.changed, plus stock.edited when the object manages stock (data:
                         product_id, parent_id, sku, available). A variation's change arrives as
                         the variation rendered by the products endpoint (shape UNCONFIRMED).
    product.deleted   -> product.changed (only the id is sent).
    """
    name = header(headers, "X-WC-Webhook-Topic")
    try:
        payload: Any = json.loads(body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return []
    if not isinstance(payload, dict):
        return []
    source = header(headers, "X-WC-Webhook-Source")
    account = site_account(source) if source else (system.external_account_id if system else "")
    occurred = gmt(payload, "date_modified")
    resource, _, event = name.partition(".")
    object_id = str(payload.get("id") or "")
    if resource == "order" and object_id:
        return [WebhookEvent(kind="order.changed", account=account, object_type="order", object_ids=(object_id,),
                             occurred_at=occurred, data={"topic": name, "order": payload})]
    if resource == "product" and object_id:
        parent = str(payload.get("parent_id") or "") if payload.get("parent_id") else ""
        events = [WebhookEvent(kind="product.changed", account=account, object_type="product",
                               object_ids=(object_id,), occurred_at=occurred,
                               data={"topic": name, "parent_id": parent})]
        if event == "updated" and manages_stock(payload) and payload.get("stock_quantity") is not None:
            events.append(WebhookEvent(
                kind="stock.edited", account=account, object_type="product", object_ids=(object_id,),
                occurred_at=occurred,
                data={"product_id": object_id, "parent_id": parent, "sku": str(payload.get("sku") or ""),
                      "available": int(payload["stock_quantity"]),
                      "managed_by_parent": payload.get("manage_stock") == "parent"}))
        return events
    return []
