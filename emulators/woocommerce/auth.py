"""The emulator's app authentication endpoint (reference pack 1.4, class-wc-auth.php).

GET  <site>/wc-auth/v1/authorize       consent screen (the merchant is taken as logged in)
POST <site>/wc-auth/v1/access_granted  the merchant's decision (nonce-protected): a new key is
                                       created and POSTed as JSON to callback_url; anything but
                                       HTTP 200 deletes the key again; then the browser goes to
                                       return_url?success=1|0&user_id=...
"""

from __future__ import annotations

import json
import secrets
import time
from urllib.parse import urlencode, urlsplit

import requests
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt

from emulators.woocommerce.state import delete_key, issue_key, stamps, store

SCOPES = {"read": "Read", "write": "Write", "read_write": "Read/Write"}
PARAMS = ("app_name", "scope", "user_id", "return_url", "callback_url")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "testserver"}
CALLBACK_TIMEOUT = 60

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family:sans-serif;max-width:36em;margin:3em auto">{content}
<p style="color:#666">WooCommerce emulator: no real store is involved.</p></body></html>"""

CONSENT = """<h1>{app} would like to connect to your store</h1>
<p>This will give "{app}" <strong>{scope}</strong> access which will allow it to:</p>
<ul><li>View and manage products, stock and orders</li></ul>
<p>Logged in as admin</p>
<form method="post" action="{action}">{hidden}
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button></form>"""


def _error(message: str) -> HttpResponse:
    """wp_die() with HTTP 401, as WC_Auth renders its errors."""
    return HttpResponse(PAGE.format(title="Access denied", content=f"<p>Error: {escape(message)}</p>"), status=401)


def _with_scheme(url: str) -> str:
    return url if "://" in url else "https://" + url


def _check(site: str, params: dict[str, str]) -> str:
    """"" when the request is acceptable, else WooCommerce's error text."""
    if not store(site).exists():
        return "There is no store at this address."
    for name in PARAMS:
        if not params.get(name):
            return f"Missing parameter {name}"
    if params["scope"] not in SCOPES:
        return f"Invalid scope {params['scope']}"
    callback = urlsplit(_with_scheme(params["callback_url"]))
    # Real stores demand https; the emulator also accepts plain http on loopback addresses,
    # because tests and the local demo have no certificate.
    if callback.scheme != "https" and (callback.hostname or "") not in LOOPBACK:
        return "The callback_url needs to be over SSL"
    return ""


def _redirect(url: str, **params: str) -> HttpResponse:
    url = _with_scheme(url)
    return HttpResponseRedirect(f"{url}{'&' if '?' in url else '?'}{urlencode(params)}")


@csrf_exempt
def authorize(request: HttpRequest, site: str) -> HttpResponse:
    params = {name: request.GET.get(name, "") for name in PARAMS}
    problem = _check(site, params)
    if problem:
        return _error(problem)
    site_store = store(site)
    if not site_store.config().get("home_url"):
        site_store.ensure_account(home_url=request.build_absolute_uri(request.path).split("/wc-auth/")[0])
    nonce = secrets.token_hex(10)
    site_store.put("auth_nonces", nonce, {"nonce": nonce, "created": time.time()})
    hidden = "".join(f'<input type="hidden" name="{k}" value="{escape(v)}">' for k, v in
                     {**params, "wpnonce": nonce}.items())
    action = request.path.rsplit("/", 1)[0] + "/access_granted"
    content = CONSENT.format(app=escape(params["app_name"]), scope=SCOPES[params["scope"]], action=action,
                             hidden=hidden)
    return HttpResponse(PAGE.format(title="Approve access", content=content))


@csrf_exempt
def access_granted(request: HttpRequest, site: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    params = {name: request.POST.get(name, "") for name in PARAMS}
    problem = _check(site, params)
    if problem:
        return _error(problem)
    site_store = store(site)
    with transaction.atomic():
        nonce = site_store.get_for_update("auth_nonces", request.POST.get("wpnonce", ""))
        if nonce is None or nonce["created"] < time.time() - 86400:
            return _error("Invalid nonce")  # wp_verify_nonce failed
        site_store.delete("auth_nonces", nonce["nonce"])
    if request.POST.get("decision") != "approve":
        return _redirect(params["return_url"], success="0", user_id=params["user_id"])
    local, _ = stamps(site)
    with transaction.atomic():  # committed before the callback: the app may use the key at once
        key = issue_key(site, permissions=params["scope"],
                        description=f"{params['app_name']} - API ({local.replace('T', ' ')})")
    body = {"key_id": key["key_id"], "user_id": params["user_id"], "consumer_key": key["consumer_key"],
            "consumer_secret": key["consumer_secret"], "key_permissions": key["key_permissions"]}
    try:
        answer = requests.post(_with_scheme(params["callback_url"]), data=json.dumps(body),
                               headers={"Content-Type": "application/json;charset=UTF-8"},
                               timeout=CALLBACK_TIMEOUT, allow_redirects=False)
        status = answer.status_code
    except requests.RequestException:
        status = 0
    if status != 200:
        with transaction.atomic():
            delete_key(site, key["key_id"])
        return _error("An error occurred in the request and at the time were unable to send the consumer data")
    return _redirect(params["return_url"], success="1", user_id=params["user_id"])
