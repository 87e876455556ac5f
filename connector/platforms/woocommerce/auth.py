"""Small, pure pieces of WooCommerce authentication shared by the client, the connect flow, the
webhook intake and the emulator: the site's identity, one-legged OAuth 1.0a signing (plain HTTP),
Basic auth (HTTPS) and the webhook body signature.

Reference pack sections 1.2-1.3 (worked example D) and 4.3 (worked example E).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import secrets
import time
from collections.abc import Iterable, Mapping
from urllib.parse import quote, urlsplit

OAUTH_METHODS = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256}
API_PREFIX = "wp-json/wc/v3"


# --------------------------------------------------------------------------- the site
def site_url(value: str) -> str:
    """What a merchant types ("shop.example.com", "https://example.com/store/") -> the site's
    URL without trailing slash. A missing scheme becomes https://, as WooCommerce itself does."""
    value = (value or "").strip()
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    path = parts.path.rstrip("/")
    for suffix in ("/wp-json/wc/v3", "/wp-json", "/wp-admin"):
        path = path.removesuffix(suffix)
    netloc = parts.hostname.lower() + (f":{parts.port}" if parts.port else "")
    return f"{parts.scheme}://{netloc}{path}"


def site_account(url: str) -> str:
    """The connection's external account id: host (with port) and path of the site, lowercased,
    without scheme, e.g. "shop.example.com" or "example.com/store". The scheme is left out so
    moving a site to HTTPS keeps its history."""
    parts = urlsplit(site_url(url))
    return f"{parts.netloc}{parts.path}".lower()


def uses_https(base_url: str) -> bool:
    return base_url.lower().startswith("https://")


# --------------------------------------------------------------------------- OAuth 1.0a
def rfc3986(value: str) -> str:
    """PHP's rawurlencode: everything but unreserved characters is percent-encoded."""
    return quote(str(value), safe="~")


def oauth_base_string(method: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """METHOD & rawurlencode(URL without query) & rawurlencode(sorted k=v pairs joined by &).

    `params` are the decoded query and oauth_* parameters without oauth_signature; keys and values
    are RFC 3986-encoded, then sorted by key (byte order, then value)."""
    pairs = sorted((rfc3986(k), rfc3986(v)) for k, v in params if k != "oauth_signature")
    joined = "&".join(f"{k}={v}" for k, v in pairs)
    return f"{method.upper()}&{rfc3986(url.split('?', 1)[0])}&{rfc3986(joined)}"


def oauth_signature(base_string: str, consumer_secret: str, method: str = "HMAC-SHA256") -> str:
    digest = OAUTH_METHODS[method]
    mac = hmac.new(f"{consumer_secret}&".encode(), base_string.encode(), digest).digest()
    return base64.b64encode(mac).decode()


def oauth_params(consumer_key: str, *, nonce: str | None = None, timestamp: int | None = None,
                 method: str = "HMAC-SHA256") -> dict[str, str]:
    """The oauth_* parameters WooCommerce requires (oauth_version is deliberately omitted)."""
    return {
        "oauth_consumer_key": consumer_key,
        "oauth_nonce": nonce or secrets.token_hex(16),
        "oauth_signature_method": method,
        "oauth_timestamp": str(int(time.time()) if timestamp is None else timestamp),
    }


def signed_url(method: str, url: str, params: Mapping[str, object], consumer_key: str, consumer_secret: str, *,
               nonce: str | None = None, timestamp: int | None = None, signature_method: str = "HMAC-SHA256") -> str:
    """`url` with the request's query and the oauth_* parameters, signed. The JSON body is not
    part of the signature (WooCommerce signs the query only)."""
    query = [(str(k), _param(v)) for k, v in params.items() if v is not None]
    oauth = oauth_params(consumer_key, nonce=nonce, timestamp=timestamp, method=signature_method)
    pairs = query + list(oauth.items())
    signature = oauth_signature(oauth_base_string(method, url, pairs), consumer_secret, signature_method)
    pairs.append(("oauth_signature", signature))
    return url + "?" + "&".join(f"{rfc3986(k)}={rfc3986(v)}" for k, v in pairs)


def _param(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def basic_header(consumer_key: str, consumer_secret: str) -> str:
    return "Basic " + base64.b64encode(f"{consumer_key}:{consumer_secret}".encode()).decode()


# --------------------------------------------------------------------------- webhook bodies
def body_signature(body: bytes, secret: str) -> str:
    """X-WC-Webhook-Signature: base64(HMAC-SHA256(secret, raw body)). WooCommerce HTML-decodes the
    stored secret before use (a stored `&amp;` signs as `&`)."""
    key = html.unescape(secret).encode()
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


def body_is_signed(body: bytes, received: str, secret: str) -> bool:
    if not secret or not received:
        return False
    return hmac.compare_digest(body_signature(body, secret).encode(), received.strip().encode())
