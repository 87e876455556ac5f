"""Small, pure pieces of Shopify's authentication shared by the client, the OAuth flow, the
webhook intake and the emulator: shop-domain validation, the shop's API address, the signed
query (`hmac`) of admin redirects, the webhook body signature, and token expiry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote

from django.conf import settings

# Anchored, as Shopify's security review requires (a weak pattern lets `evil.com?x.myshopify.com`
# through). Reference: shopify.dev/docs/apps/build/security/app-security-checks/weak-shop-validation
SHOP_DOMAIN_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$")

# Refresh an expiring offline token this many seconds before Shopify says it lapses.
EXPIRY_MARGIN_SECONDS = 60


def shop_is_valid(shop: str) -> bool:
    return bool(SHOP_DOMAIN_RE.fullmatch(shop or ""))


def shop_base_url(shop: str, base_url: str = "") -> str:
    """The shop's admin address: the connection's override (emulator, proxy) or the template."""
    if base_url:
        return base_url.rstrip("/")
    return settings.SHOPIFY_SHOP_URL_TEMPLATE.format(shop=shop).rstrip("/")


def app_secret() -> str:
    """The app's client secret signs admin redirects and webhooks. Empty refuses every signature.
    (With the emulators mounted, settings give it an emulator default so the demo needs no set-up.)"""
    return settings.SHOPIFY_CLIENT_SECRET or ""


# --------------------------------------------------------------------------- signed query strings
def query_message(raw_query: str) -> str:
    """The message Shopify signs for admin redirects (install request, OAuth callback).

    All parameters except `hmac` (and the legacy `signature`), sorted by key, joined as
    `key=value` with `&`, values percent-encoded as in a URL (`%20` for a space). We keep the
    encoding exactly as received, only normalising `+` (form encoding of a space) to `%20`.
    """
    pairs: list[tuple[str, str]] = []
    for part in raw_query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        name = unquote(key.replace("+", " "))
        if name in ("hmac", "signature"):
            continue
        pairs.append((name, value.replace("+", "%20")))
    pairs.sort(key=lambda kv: kv[0].encode())
    return "&".join(f"{key}={value}" for key, value in pairs)


def query_hmac(raw_query: str, secret: str) -> str:
    return hmac.new(secret.encode(), query_message(raw_query).encode(), hashlib.sha256).hexdigest()


def query_is_signed(raw_query: str, received: str, secret: str) -> bool:
    if not secret or not received:
        return False
    return hmac.compare_digest(query_hmac(raw_query, secret), received.lower())


def signed_query(params: Mapping[str, str], secret: str) -> str:
    """Build a query string the way Shopify does, with `hmac` appended (used by the emulator)."""
    raw = "&".join(f"{quote(str(k), safe='')}={quote(str(v), safe='')}" for k, v in sorted(params.items()))
    return f"{raw}&hmac={query_hmac(raw, secret)}"


# --------------------------------------------------------------------------- webhook bodies
def body_hmac(body: bytes, secret: str) -> str:
    """base64(HMAC-SHA256(client secret, raw body)) as in X-Shopify-Hmac-Sha256."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def body_is_signed(body: bytes, received: str, secret: str) -> bool:
    if not secret or not received:
        return False
    return hmac.compare_digest(body_hmac(body, secret).encode(), received.strip().encode())


# --------------------------------------------------------------------------- tokens
def credentials_from_token_response(payload: Mapping[str, Any], now: float | None = None) -> dict[str, Any]:
    """Response of POST /admin/oauth/access_token -> what we keep (encrypted) on the connection.

    Expiring offline tokens (since 2025-12) add expires_in (3600 s), refresh_token and
    refresh_token_expires_in (90 days); refresh tokens rotate on every refresh.
    """
    now = time.time() if now is None else now
    credentials: dict[str, Any] = {"access_token": str(payload["access_token"]),
                                   "scope": str(payload.get("scope") or "")}
    if payload.get("expires_in"):
        credentials["expires_at"] = int(now + int(payload["expires_in"]))
    if payload.get("refresh_token"):
        credentials["refresh_token"] = str(payload["refresh_token"])
        if payload.get("refresh_token_expires_in"):
            credentials["refresh_token_expires_at"] = int(now + int(payload["refresh_token_expires_in"]))
    return credentials
