"""Connecting a Shopify store: authorization code grant for a standalone (non-embedded) app.

Reference: shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant
and .../offline-access-tokens (expiring offline tokens with rotating refresh tokens, 2025-12).
Flow: authorization_url() -> merchant approves -> callback with code, shop, state, timestamp,
hmac -> complete() verifies and exchanges the code for an offline token -> after_connect()
subscribes to the webhooks we handle.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings

from connector.platforms.base import BaseClient, PermanentError, ReconnectRequired
from connector.platforms.oauth_state import oauth_state_issue, oauth_state_take
from connector.platforms.shopify.auth import (
    app_secret,
    credentials_from_token_response,
    query_is_signed,
    shop_base_url,
    shop_is_valid,
)

if TYPE_CHECKING:
    import requests
    from django.http import HttpRequest

    from accounts.models import Organization
    from connector.models import ConnectedSystem
    from connector.platforms.base import PlatformError
    from connector.platforms.contracts import ConnectResult

logger = logging.getLogger("connector.shopify")

# Only what the connector uses: variants and inventory items (read_products), setting stock
# (write_inventory, which implies read_inventory), choosing a location (read_locations), orders
# (read_orders) and the buyer's name and email on them (read_customers).
SCOPES = ("read_products", "write_inventory", "read_locations", "read_orders", "read_customers")
IMPLIED = {"write_inventory": "read_inventory", "write_products": "read_products", "write_orders": "read_orders"}

# What the connect page asks before sending the user to the consent page: (name, label, placeholder).
START_FIELDS: tuple[tuple[str, str, str], ...] = (("shop", "Store address", "your-store.myshopify.com"),)
SESSION_KEY = "shopify_oauth_states"
CALLBACK_MAX_AGE_SECONDS = 24 * 3600  # the callback's timestamp; Shopify's Python library uses 24 h

WEBHOOK_TOPICS = ("orders/create", "orders/updated", "orders/cancelled", "inventory_levels/update",
                  "products/update", "app/uninstalled")


class ShopifyAuthClient(BaseClient):
    """The unauthenticated endpoints under /admin/oauth/ of one shop."""

    platform = "shopify"
    request_id_header = "X-Request-Id"

    def error_from_response(self, response: requests.Response) -> PlatformError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        error = str(body.get("error") or "") if isinstance(body, dict) else ""
        if error in ("invalid_grant", "invalid_client"):
            return ReconnectRequired(f"Shopify no longer accepts our authorisation ({error}). "
                                     "Connect the store again.", status=response.status_code, code=error)
        if response.status_code == 400:
            return PermanentError("Shopify refused the authorisation code (it may have been used or have "
                                  "expired). Start connecting again.", status=400, code=error)
        return super().error_from_response(response)

    def token(self, body: dict[str, Any]) -> dict[str, Any]:
        payload = self.request("POST", "admin/oauth/access_token", json=body, retry_auth=False).json()
        if not isinstance(payload, dict) or not payload.get("access_token"):
            raise PermanentError("Shopify answered the token request without an access token.")
        return payload


def _granted(scope: str) -> set[str]:
    granted = {s.strip() for s in scope.split(",") if s.strip()}
    return granted | {IMPLIED[s] for s in granted if s in IMPLIED}


# --------------------------------------------------------------------------- the flow
def authorization_url(request: HttpRequest, *, organization: Organization, redirect_uri: str,
                      base_url: str = "", params: dict[str, str] | None = None) -> str:
    """params["shop"]: the store's `<name>.myshopify.com` domain, validated (anchored pattern)."""
    shop = str((params or {}).get("shop") or "").strip().lower()
    if not shop_is_valid(shop):
        raise PermanentError("Enter the store's address as it appears in Shopify's admin, like "
                             "your-store.myshopify.com.")
    if base_url and not base_url.rstrip("/").endswith("/" + shop):
        base_url = f"{base_url.rstrip('/')}/{shop}"  # an emulator's root: its shops live under it
    state = oauth_state_issue(request, key=SESSION_KEY,
                              data={"organization": organization.pk, "shop": shop, "base_url": base_url})
    query = urlencode({"client_id": settings.SHOPIFY_CLIENT_ID, "scope": ",".join(SCOPES),
                       "redirect_uri": redirect_uri, "state": state})
    return f"{shop_base_url(shop, base_url)}/admin/oauth/authorize?{query}"


def install_request_shop(request: HttpRequest) -> str:
    """Shopify opens the app's URL with `shop`, `timestamp` and `hmac` (and more) when a merchant
    installs from the admin or App Store. Return the verified shop, to start authorization_url()."""
    shop = request.GET.get("shop", "").lower()
    signed = query_is_signed(request.META.get("QUERY_STRING", ""), request.GET.get("hmac", ""), app_secret())
    if not (signed and shop_is_valid(shop)):
        raise PermanentError("This install link was not signed by Shopify. Start from the Connect page.")
    return shop


