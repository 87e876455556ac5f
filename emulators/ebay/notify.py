"""Notification API pieces of the emulator (pack 6.2): the signing key, getPublicKey, and signed
MARKETPLACE_ACCOUNT_DELETION pushes to the connector.

The emulator signs with its own ECDSA P-256 key (SHA-1 digest, as eBay's test data does); its
public key is served at commerce/notification/v1/public_key/<kid>. Other keys can be registered
(register_public_key) so the pack's verified test vector is served under its real kid.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.http import HttpRequest, HttpResponse, JsonResponse

from emulators.ebay.http import bearer, rest_error
from emulators.ebay.state import any_token_valid, app_store, ebay_time
from emulators.outbox import webhook_send

PLATFORM = "ebay"


def _one_line(pem: bytes) -> str:
    """eBay's `key` field: the PEM with its newlines removed."""
    return "".join(pem.decode().split("\n"))


def register_public_key(kid: str, key: str, digest: str = "SHA1") -> None:
    app_store().put("keys", kid, {"kid": kid, "key": key, "digest": digest, "private": ""})


def signing_key() -> tuple[str, ec.EllipticCurvePrivateKey]:
    app = app_store()
    record = next((k for k in app.all("keys") if k.get("private")), None)
    if record is None:
        private = ec.generate_private_key(ec.SECP256R1())
        public = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
        pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
        record = {"kid": str(uuid.uuid4()), "key": _one_line(public), "digest": "SHA1", "private": pem}
        app.put("keys", record["kid"], record)
    key = serialization.load_pem_private_key(record["private"].encode(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return record["kid"], key


def signature_header(body: bytes) -> str:
    kid, key = signing_key()
    signature = key.sign(body, ec.ECDSA(hashes.SHA1()))  # noqa: S303 - the digest eBay names
    header = {"alg": "ecdsa", "kid": kid, "signature": base64.b64encode(signature).decode(), "digest": "SHA1"}
    return base64.b64encode(json.dumps(header, separators=(",", ":")).encode()).decode()


def public_key(request: HttpRequest, kid: str) -> HttpResponse:
    if not any_token_valid(bearer(request)):
        return rest_error(401, 1001, "Invalid access token", domain="OAuth")
    record = app_store().get("keys", kid)
    if record is None:
        # 195001-range codes belong to the Notification API; the exact one is UNCONFIRMED.
        return rest_error(404, 195004, f"The specified public key {kid} was not found.",
                          domain="API_NOTIFICATION")
    return JsonResponse({"key": record["key"], "algorithm": "ECDSA", "digest": record["digest"]})


def account_deletion_payload(username: str, user_id: str, eias_token: str) -> dict[str, Any]:
    stamp = ebay_time()
    return {"metadata": {"topic": "MARKETPLACE_ACCOUNT_DELETION", "schemaVersion": "1.0", "deprecated": False},
            "notification": {"notificationId": f"{uuid.uuid4()}_{uuid.uuid4()}", "eventDate": stamp,
                             "publishDate": stamp, "publishAttemptCount": 1,
                             "data": {"username": username, "userId": user_id, "eiasToken": eias_token}}}


def push_account_deletion(url: str, username: str, user_id: str = "", eias_token: str = "") -> dict[str, Any]:
    """POST a signed deletion notice to `url` (compact JSON, as eBay sends)."""
    payload = account_deletion_payload(username, user_id or username, eias_token or
                                       base64.b64encode(username.encode()).decode())
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "X-EBAY-SIGNATURE": signature_header(body)}
    webhook_send(platform=PLATFORM, url=url, body=body, headers=headers,
                 drop_key=payload["notification"]["notificationId"])
    return payload
