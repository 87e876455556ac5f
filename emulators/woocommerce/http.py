"""HTTP plumbing of the WooCommerce emulator: the WordPress error envelope, key authentication
(Basic / query keys over HTTPS, one-legged OAuth 1.0a otherwise; reference pack 1.2-1.3),
collection pagination headers (2.6) and signed webhook delivery (4.2-4.4).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse

from connector.platforms.woocommerce.auth import (
    OAUTH_METHODS,
    body_signature,
    oauth_base_string,
    oauth_signature,
)
from emulators.outbox import webhook_send
from emulators.woocommerce.state import PLATFORM, key_record, stamps, store

WINDOW_SECONDS = 15 * 60  # timestamp tolerance and nonce memory
BASIC_REALM = ('Basic realm="WooCommerce API. Use a consumer key in the username field and a consumer secret '
               'in the password field."')


def wp_error(code: str, message: str, status: int, **data: Any) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "data": {"status": status, **data}}, status=status)


def error_body(status: int) -> JsonResponse:
    """Bodies for injected faults. Hosts answer 5xx / 429 with pages of their own; WordPress's
    fatal-error handler answers JSON like this for REST requests."""
    if status == 429:
        response = wp_error("too_many_requests", "Too many requests.", 429)
        response["Retry-After"] = "2"
        return response
    if status >= 500:
        return wp_error("internal_server_error", "There has been a critical error on this website.", status)
    return wp_error("rest_error", f"HTTP {status}", status)


def no_route() -> JsonResponse:
    return wp_error("rest_no_route", "No route was found matching the URL and request method", 404)


def auth_error(message: str) -> JsonResponse:
    return wp_error("woocommerce_rest_authentication_error", message, 401)


def cannot(action: str = "list resources") -> JsonResponse:
    return wp_error("woocommerce_rest_cannot_view", f"Sorry, you cannot {action}.", 401)


def is_ssl(request: HttpRequest) -> bool:
    """WordPress's is_ssl(); the emulated site sits behind a proxy that sets X-Forwarded-Proto
    (the wp-config.php fix most hosts apply), since the emulator itself is served over HTTP."""
    return request.is_secure() or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def _oauth_params(request: HttpRequest) -> dict[str, str]:
    params = {k: v for k, v in parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)}
    header = request.headers.get("Authorization", "")
    if header.startswith("OAuth "):
        for part in header[6:].split(","):
            key, _, value = part.strip().partition("=")
            if key.startswith("oauth_"):
                params[key] = unquote(value.strip('"'))
    return params


def authenticate(request: HttpRequest, site: str) -> tuple[dict[str, Any] | None, HttpResponse | None]:
    """(key record, None) or (None, refusal), as class-wc-rest-authentication.php decides."""
    if not store(site).exists():
        return None, no_route()
    if is_ssl(request):
        key, secret = request.GET.get("consumer_key", ""), request.GET.get("consumer_secret", "")
        header = request.headers.get("Authorization", "")
        if not key and header.startswith("Basic "):
            try:
                key, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                key, secret = "", ""
        if key:
            record = key_record(site, key)
            if record is None:
                return None, cannot()  # unknown key: the request continues unauthenticated
            if not _same(secret, record["consumer_secret"]):
                response = auth_error("Consumer secret is invalid.")
                response["WWW-Authenticate"] = BASIC_REALM
                return None, response
            return _permitted(request, record)
    return _oauth(request, site)


def _same(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())


def _oauth(request: HttpRequest, site: str) -> tuple[dict[str, Any] | None, HttpResponse | None]:
    params = _oauth_params(request)
    required = ("oauth_consumer_key", "oauth_timestamp", "oauth_nonce", "oauth_signature", "oauth_signature_method")
    present = [name for name in required if params.get(name)]
    if not present:
        return None, cannot()
    missing = [name for name in required if name not in present]
    if missing:
        return None, wp_error("woocommerce_rest_authentication_missing_parameter",
                              f"Missing OAuth parameter(s) {', '.join(missing)}", 401)
    record = key_record(site, params["oauth_consumer_key"])
    if record is None:
        return None, auth_error("Consumer key is invalid.")
    method = params["oauth_signature_method"]
    if method not in OAUTH_METHODS:
        return None, auth_error("Invalid signature - signature method is invalid.")
    url = request.build_absolute_uri(request.path)
    signed = [(k, v) for k, v in params.items() if k != "oauth_signature"]
    expected = oauth_signature(oauth_base_string(request.method or "GET", url, signed), record["consumer_secret"],
                               method)
    if not _same(expected, params["oauth_signature"]):
        return None, auth_error("Invalid signature - provided signature does not match.")
    try:
        stamp = int(params["oauth_timestamp"])
    except ValueError:
        stamp = 0
    if abs(time.time() - stamp) > WINDOW_SECONDS:
        return None, auth_error("Invalid timestamp.")
    nonces = store(site)
    key = f"{record['key_id']}:{params['oauth_nonce']}"
    if (nonces.get("nonces", key) or {}).get("at", 0) > time.time() - WINDOW_SECONDS:
        return None, auth_error("Invalid nonce - nonce has already been used.")
    nonces.put("nonces", key, {"at": time.time()})
    _forget_old_nonces(site)
    return _permitted(request, record)


def _forget_old_nonces(site: str) -> None:
    """Nonces only matter inside the timestamp window; older ones are dropped so the table stays small."""
    from datetime import timedelta

    from django.utils import timezone

    from emulators.models import EmulatorRecord

    EmulatorRecord.objects.filter(platform=PLATFORM, account=site, collection="nonces",
                                  updated_at__lt=timezone.now() - timedelta(seconds=WINDOW_SECONDS)).delete()


def _permitted(request: HttpRequest, record: dict[str, Any]) -> tuple[dict[str, Any] | None, HttpResponse | None]:
    writing = request.method not in ("GET", "HEAD")
    allowed = {"read", "read_write"} if not writing else {"write", "read_write"}
    if record["key_permissions"] not in allowed:
        kind = "write" if writing else "read"
        return None, auth_error(f"The API key provided does not have {kind} permissions.")
    return record, None


# --------------------------------------------------------------------------- collections
class ParamError(ValueError):
    def __init__(self, name: str, text: str) -> None:
        super().__init__(text)
        self.name, self.text = name, text


def wp_boolean(value: Any, name: str) -> bool:
    """A boolean argument as WordPress's REST server takes it: rest_is_boolean() decides what is
    valid (true/false, "true"/"false"/"1"/"0" in any case, 0/1), rest_sanitize_boolean() what it
    means; anything else ("yes", "on"...) is refused: `<name> is not of type boolean.`"""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    raise ParamError(name, f"{name} is not of type boolean.")


def boolean_param(request: HttpRequest, name: str, default: bool = False) -> bool:
    raw = request.GET.get(name)
    return default if raw is None else wp_boolean(raw, name)


def page_params(request: HttpRequest) -> tuple[int, int]:
    """(per_page, page) with WordPress's validation of per_page (1..100) and page (>= 1)."""
    try:
        per_page = int(request.GET.get("per_page", "10"))
    except ValueError as exc:
        raise ParamError("per_page", "per_page is not of type integer.") from exc
    if not 1 <= per_page <= 100:
        raise ParamError("per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)")
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError as exc:
        raise ParamError("page", "page is not of type integer.") from exc
    if page < 1:
        raise ParamError("page", "page must be greater than or equal to 1")
    return per_page, page


