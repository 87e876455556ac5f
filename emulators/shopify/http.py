"""HTTP plumbing of the Shopify emulator: token checks, the two rate-limit buckets, error bodies
and signed webhook delivery (headers as in shopify.dev .../webhooks/delivery-structure).
"""

from __future__ import annotations

import json
import math
import time
import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from connector.platforms.shopify.auth import app_secret, body_hmac
from emulators.outbox import webhook_send
from emulators.shopify.state import PLATFORM, now_iso, store, token_record

INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"


def error_body(status: int) -> JsonResponse:
    """Bodies for injected faults, in Shopify's REST error shape."""
    texts = {429: "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.",
             500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
    response = JsonResponse({"errors": texts.get(status, f"HTTP {status}")}, status=status)
    if status == 429:
        response["Retry-After"] = "2.0"
    return response


def unauthorized() -> JsonResponse:
    response = JsonResponse({"errors": INVALID_TOKEN}, status=401)
    response["WWW-Authenticate"] = 'Basic Realm="Shopify API Authentication"'
    return response


def authenticate(request: HttpRequest, shop: str) -> dict[str, Any] | None:
    if not store(shop).exists():
        return None
    return token_record(shop, request.headers.get("X-Shopify-Access-Token", ""))


def has_scope(token: dict[str, Any], needed: str) -> bool:
    granted = set(str(token.get("scope") or "").split(","))
    if needed.startswith("read_") and "write_" + needed.removeprefix("read_") in granted:
        return True
    return needed in granted


# --------------------------------------------------------------------------- REST leaky bucket
def rest_take(shop: str) -> tuple[bool, str, float]:
    """Take one call from the REST bucket: (allowed, call-limit header, retry_after)."""
    shop_store = store(shop)
    config = shop_store.config()
    size, leak = int(config.get("rest_bucket", 40)), float(config.get("rest_leak", 2.0))
    state = shop_store.get_for_update("meta", "rest_bucket") or {"used": 0.0, "at": time.time()}
    now = time.time()
    used = max(0.0, float(state["used"]) - (now - float(state["at"])) * leak)
    if used + 1 > size:
        shop_store.put("meta", "rest_bucket", {"used": used, "at": now})
        return False, f"{size}/{size}", max(1.0, math.ceil((used + 1 - size) / leak * 10) / 10)
    used += 1
    shop_store.put("meta", "rest_bucket", {"used": used, "at": now})
    return True, f"{math.ceil(used)}/{size}", 0.0


# --------------------------------------------------------------------------- GraphQL cost bucket
def cost_take(shop: str, requested: int) -> tuple[bool, dict[str, Any]]:
    """Reserve the requested cost; (allowed, throttleStatus after the reservation)."""
    shop_store = store(shop)
    config = shop_store.config()
    maximum, restore = float(config.get("bucket_max", 2000.0)), float(config.get("restore_rate", 100.0))
    state = shop_store.get_for_update("meta", "graphql_bucket") or {"available": maximum, "at": time.time()}
    now = time.time()
    available = min(maximum, float(state["available"]) + (now - float(state["at"])) * restore)
    allowed = available >= requested
    if allowed:
        available -= requested
    shop_store.put("meta", "graphql_bucket", {"available": available, "at": now})
    return allowed, {"maximumAvailable": maximum, "currentlyAvailable": int(available), "restoreRate": restore}


def cost_refund(shop: str, amount: int, status: dict[str, Any]) -> dict[str, Any]:
    """The difference between requested and actual cost goes back into the bucket."""
    if amount <= 0:
        return status
    shop_store = store(shop)
    state = shop_store.get_for_update("meta", "graphql_bucket")
    if state is None:
        return status
    state["available"] = min(float(status["maximumAvailable"]), float(state["available"]) + amount)
    shop_store.put("meta", "graphql_bucket", state)
    return {**status, "currentlyAvailable": int(state["available"])}


def set_bucket(shop: str, available: float) -> None:
    """Tests and the demo: empty (or fill) the GraphQL bucket now."""
    store(shop).put("meta", "graphql_bucket", {"available": float(available), "at": time.time()})


# --------------------------------------------------------------------------- webhooks out
def webhooks_deliver(shop: str, topic: str, payload: dict[str, Any]) -> int:
    """POST the payload to every subscription of `topic` (e.g. "orders/create"), signed with the
    app's client secret over the exact bytes sent. Returns the number of deliveries queued."""
    enum = topic.upper().replace("/", "_")
    body = json.dumps(payload).encode()
    event_id = str(uuid.uuid4())
    duplicates = bool(store(shop).config().get("duplicate_webhooks"))
    sent = 0
    for subscription in store(shop).all("webhooks"):
        if subscription.get("topic") != enum:
            continue
        webhook_id = str(uuid.uuid4())
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": body_hmac(body, app_secret()),
            "X-Shopify-Shop-Domain": shop,
            "X-Shopify-API-Version": settings.SHOPIFY_API_VERSION,
            "X-Shopify-Webhook-Id": webhook_id,
            "X-Shopify-Event-Id": event_id,
            "X-Shopify-Triggered-At": now_iso(),
        }
        # Delivery is at-least-once: with `duplicate_webhooks` in the shop's config every delivery
        # is sent twice with the same X-Shopify-Webhook-Id, as a retry after a lost answer would be.
        for _copy in range(2 if duplicates else 1):
            webhook_send(platform=PLATFORM, url=subscription["uri"], body=body, headers=headers, drop_key=webhook_id)
            sent += 1
    return sent
