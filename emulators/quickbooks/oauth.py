"""The emulator's OAuth 2.0 endpoints (reference pack section 1) and discovery document.

GET  oauth2/authorize         consent page: pick a company, Connect or Deny
POST oauth2/authorize         -> 302 redirect_uri?code=..&state=..&realmId=.. (or error=access_denied)
POST oauth2/v1/tokens/bearer  authorization_code (single-use, PKCE S256 checked) and refresh_token
                              grants; refresh tokens rotate, and the immediately previous one keeps
                              working for `refresh_grace` seconds (24 h at Intuit, pack 1.5)
POST v2/oauth2/tokens/revoke  {"token": ...}: the connection's tokens stop working
GET  .well-known/openid_sandbox_configuration (and openid_configuration)
"""

from __future__ import annotations

import base64
import hashlib
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

from emulators.quickbooks.state import (
    config,
    issue_token,
    oauth_store,
    reset_realm,
    revoke_realm_tokens,
)
from emulators.store import EmulatorStore

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Connect to QuickBooks</title></head>
<body style="font-family:sans-serif;max-width:36em;margin:3em auto">
<h1>Connect the QuickBooks connector?</h1>
<p>The app asks to read and write your accounting data ({scope}).</p>
<form method="post">{hidden}
<label>Company <select name="realmId">{options}</select></label>
<p><button type="submit" name="decision" value="connect">Connect</button>
<button type="submit" name="decision" value="deny">Deny</button></p></form>
<p style="color:#666">QuickBooks emulator: no real company is involved.</p></body></html>"""


def _redirect(uri: str, params: dict[str, str]) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{uri}{'&' if '?' in uri else '?'}{urlencode(params)}")


@csrf_exempt
def authorize(request: HttpRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    if params.get("client_id") != settings.QUICKBOOKS_CLIENT_ID:
        return HttpResponse("invalid_client: unknown client_id", status=400)
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri.startswith(("http://", "https://")) or params.get("response_type", "code") != "code":
        return HttpResponse("invalid_request: redirect_uri or response_type", status=400)
    realms = EmulatorStore.accounts("quickbooks")
    if request.method != "POST":
        keep = ("client_id", "scope", "redirect_uri", "state", "response_type", "code_challenge",
                "code_challenge_method")
        hidden = "".join(f'<input type="hidden" name="{k}" value="{escape(params[k])}">' for k in keep if k in params)
        options = "".join(f'<option value="{escape(r)}">{escape(config(r).get("company_name", r))} ({escape(r)})</option>'
                          for r in realms) or '<option value="">New company</option>'
        return HttpResponse(PAGE.format(scope=escape(params.get("scope", "")), hidden=hidden, options=options))
    state = params.get("state", "")
    if params.get("decision") != "connect":
        return _redirect(redirect_uri, {"error": "access_denied", "state": state})
    realm = params.get("realmId") or ""
    if realm not in realms:
        realm = realm or str(9341450000000000 + secrets.randbelow(10**9))
        reset_realm(realm)
    code = "AB" + secrets.token_urlsafe(30)
    oauth_store().put("codes", code, {"code": code, "realm": realm, "redirect_uri": redirect_uri, "used": False,
                                      "created": time.time(), "challenge": params.get("code_challenge", ""),
                                      "method": params.get("code_challenge_method", "")})
    return _redirect(redirect_uri, {"code": code, "state": state, "realmId": realm})


def _client_ok(request: HttpRequest, data: dict[str, str]) -> bool:
    header = request.headers.get("Authorization", "")
    client_id, secret = data.get("client_id", ""), data.get("client_secret", "")
    if header.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
    return secrets.compare_digest(client_id, settings.QUICKBOOKS_CLIENT_ID or "") and \
        secrets.compare_digest(secret, settings.QUICKBOOKS_CLIENT_SECRET or "")


def _error(error: str, description: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error_description": description, "error": error}, status=status)


@csrf_exempt
def token(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    data = {k: v for k, v in QueryDict(request.body).items()}
    if not _client_ok(request, data):
        return _error("invalid_client", "Client authentication failed", 401)
    tokens = oauth_store()
    with transaction.atomic():
        if data.get("grant_type") == "refresh_token":
            return _refresh(tokens, data.get("refresh_token", ""))
        if data.get("grant_type") != "authorization_code":
            return _error("unsupported_grant_type", "grant_type is not supported")
        code = tokens.get_for_update("codes", data.get("code", "")) if data.get("code") else None
        if code is None or code["used"] or code["created"] < time.time() - 600:
            return _error("invalid_grant", "Token invalid")
        code["used"] = True
        tokens.put("codes", code["code"], code)
        if code["redirect_uri"] != data.get("redirect_uri"):
            return _error("invalid_grant", "redirect_uri does not match")
        if code.get("challenge"):
            verifier = data.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
            if not secrets.compare_digest(digest, code["challenge"]):
                return _error("invalid_grant", "code_verifier does not match the code_challenge")
        return JsonResponse(issue_token(code["realm"]))


def _refresh(tokens: EmulatorStore, value: str) -> HttpResponse:
    record = tokens.get_for_update("refresh_tokens", value) if value else None
    if record is None or record["expires_at"] < time.time():
        return _error("invalid_grant", "Incorrect or invalid refresh token")
    realm = record["realm"]
    cfg = config(realm)
    replaced_at = record.get("replaced_at")
    if replaced_at is not None:
        newest = tokens.get("refresh_tokens", record["replaced_by"])
        # The previous token still works for a grace period, answering with the newest one.
        if newest is None or newest.get("replaced_at") is not None or time.time() - replaced_at > cfg["refresh_grace"]:
            return _error("invalid_grant", "Token has been expired or revoked.")
        payload = issue_token(realm, refresh_parent=value)
        tokens.delete("refresh_tokens", payload["refresh_token"])
        payload["refresh_token"] = newest["token"]
        _count_refresh(tokens, realm)
        return JsonResponse(payload)
    payload = issue_token(realm, refresh_parent=value)
    record.update({"replaced_at": time.time(), "replaced_by": payload["refresh_token"]})
    tokens.put("refresh_tokens", value, record)
    _count_refresh(tokens, realm)
    return JsonResponse(payload)


def _count_refresh(tokens: EmulatorStore, realm: str) -> None:
    row = tokens.get_for_update("refresh_counts", realm) or {"realm": realm, "count": 0}
    row["count"] += 1
    tokens.put("refresh_counts", realm, row)


def refresh_count(realm: str) -> int:
    row = oauth_store().get("refresh_counts", realm)
    return int(row["count"]) if row else 0


@csrf_exempt
def revoke(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    try:
        data: Any = json.loads(request.body or b"{}")
    except json.JSONDecodeError:
        data = {}
    if not _client_ok(request, {}):
        return _error("invalid_client", "Client authentication failed", 401)
    value = str(data.get("token") or "") if isinstance(data, dict) else ""
    tokens = oauth_store()
    record = tokens.get("refresh_tokens", value) or tokens.get("tokens", value)
    if record is None:
        return _error("invalid_request", "Token invalid")
    revoke_realm_tokens(record["realm"])
    return HttpResponse(status=200)


def discovery(request: HttpRequest) -> JsonResponse:
    root = request.build_absolute_uri("/_emulators/quickbooks").rstrip("/")
    return JsonResponse({
        "issuer": "https://oauth.platform.intuit.com/op/v1",
        "authorization_endpoint": f"{root}/oauth2/authorize",
        "token_endpoint": f"{root}/oauth2/v1/tokens/bearer",
        "userinfo_endpoint": f"{root}/v1/openid_connect/userinfo",
        "revocation_endpoint": f"{root}/v2/oauth2/tokens/revoke",
        "jwks_uri": f"{root}/op/v1/jwks",
        "response_types_supported": ["code"], "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile", "address", "phone"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
    })