def invalid_param(exc: ParamError) -> JsonResponse:
    return wp_error("rest_invalid_param", f"Invalid parameter(s): {exc.name}", 400, params={exc.name: exc.text})


def only_fields(rows: list[dict[str, Any]], request: HttpRequest) -> list[dict[str, Any]]:
    """WordPress's global `_fields` parameter (top-level names only)."""
    wanted = [f for f in request.GET.get("_fields", "").split(",") if f]
    if not wanted:
        return rows
    return [{k: v for k, v in row.items() if k in wanted} for row in rows]


def collection(request: HttpRequest, rows: list[dict[str, Any]]) -> JsonResponse:
    """One page with X-WP-Total, X-WP-TotalPages and Link rel="prev"/"next" (as the CRUD
    controllers emit them; docs also list first/last, which they do not send)."""
    per_page, page = page_params(request)
    offset = int(request.GET.get("offset") or (page - 1) * per_page)
    total = len(rows)
    pages = (total + per_page - 1) // per_page
    response = JsonResponse(only_fields(rows[offset:offset + per_page], request), safe=False)
    response["X-WP-Total"] = str(total)
    response["X-WP-TotalPages"] = str(pages)
    base = request.build_absolute_uri(request.path)
    keep = [(k, v) for k, v in request.GET.items() if k != "page" and not k.startswith("oauth_")
            and k not in ("consumer_key", "consumer_secret")]
    links = []
    if page > 1 and pages:
        links.append(f'<{base}?{urlencode([*keep, ("page", min(page - 1, pages))])}>; rel="prev"')
    if page < pages:
        links.append(f'<{base}?{urlencode([*keep, ("page", page + 1)])}>; rel="next"')
    if links:
        response["Link"] = ", ".join(links)
    return response


