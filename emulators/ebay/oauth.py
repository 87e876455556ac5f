"""The emulator's consent page, token endpoint and identity call (pack 1.1-1.7).

GET/POST oauth2/authorize        consent: the seller signs in (any seeded account) and agrees;
                                 302 to the RuName's accept URL with code, expires_in, state
POST identity/v1/oauth2/token    Basic client credentials; authorization_code (single use,
                                 299 s, redirect_uri = the RuName it was issued for),
                                 refresh_token (no new refresh token; scope must be a subset),
                                 client_credentials (application token)
GET  commerce/identity/v1/user/  the seller behind a user token
"""

from __future__ import annotations

import base64
import binascii
import secrets
import time
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt

from emulators.ebay.http import bearer, rest_error
from emulators.ebay.state import (
    APP,
    account_of,
    issue_app_token,
    issue_user_token,
    new_code,
    runame_urls,
    store,
    user_token,
)
from emulators.store import EmulatorStore

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Grant application access</title></head>
<body style="font-family:sans-serif;max-width:36em;margin:3em auto">
<h1>Grant application access</h1>
<p>The QuickBooks connector asks to use your eBay account for:</p><ul>{scopes}</ul>
<form method="post">{hidden}
<label>eBay username <select name="username">{accounts}</select></label>
<p><button type="submit" name="decision" value="agree">Agree</button>
<button type="submit" name="decision" value="decline">Not now</button></p></form>
<p style="color:#666">eBay emulator: no real eBay account is involved.</p></body></html>"""


def _client_ok(client_id: str) -> bool:
    return bool(settings.EBAY_CLIENT_ID) and secrets.compare_digest(client_id, settings.EBAY_CLIENT_ID)


def _redirect(url: str, params: dict[str, str]) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{url}{'&' if '?' in url else '?'}{urlencode(params)}")


@csrf_exempt
def authorize(request: HttpRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    if not _client_ok(params.get("client_id", "")):
        return HttpResponse("invalid_request: the client_id is not a valid App ID.", status=400)
    runame = params.get("redirect_uri", "")
    urls = runame_urls(runame)
    if urls is None:
        return HttpResponse("invalid_request: redirect_uri must be the RuName of this application.", status=400)
    if params.get("response_type") != "code":
        return HttpResponse("unsupported_response_type", status=400)
    if request.method != "POST":
        keep = ("client_id", "redirect_uri", "response_type", "scope", "state")
        hidden = "".join(f'<input type="hidden" name="{k}" value="{escape(params[k])}">' for k in keep if k in params)
        scopes = "".join(f"<li>{escape(s)}</li>" for s in params.get("scope", "").split() if s)
        sellers = [a for a in EmulatorStore.accounts("ebay") if a != APP]
        accounts = "".join(f'<option value="{escape(a)}">{escape(a)}</option>' for a in sellers)
        return HttpResponse(PAGE.format(scopes=scopes, hidden=hidden, accounts=accounts))
    state = params.get("state", "")
    if params.get("decision") != "agree":
        return _redirect(urls["decline"], {"error": "access_denied", "state": state})
    username = params.get("username", "")
    if not username or username == APP or not store(username).exists():
        return HttpResponse("Unknown eBay user.", status=400)
    code = new_code(username, params.get("scope", ""), runame)
    return _redirect(urls["accept"], {"state": state, "code": code, "expires_in": "299"})


def _oauth_error(error: str, description: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": error, "error_description": description}, status=status)


def _basic_ok(header: str) -> bool:
    if not header.startswith("Basic "):
        return False
    try:
        client_id, _, secret = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    return _client_ok(client_id) and secrets.compare_digest(secret, settings.EBAY_CLIENT_SECRET or "")


@csrf_exempt
def token(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    if not _basic_ok(request.headers.get("Authorization", "")):
        return _oauth_error("invalid_client", "client authentication failed", 401)
    if request.content_type != "application/x-www-form-urlencoded":
        return _oauth_error("invalid_request", "request must be application/x-www-form-urlencoded")
    data = QueryDict(request.body)
    grant = data.get("grant_type", "")
    if grant == "client_credentials":
        return JsonResponse(issue_app_token(data.get("scope", "")))
    with transaction.atomic():
        if grant == "authorization_code":
            code = data.get("code", "")
            account = account_of(code)
            record = store(account).get_for_update("codes", code) if account and account != APP else None
            if (record is None or record["used"] or record["created"] < time.time() - 299
                    or record["runame"] != data.get("redirect_uri", "")):
                return _oauth_error("invalid_grant", "the provided authorization grant code is invalid or was "
                                    "issued to another client")
            record["used"] = True
            store(account).put("codes", code, record)
            return JsonResponse(issue_user_token(account, record["scope"]))
        if grant == "refresh_token":
            refresh = data.get("refresh_token", "")
            account = account_of(refresh)
            record = store(account).get("refresh_tokens", refresh) if account and account != APP else None
            if record is None or record["expires_at"] < time.time():
                return _oauth_error("invalid_grant", "the provided authorization refresh token is invalid or was "
                                    "issued to another client")
            asked = set(data.get("scope", "").split()) or set(record["scope"].split())
            if not asked <= set(record["scope"].split()):
                return _oauth_error("invalid_scope", "the requested scope is invalid, unknown, malformed, or exceeds "
                                    "the scope granted to the client")
            return JsonResponse(issue_user_token(account, " ".join(sorted(asked)), with_refresh=False))
    return _oauth_error("unsupported_grant_type", "grant type in request is not supported by the authorization server")


def identity_user(request: HttpRequest) -> HttpResponse:
    found = user_token(bearer(request))
    if found is None:
        return rest_error(401, 1001, "Invalid access token", domain="OAuth")
    account, _ = found
    return JsonResponse({"userId": account_of_id(account), "username": account, "accountType": "BUSINESS",
                         "registrationMarketplaceId": "EBAY_US"})


def account_of_id(account: str) -> str:
    """A stable immutable-looking id per seller (eBay's userId is opaque)."""
    return base64.urlsafe_b64encode(account.encode()).decode().rstrip("=")[:12]
