"""Signed webhook deliveries posted over HTTP to the live server, as the platforms send them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from typing import Any

import requests
from django.conf import settings


def _b64_hmac(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def post_quickbooks(base: str, payload: Any) -> requests.Response:
    body = json.dumps(payload).encode()
    return requests.post(f"{base}/webhooks/quickbooks/", data=body, timeout=10, headers={
        "Content-Type": "application/json",
        "intuit-signature": _b64_hmac(settings.QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN, body)})


def post_shopify(base: str, system: Any, topic: str, payload: Any) -> requests.Response:
    body = json.dumps(payload).encode()
    return requests.post(f"{base}/webhooks/shopify/{system.public_id}/", data=body, timeout=10, headers={
        "Content-Type": "application/json", "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": _b64_hmac(settings.SHOPIFY_CLIENT_SECRET, body),
        "X-Shopify-Shop-Domain": system.external_account_id, "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-API-Version": settings.SHOPIFY_API_VERSION, "X-Shopify-Triggered-At": "2026-11-29T08:00:00Z"})


def legacy_item_payload(realm: str, item_ids: list[str], template: dict[str, Any]) -> dict[str, Any]:
    """The real legacy notification (webhook_payload.json) carrying Item changes."""
    entity = template["eventNotifications"][0]["dataChangeEvent"]["entities"][0]
    return {"eventNotifications": [{"realmId": realm, "dataChangeEvent": {"entities": [
        {**entity, "name": "Item", "id": ident, "operation": "Update"} for ident in item_ids]}}]}
