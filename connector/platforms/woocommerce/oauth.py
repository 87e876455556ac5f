"""Connecting a WooCommerce site through its app authentication endpoint (reference pack 1.4).

1. authorization_url(): `<site>/wc-auth/v1/authorize?app_name&scope=read_write&user_id&return_url
   &callback_url`. `user_id` is ours: a signed (HMAC, django.core.signing), time-limited token
   naming the organisation, the site and a random nonce.
2. The merchant approves; the store POSTs the new keys as JSON to `callback_url` (server to
   server, no browser session): keys_received() checks the signature and age of `user_id`, spends
   its nonce (single use, in the shared cache), and connects the site for the organisation it names.
   Anything but HTTP 200 makes WooCommerce delete the key, so refusals answer 400.
3. The browser returns to `return_url?success=1&user_id=...`: complete() checks that this browser
   started the flow (nonce in its session, single use) for this organisation, and hands back the
   connection the POST created.

The callback address is `<CONNECTOR_PUBLIC_URL>/webhooks/woocommerce/` (the app-wide webhook
address, answered by webhooks.answer_unverified): it must be https for a real store.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse

from connector.platforms.base import PermanentError, PlatformError, ReconnectRequired
from connector.platforms.woocommerce.auth import site_account, site_url

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import Organization
    from connector.models import ConnectedSystem
    from connector.platforms.contracts import ConnectResult

logger = logging.getLogger("connector.woocommerce")

# What the connect page asks before sending the user to the consent page: (name, label, placeholder).
START_FIELDS: tuple[tuple[str, str, str], ...] = (("site", "Site address", "https://shop.example.com"),)
APP_NAME = "QuickBooks connector"
SCOPE = "read_write"  # read products and orders, write stock
WEBHOOK_TOPICS = ("order.created", "order.updated", "product.updated")
WEBHOOK_NAME = "QuickBooks connector"
SALT = "connector.woocommerce.wc-auth"
MAX_AGE_SECONDS = 3600
SESSION_KEY = "woocommerce_wc_auth"


def callback_address() -> str:
    return f"{settings.CONNECTOR_PUBLIC_URL.rstrip('/')}/webhooks/woocommerce/"


def webhook_address(system: ConnectedSystem) -> str:
    return f"{settings.CONNECTOR_PUBLIC_URL.rstrip('/')}/webhooks/woocommerce/{system.public_id}/"


def requested_site(params: dict[str, str] | None, base_url: str = "") -> str:
    """params["site"]: the address the merchant typed. With an emulator root as base_url, a plain
    name ("demo-site") means the emulated site under it."""
    raw = str((params or {}).get("site") or "").strip()
    if base_url and raw and "." not in raw and "/" not in raw and ":" not in raw:
        return f"{base_url.rstrip('/')}/{raw}"
    return site_url(raw or base_url)


# --------------------------------------------------------------------------- 1. start
def authorization_url(request: HttpRequest, *, organization: Organization, redirect_uri: str,
                      base_url: str = "", params: dict[str, str] | None = None) -> str:
    site = requested_site(params, base_url)
    if not site:
        raise PermanentError("Enter the address of the WordPress site, like https://shop.example.com.")
    nonce = secrets.token_urlsafe(16)
    user_id = signing.dumps({"o": organization.pk, "s": site, "n": nonce}, salt=SALT, compress=True)
    states = {k: v for k, v in request.session.get(SESSION_KEY, {}).items()
              if v.get("created", 0) > time.time() - MAX_AGE_SECONDS}
    states[nonce] = {"organization": organization.pk, "site": site, "created": time.time()}
    request.session[SESSION_KEY] = states
    query = urlencode({"app_name": APP_NAME, "scope": SCOPE, "user_id": user_id, "return_url": redirect_uri,
                       "callback_url": callback_address()})
    return f"{site}/wc-auth/v1/authorize?{query}"


def _read_user_id(user_id: str) -> dict[str, Any]:
    try:
        data = signing.loads(user_id, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired as exc:
        raise PermanentError("This WooCommerce connection link has expired. Start again.") from exc
    except signing.BadSignature as exc:
        raise PermanentError("This WooCommerce connection was not started here.") from exc
    if not isinstance(data, dict) or not {"o", "s", "n"} <= set(data):
        raise PermanentError("This WooCommerce connection was not started here.")
    return data


# --------------------------------------------------------------------------- 2. the keys
def _credentials(body: dict[str, Any], nonce: str) -> dict[str, Any]:
    return {"consumer_key": str(body["consumer_key"]), "consumer_secret": str(body["consumer_secret"]),
            "key_id": int(body.get("key_id") or 0), "key_permissions": str(body.get("key_permissions") or ""),
            "wc_auth": nonce}


def keys_received(request: HttpRequest) -> HttpResponse:
    """POST from the store with `{key_id, user_id, consumer_key, consumer_secret, key_permissions}`."""
    from accounts.models import Organization
    from connector.platforms.contracts import ConnectResult
    from connector.services.systems import system_connect

    try:
        body = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict) or not all(body.get(k) for k in ("user_id", "consumer_key", "consumer_secret")):
        return JsonResponse({"error": "not a WooCommerce key delivery"}, status=400)
    try:
        data = _read_user_id(str(body["user_id"]))
    except PermanentError as exc:
        logger.warning("woocommerce key delivery refused: %s", exc.message)
        return JsonResponse({"error": "unknown user_id"}, status=400)
    if str(body.get("key_permissions") or "") != SCOPE:
        return JsonResponse({"error": "the key must be read_write"}, status=400)
    organization = Organization.objects.filter(pk=data["o"]).first()
    if organization is None:
        return JsonResponse({"error": "unknown user_id"}, status=400)
    # Single use: a replayed delivery (or a second approval of the same link) is refused.
    if not cache.add(f"woocommerce:wc-auth:{data['n']}", "used", timeout=MAX_AGE_SECONDS + 60):
        logger.warning("woocommerce key delivery refused: user_id already used")
        return JsonResponse({"error": "user_id already used"}, status=400)
    site = str(data["s"])
    result = ConnectResult(external_account_id=site_account(site), display_name=urlsplit(site).hostname or site,
                           credentials=_credentials(body, str(data["n"])), base_url=site)
    system_connect(organization=organization, platform="woocommerce", result=result)
    logger.info("woocommerce keys received for organisation %s", organization.pk)
    return HttpResponse(status=200)


# --------------------------------------------------------------------------- 3. the return
def complete(request: HttpRequest, *, organization: Organization, redirect_uri: str) -> ConnectResult:
    from connector.models import ConnectedSystem
    from connector.platforms.contracts import ConnectResult

    data = _read_user_id(request.GET.get("user_id", ""))
    states = dict(request.session.get(SESSION_KEY, {}))
    entry = states.pop(str(data["n"]), None)
    request.session[SESSION_KEY] = states
    if entry is None or entry.get("created", 0) <= time.time() - MAX_AGE_SECONDS:
        raise PermanentError("This WooCommerce connection link has expired or was already used. Start again.")
    if entry.get("organization") != organization.pk or data["o"] != organization.pk:
        raise PermanentError("This WooCommerce connection was started for another organisation.")
    if request.GET.get("success") != "1":
        raise PermanentError("The store owner did not approve the connection in WooCommerce.")
    site = str(data["s"])
    system = ConnectedSystem.objects.filter(organization=organization, platform="woocommerce",
                                            external_account_id=site_account(site)).first()
    if system is None or (system.credentials or {}).get("wc_auth") != data["n"]:
        raise PermanentError("WooCommerce did not send the API keys to this server. Check that the connector's "
                             "public address is reachable over https from the store, then try again, or "
                             "enter a key by hand.")
    return ConnectResult(external_account_id=system.external_account_id, display_name=system.display_name,
                         credentials=dict(system.credentials), base_url=system.base_url)


# --------------------------------------------------------------------------- manual keys
def verify_keys(site: str, consumer_key: str, consumer_secret: str) -> None:
    """Prove a key works for this site and may write: read one product, then send an empty batch
    (a POST, so WooCommerce checks write permission, and changes nothing)."""
    from connector.models import ConnectedSystem
    from connector.platforms.woocommerce.client import WooCommerceClient

    probe = ConnectedSystem(platform="woocommerce", base_url=site,
                            credentials={"consumer_key": consumer_key, "consumer_secret": consumer_secret})
    client = WooCommerceClient(probe)
    try:
        client.call("GET", "products", params={"per_page": 1})
        client.call("POST", "products/batch", json={"update": []})
    except ReconnectRequired as exc:
        raise PermanentError(f"WooCommerce refused this key: {exc.message}") from exc
    except PlatformError as exc:
        if exc.status == 404:
            raise PermanentError("No WooCommerce REST API at this address. Check the address and that "
                                 "WordPress permalinks are not set to 'Plain'.") from exc
        raise PermanentError(f"Could not check the key: {exc.message}") from exc
    finally:
        client.session.close()  # the error kept on the form must not keep the connection open


# --------------------------------------------------------------------------- duties
def refresh(system: ConnectedSystem, credentials: dict[str, Any]) -> dict[str, Any]:
    """Keys do not expire; a refused key can only be replaced by connecting again."""
    raise ReconnectRequired("WooCommerce no longer accepts the connector's API key. Connect the site again.")


def revoke(system: ConnectedSystem) -> None:
    """Delete the webhooks we created. WooCommerce has no API to revoke a key: the merchant
    removes it under WooCommerce > Settings > Advanced > REST API (docs/woocommerce.md)."""
    from connector.platforms.woocommerce.client import WooCommerceClient

    address = webhook_address(system)
    with WooCommerceClient(system) as client:
        for hook in client.webhooks():
            if hook.get("delivery_url") == address:
                client.delete_webhook(int(hook["id"]))


def after_connect(system: ConnectedSystem) -> None:
    """Create our webhooks, or re-activate them with our secret (WooCommerce disables a webhook
    after repeated failed deliveries and never shows its secret). Idempotent."""
    from connector.platforms.woocommerce.client import WooCommerceClient

    address = webhook_address(system)
    with WooCommerceClient(system) as client:
        existing = {h.get("topic"): h for h in client.webhooks() if h.get("delivery_url") == address}
        for topic in WEBHOOK_TOPICS:
            hook = existing.get(topic)
            if hook is None:
                client.create_webhook(name=WEBHOOK_NAME, topic=topic, delivery_url=address,
                                      secret=system.webhook_secret)
            else:
                client.call("PUT", f"webhooks/{int(hook['id'])}",
                            json={"status": "active", "secret": system.webhook_secret})
    logger.info("woocommerce connection %s subscribed to %d topics", system.pk, len(WEBHOOK_TOPICS))