def body_json(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


# --------------------------------------------------------------------------- webhooks out
def wp_json_encode(payload: Any) -> bytes:
    """PHP's json_encode defaults: no spaces, `/` escaped as `\\/`, non-ASCII as \\uXXXX."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode()


def site_home(request_base: str) -> str:
    return request_base.rstrip("/") + "/"


def webhooks_deliver(site: str, topic: str, payload: dict[str, Any], *, resource_id: int) -> int:
    """POST the resource to every active webhook of `topic`, signed over the exact bytes sent.
    WooCommerce builds the body at send time; the emulator sends at commit, which is the same
    thing for a single change. Returns the number of deliveries queued."""
    site_store = store(site)
    config = site_store.config()
    body = wp_json_encode(payload)
    resource, _, event = topic.partition(".")
    sent = 0
    for hook in sorted(site_store.all("webhooks"), key=lambda w: w["id"]):
        if hook.get("topic") != topic or hook.get("status") != "active":
            continue
        if failures(hook) >= DISABLE_AFTER:
            # No retries, and a webhook failing too often is disabled (woocommerce_max_webhook_delivery_failures).
            site_store.put("webhooks", hook["id"], {**hook, "status": "disabled", "failure_count": failures(hook)})
            continue
        delivery = uuid.uuid4().hex
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"WooCommerce/{config.get('version', '9.8.0')} Hookshot (WordPress/6.8)",
            "X-WC-Webhook-Source": site_home(str(config.get("home_url") or f"https://{site}")),
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-Signature": body_signature(body, hook.get("secret") or ""),
            "X-WC-Webhook-ID": str(hook["id"]),
            "X-WC-Webhook-Delivery-ID": delivery,
        }
        url = hook["delivery_url"]
        webhook_send(platform=PLATFORM, url=url, body=body, headers=headers, drop_key=f"{hook['id']}:{delivery}")
        sent += 1
        if config.get("duplicate_webhooks"):  # a delivery the admin re-sent by hand: same Delivery-ID
            webhook_send(platform=PLATFORM, url=url, body=body, headers=headers, drop_key=f"dup:{delivery}")
            sent += 1
    return sent


# Core disables a webhook when a delivery fails while failure_count is already above 5, i.e. on
# the 7th consecutive failure; the emulator finds that out when queueing the next delivery.
DISABLE_AFTER = 7


def failures(hook: dict[str, Any]) -> int:
    """Consecutive failed deliveries of this webhook, newest first, from the outbox (a success is
    any answer from 200 to 302; a dropped or unanswered delivery is a failure). The ping is not
    counted, nor anything before the webhook was last re-activated (failure_count reset to 0).
    Deliveries not attempted yet are skipped."""
    from emulators.models import EmulatorOutbox

    count = 0
    rows = EmulatorOutbox.objects.filter(platform=PLATFORM, url=hook["delivery_url"], id__gt=int(hook.get("failures_since") or 0))
    for row in rows.order_by("-id")[:50]:
        if (row.headers or {}).get("X-WC-Webhook-ID") != str(hook["id"]):
            continue
        if not row.dropped and row.attempts == 0:
            continue
        if not row.dropped and row.last_status is not None and 200 <= row.last_status <= 302:
            break
        count += 1
    return count


def failures_reset() -> int:
    """The mark stored on a webhook re-activated now: older outbox rows no longer count."""
    from django.db.models import Max

    from emulators.models import EmulatorOutbox

    return int(EmulatorOutbox.objects.aggregate(last=Max("id"))["last"] or 0)


def ping(site: str, hook: dict[str, Any]) -> None:
    """The test POST sent when a webhook is first saved active: form body, no signature."""
    version = store(site).config().get("version", "9.8.0")
    webhook_send(platform=PLATFORM, url=hook["delivery_url"],
                 body=f"webhook_id={hook['id']}".encode(),
                 headers={"Content-Type": "application/x-www-form-urlencoded",
                          "User-Agent": f"WooCommerce/{version} Hookshot (WordPress/6.8)"},
                 drop_key=f"ping:{hook['id']}")


def now_stamps(site: str) -> tuple[str, str]:
    return stamps(site)
