"""eBay Notification API checks (pack 6.2): the endpoint challenge and the X-EBAY-SIGNATURE.

Challenge: `GET <endpoint>?challenge_code=<code>` -> `{"challengeResponse": hex(SHA-256(code +
verification token + endpoint))}`, the endpoint exactly as registered with eBay.
Signature: X-EBAY-SIGNATURE = base64(JSON {"alg": "ecdsa", "kid", "signature": base64 DER,
"digest": "SHA1"}); the public key comes from GET /commerce/notification/v1/public_key/{kid}
(application token), cached for an hour, and verifies the raw body.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.cache import cache

from connector.platforms.base import PlatformError
from connector.platforms.ebay.auth import api_base_url

logger = logging.getLogger("connector.ebay")

KEY_CACHE_SECONDS = 3600
# An unknown kid is remembered briefly, so forged deliveries cannot make us call eBay each time.
UNKNOWN_KEY_CACHE_SECONDS = 300
MISSING = b"-"
DIGESTS = {"SHA1": hashes.SHA1, "SHA256": hashes.SHA256}
KID_RE = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


def challenge_response(challenge_code: str, verification_token: str, endpoint: str) -> str:
    return hashlib.sha256((challenge_code + verification_token + endpoint).encode()).hexdigest()


@dataclass(frozen=True)
class SignatureHeader:
    alg: str
    kid: str
    signature: bytes
    digest: str


def parse_signature_header(value: str) -> SignatureHeader | None:
    try:
        data = json.loads(base64.b64decode(value.strip(), validate=True))
        signature = base64.b64decode(str(data["signature"]), validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    if not isinstance(data, dict):
        return None
    header = SignatureHeader(alg=str(data.get("alg") or "").lower(), kid=str(data.get("kid") or ""),
                             signature=signature, digest=str(data.get("digest") or "SHA1").upper())
    if header.alg != "ecdsa" or header.digest not in DIGESTS or not KID_RE.fullmatch(header.kid):
        return None
    return header


def pem_from_ebay(key: str) -> bytes:
    """eBay sends the PEM on one line: put the newlines back around the markers."""
    body = key.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", "").strip()
    body = "".join(body.split())
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return ("-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n").encode()


def verify_with_key(body: bytes, header: SignatureHeader, pem: bytes) -> bool:
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        return False
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return False
    try:
        key.verify(header.signature, body, ec.ECDSA(DIGESTS[header.digest]()))
    except InvalidSignature:
        return False
    return True


def key_cache_key(kid: str, base_url: str = "") -> str:
    return "ebay:public_key:" + hashlib.sha256(f"{api_base_url(base_url)}|{kid}".encode()).hexdigest()


def app_token_cache_key(base_url: str = "") -> str:
    return "ebay:app_token:" + hashlib.sha256(api_base_url(base_url).encode()).hexdigest()


def public_key(kid: str, base_url: str = "") -> bytes | None:
    """The PEM for `kid`, from the cache or eBay's getPublicKey (base URL configurable, so the
    emulator can serve its own key). None when eBay does not know the key."""
    root = api_base_url(base_url)
    cache_key = key_cache_key(kid, base_url)
    cached = cache.get(cache_key)
    if cached:
        return None if bytes(cached) == MISSING else bytes(cached)
    from connector.platforms.ebay.oauth import EbayAuthClient

    try:
        response = EbayAuthClient(root).request(
            "GET", f"commerce/notification/v1/public_key/{kid}", retry_auth=False,
            headers={"Authorization": f"Bearer {_application_token(base_url)}"}, ok=(200,))
        payload: Any = response.json()
    except PlatformError as exc:
        logger.warning("eBay public key %s could not be fetched: %s", kid, exc.message)
        if exc.status == 404:
            cache.set(cache_key, MISSING, UNKNOWN_KEY_CACHE_SECONDS)
        return None
    except ValueError:
        return None
    if not isinstance(payload, dict) or not payload.get("key"):
        return None
    pem = pem_from_ebay(str(payload["key"]))
    cache.set(cache_key, pem, KEY_CACHE_SECONDS)
    return pem


def _application_token(base_url: str) -> str:
    """A client-credentials token, reused until shortly before its 2 hours are up."""
    from connector.platforms.ebay.oauth import application_token

    cache_key = app_token_cache_key(base_url)
    token = cache.get(cache_key)
    if not token:
        token, expires_in = application_token(base_url)
        cache.set(cache_key, token, max(60, expires_in - 300))
    return str(token)


def verify_signature(body: bytes, header_value: str, base_url: str = "") -> bool:
    header = parse_signature_header(header_value or "")
    if header is None:
        return False
    pem = public_key(header.kid, base_url)
    return pem is not None and verify_with_key(body, header, pem)


def verification_token() -> str:
    return str(getattr(settings, "EBAY_VERIFICATION_TOKEN", "") or "")
