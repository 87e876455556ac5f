"""eBay notifications (protocol: base.WebhookModule): the Marketplace Account Deletion endpoint
that every production keyset must run, and order topics when subscribed.

- GET ?challenge_code=...  answered before any trust is needed (answer_unverified).
- POST with X-EBAY-SIGNATURE  ECDSA over the raw body with eBay's public key (notifications.py);
  a bad or missing signature is refused with 401 and nothing is stored.
- parse(): MARKETPLACE_ACCOUNT_DELETION -> "account.deleted" (the engine deletes or anonymises
  what we hold for that eBay user); ORDER_CONFIRMATION -> "order.changed" (a trigger only: the
  polled getOrders stays the source of truth; its data schema is UNCONFIRMED, so only orderId is
  read).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import JsonResponse

from connector.platforms.base import WebhookEvent
from connector.platforms.ebay.mapping import timestamp
from connector.platforms.ebay.notifications import challenge_response, verification_token, verify_signature

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from connector.models import ConnectedSystem

# The checks read the database (keys, connections): intake runs them in a thread, never on its loop.
CHECKS_ARE_LOCAL = False
# Headers the planner reads later (and support reads in the admin); intake keeps only these.
KEPT_HEADERS = ("x-ebay-",)
SIGNATURE_HEADER = "X-EBAY-SIGNATURE"
ACCOUNT_DELETION = "MARKETPLACE_ACCOUNT_DELETION"
ORDER_TOPICS = ("ORDER_CONFIRMATION",)


def endpoint_url(request: HttpRequest) -> str:
    """The endpoint exactly as registered with eBay: EBAY_NOTIFICATION_ENDPOINT when set, else
    the public address of the path eBay called (no query string)."""
    configured = str(getattr(settings, "EBAY_NOTIFICATION_ENDPOINT", "") or "")
    return configured or settings.CONNECTOR_PUBLIC_URL.rstrip("/") + request.path


def answer_unverified(request: HttpRequest, system: ConnectedSystem | None) -> HttpResponse | None:
    if request.method != "GET" or "challenge_code" not in request.GET:
        return None
    token = verification_token()
    if not token:
        return JsonResponse({"error": "EBAY_VERIFICATION_TOKEN is not configured"}, status=503)
    answer = challenge_response(request.GET["challenge_code"], token, endpoint_url(request))
    return JsonResponse({"challengeResponse": answer})


def verify(request: HttpRequest, body: bytes, system: ConnectedSystem | None) -> bool:
    return verify_signature(body, request.headers.get(SIGNATURE_HEADER, ""), system.base_url if system else "")


def _payload(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body or b"{}")
    except json.JSONDecodeError:
        return {}
    return payload if isinstance(payload, dict) else {}


def delivery_id(request: HttpRequest, body: bytes) -> str:
    return str((_payload(body).get("notification") or {}).get("notificationId") or "")


def topic(request: HttpRequest, body: bytes) -> str:
    return str((_payload(body).get("metadata") or {}).get("topic") or "")


def parse(body: bytes, headers: Mapping[str, str], system: ConnectedSystem | None) -> list[WebhookEvent]:
    payload = _payload(body)
    name = str((payload.get("metadata") or {}).get("topic") or "")
    notification = payload.get("notification") or {}
    data = notification.get("data") or {}
    occurred = timestamp(notification.get("eventDate")) or timestamp(notification.get("publishDate"))
    if name == ACCOUNT_DELETION:
        username = str(data.get("username") or "")
        user_id = str(data.get("userId") or "")
        # Since 2025-09 eBay may show the immutable user id where a username used to be (pack
        # 1.11): both are handed on so the engine can match either.
        return [WebhookEvent(kind="account.deleted", account=username, object_type="ebay_user",
                             object_ids=tuple(i for i in (username, user_id) if i), occurred_at=occurred,
                             data={"topic": name, "username": username, "user_id": user_id,
                                   "eias_token": str(data.get("eiasToken") or ""),
                                   "notification_id": str(notification.get("notificationId") or "")})]
    if name in ORDER_TOPICS and data.get("orderId"):
        account = system.external_account_id if system else str(data.get("sellerId") or data.get("username") or "")
        return [WebhookEvent(kind="order.changed", account=account, object_type="order",
                             object_ids=(str(data["orderId"]),), occurred_at=occurred, data={"topic": name})]
    return []