def complete(request: HttpRequest, *, organization: Organization, redirect_uri: str) -> ConnectResult:
    from connector.platforms.contracts import ConnectResult

    query = request.GET
    if query.get("error"):
        raise PermanentError("The store owner did not approve the connection in Shopify.")
    entry = oauth_state_take(request, key=SESSION_KEY, state=query.get("state", ""), platform="Shopify")
    shop = query.get("shop", "").lower()
    if entry.get("organization") != organization.pk:
        raise PermanentError("This Shopify connection was started for another organisation.")
    if not shop_is_valid(shop) or shop != entry.get("shop"):
        raise PermanentError("Shopify returned a different store than the one you asked to connect.")
    if not query_is_signed(request.META.get("QUERY_STRING", ""), query.get("hmac", ""), app_secret()):
        raise PermanentError("The answer from Shopify was not signed correctly; nothing was connected.")
    try:
        stamp = int(query.get("timestamp", "0"))
    except ValueError:
        stamp = 0
    if abs(time.time() - stamp) > CALLBACK_MAX_AGE_SECONDS:
        raise PermanentError("The answer from Shopify is too old. Start connecting again.")
    base_url = str(entry.get("base_url") or "")
    payload = ShopifyAuthClient(shop_base_url(shop, base_url)).token({
        "client_id": settings.SHOPIFY_CLIENT_ID, "client_secret": app_secret(),
        "code": query.get("code", ""), "expiring": 1,
    })
    credentials = credentials_from_token_response(payload)
    missing = set(SCOPES) - _granted(credentials["scope"])
    if missing:
        raise PermanentError("Shopify granted fewer permissions than the connector needs "
                             f"(missing: {', '.join(sorted(missing))}).")
    return ConnectResult(external_account_id=shop, display_name=shop.removesuffix(".myshopify.com"),
                         credentials=credentials, base_url=base_url)


def refresh(system: ConnectedSystem, credentials: dict[str, Any]) -> dict[str, Any]:
    """Rotate an expiring offline token. The new refresh token replaces the old one at once
    (credentials_refresh commits it before anyone uses the new access token)."""
    if not credentials.get("refresh_token"):
        raise ReconnectRequired("Shopify's access token stopped working and cannot be renewed. "
                                "Connect the store again.")
    payload = ShopifyAuthClient(shop_base_url(system.external_account_id, system.base_url)).token({
        "client_id": settings.SHOPIFY_CLIENT_ID, "client_secret": app_secret(),
        "grant_type": "refresh_token", "refresh_token": credentials["refresh_token"],
    })
    return credentials_from_token_response(payload)


def revoke(system: ConnectedSystem) -> None:
    """Uninstall the app from the shop (DELETE /admin/api_permissions/current.json), which
    invalidates every token it holds."""
    from connector.platforms.shopify.client import ShopifyClient

    client = ShopifyClient(system)
    client.request("DELETE", "admin/api_permissions/current.json", retry_auth=False, ok=(200, 204, 404))


def webhook_address(system: ConnectedSystem) -> str:
    return f"{settings.CONNECTOR_PUBLIC_URL.rstrip('/')}/webhooks/shopify/{system.public_id}/"


def after_connect(system: ConnectedSystem) -> None:
    """Subscribe to the topics we handle (idempotent: existing subscriptions are kept).

    The compliance topics (customers/data_request, customers/redact, shop/redact) cannot be
    subscribed through the Admin API; they are set in the app's configuration (docs/shopify.md).
    """
    from connector.platforms.shopify import graphql as gql
    from connector.platforms.shopify.client import ShopifyClient

    client = ShopifyClient(system)
    address = webhook_address(system)
    existing = client.graphql(gql.WEBHOOK_SUBSCRIPTIONS_QUERY)["webhookSubscriptions"]["nodes"]
    have = {(n.get("topic"), n.get("uri")) for n in existing}
    # `uri` unified the endpoint input in 2025-10; older versions only know callbackUrl.
    field = "uri" if gql.version_at_least(client.version, "2025-10") else "callbackUrl"
    for topic in WEBHOOK_TOPICS:
        enum = topic.upper().replace("/", "_")
        if (enum, address) in have:
            continue
        data = client.graphql(gql.WEBHOOK_CREATE_MUTATION, {
            "topic": enum, "subscription": {field: address, "format": "JSON"}})
        errors = data["webhookSubscriptionCreate"].get("userErrors") or []
        if errors:
            raise PermanentError(f"Shopify refused the {topic} notification: {errors[0].get('message')}")
    logger.info("shopify connection %s subscribed to %d topics", system.pk, len(WEBHOOK_TOPICS))
