"""Small, pure pieces of eBay's authentication shared by the client, the connect flow, the
notification endpoint and the emulator: API hosts per environment, the Basic client credentials
of the token endpoint, the scopes we ask for, and token expiry.

Reference pack (shared/reference/ebay) section 1: user consent with the RuName as redirect_uri,
`Authorization: Basic base64(client_id:client_secret)` on POST /identity/v1/oauth2/token, access
tokens of 7200 s, refresh tokens of 47304000 s (18 months), refresh answers without a new refresh
token.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings

HOSTS = {
    "production": {"api": "https://api.ebay.com", "auth": "https://auth.ebay.com"},
    "sandbox": {"api": "https://api.sandbox.ebay.com", "auth": "https://auth.sandbox.ebay.com"},
}

SCOPE_ROOT = "https://api.ebay.com/oauth/api_scope"
# Only what the connector uses: the base scope, inventory (read SKUs, write quantities), fulfillment
# read (orders). Trading calls ride on the same user token (X-EBAY-API-IAF-TOKEN); which scope each
# Trading call needs is UNCONFIRMED in the pack, so the base scope is always included.
SCOPES = (SCOPE_ROOT, f"{SCOPE_ROOT}/sell.inventory", f"{SCOPE_ROOT}/sell.fulfillment.readonly")
APP_SCOPES = (SCOPE_ROOT,)  # application token: notification public keys

EXPIRY_MARGIN_SECONDS = 120  # refresh a 2-hour token this long before eBay says it lapses


def environment() -> str:
    return settings.EBAY_ENVIRONMENT if settings.EBAY_ENVIRONMENT in HOSTS else "sandbox"


def api_base_url(override: str = "") -> str:
    """REST and Trading host: the connection's override (emulator), the setting, or by environment."""
    return (override or settings.EBAY_API_BASE_URL or HOSTS[environment()]["api"]).rstrip("/")


def auth_base_url(override: str = "") -> str:
    """Consent-page host (auth.ebay.com); the emulator serves both hosts from one address."""
    return (override or settings.EBAY_AUTH_BASE_URL or settings.EBAY_API_BASE_URL
            or HOSTS[environment()]["auth"]).rstrip("/")


def basic_credentials(client_id: str | None = None, client_secret: str | None = None) -> str:
    client_id = settings.EBAY_CLIENT_ID if client_id is None else client_id
    client_secret = settings.EBAY_CLIENT_SECRET if client_secret is None else client_secret
    raw = f"{client_id}:{client_secret}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def credentials_from_token_response(payload: Mapping[str, Any], now: float | None = None,
                                    scope: str = "") -> dict[str, Any]:
    """Token endpoint answer -> what we keep (encrypted) on the connection. A refresh answer has
    no refresh_token; the caller merges it over the stored credentials, keeping the old one."""
    now = time.time() if now is None else now
    credentials: dict[str, Any] = {"access_token": str(payload["access_token"]),
                                   "token_type": str(payload.get("token_type") or "")}
    if scope:
        credentials["scope"] = scope
    if payload.get("expires_in"):
        credentials["expires_at"] = int(now + int(payload["expires_in"]))
    if payload.get("refresh_token"):
        credentials["refresh_token"] = str(payload["refresh_token"])
        if payload.get("refresh_token_expires_in"):
            credentials["refresh_token_expires_at"] = int(now + int(payload["refresh_token_expires_in"]))
    return credentials
