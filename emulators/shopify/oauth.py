"""The emulator's grant screen and token endpoint (reference pack sections 1.3-1.6).

GET  <shop>/admin/oauth/authorize   consent page (Install / Cancel)
POST <shop>/admin/oauth/authorize   the merchant's decision -> 302 to redirect_uri with
                                    code, host, shop, state, timestamp, hmac (signed as Shopify does)
POST <shop>/admin/oauth/access_token  single-use codes, `expiring`, grant_type=refresh_token (rotating)
DELETE <shop>/admin/api_permissions/current.json  uninstall: tokens die, app/uninstalled is sent
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt

from connector.platforms.shopify.auth import app_secret, signed_query
from emulators.shopify.http import authenticate, unauthorized, webhooks_deliver
from emulators.shopify.state import issue_token, store

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Install app - {shop}</title></head>
<body style="font-family:sans-serif;max-width:36em;margin:3em auto">
<h1>Install the QuickBooks connector?</h1>
<p>The app asks for access to <strong>{shop}</strong>:</p><ul>{scopes}</ul>
<form method="post">{hidden}
<button type="submit" name="decision" value="install">Install</button>
<button type="submit" name="decision" value="cancel">Cancel</button></form>
<p style="color:#666">Shopify emulator: no real store is involved.</p></body></html>"""


def _client_ok(client_id: str) -> bool:
    return not settings.SHOPIFY_CLIENT_ID or secrets.compare_digest(client_id, settings.SHOPIFY_CLIENT_ID)


@csrf_exempt
def authorize(request: HttpRequest, shop: str) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    if not store(shop).exists():
        return HttpResponse("There is no store at this address.", status=404)
    if not _client_ok(params.get("client_id", "")):
        return HttpResponse("Oauth error invalid_request: The client_id is invalid.", status=400)
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri.startswith(("http://", "https://")):
        return HttpResponse("Oauth error invalid_request: The redirect_uri is missing or not whitelisted.", status=400)
    if request.method != "POST":
        keep = ("client_id", "scope", "redirect_uri", "state", "grant_options[]")
        hidden = "".join(f'<input type="hidden" name="{k}" value="{escape(params[k])}">' for k in keep if k in params)
        scopes = "".join(f"<li>{escape(s)}</li>" for s in params.get("scope", "").split(",") if s)
        return HttpResponse(PAGE.format(shop=escape(shop), scopes=scopes, hidden=hidden))
    if params.get("decision") != "install":
        query = urlencode({"error": "access_denied", "shop": shop, "state": params.get("state", "")})
        return HttpResponseRedirect(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}")
    code = secrets.token_hex(16)
    store(shop).put("codes", code, {"code": code, "scope": params.get("scope", ""), "used": False,
                                    "created": time.time(), "client_id": params.get("client_id", "")})
    host = base64.b64encode(f"admin.shopify.com/store/{shop.removesuffix('.myshopify.com')}".encode()).decode()
    query = signed_query({"code": code, "host": host, "shop": shop, "state": params.get("state", ""),
                          "timestamp": str(int(time.time()))}, app_secret())
    return HttpResponseRedirect(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}")


def _body(request: HttpRequest) -> dict[str, Any]:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except json.JSONDecodeError:
            return {}
        return data if isinstance(data, dict) else {}
    return {k: v for k, v in QueryDict(request.body).items()}


def _oauth_error(error: str, description: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": error, "error_description": description}, status=status)


@csrf_exempt
def access_token(request: HttpRequest, shop: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    data = _body(request)
    shop_store = store(shop)
    if not shop_store.exists():
        return JsonResponse({"errors": "Not Found"}, status=404)
    secret = app_secret()
    if not _client_ok(str(data.get("client_id", ""))) or (
            secret and not secrets.compare_digest(str(data.get("client_secret", "")), secret)):
        return _oauth_error("invalid_client", "Client authentication failed.", 401)
    with transaction.atomic():
        if data.get("grant_type") == "refresh_token":
            old = shop_store.get_for_update("refresh_tokens", str(data.get("refresh_token") or "")) \
                if data.get("refresh_token") else None
            if old is None or old["used"] or old["expires_at"] < time.time():
                return _oauth_error("invalid_grant", "The refresh token is invalid, expired or already used.")
            old["used"] = True  # rotation: every refresh token works once
            shop_store.put("refresh_tokens", old["token"], old)
            return JsonResponse(issue_token(shop, scope=old["scope"], expiring=True))
        code = shop_store.get_for_update("codes", str(data.get("code") or "")) if data.get("code") else None
        if code is None or code["used"] or code["created"] < time.time() - 600:
            return _oauth_error("invalid_request", "The authorization code was not found or was already used.")
        code["used"] = True
        shop_store.put("codes", code["code"], code)
        expiring = str(data.get("expiring", "0")) in ("1", "true", "True")
        return JsonResponse(issue_token(shop, scope=code["scope"], expiring=expiring))


@csrf_exempt
def api_permissions_current(request: HttpRequest, shop: str) -> HttpResponse:
    """Uninstall the app: every token stops working, app/uninstalled goes to the subscriptions."""
    if request.method != "DELETE":
        return HttpResponse(status=405)
    if authenticate(request, shop) is None:
        return unauthorized()
    uninstall(shop)
    return JsonResponse({})


def uninstall(shop: str) -> None:
    shop_store = store(shop)
    with transaction.atomic():
        webhooks_deliver(shop, "app/uninstalled", {"id": 1, "name": shop, "domain": shop, "myshopify_domain": shop})
        for collection in ("tokens", "refresh_tokens", "webhooks"):
            for row in shop_store.all(collection):
                shop_store.delete(collection, row.get("token") or row.get("id"))
