from __future__ import annotations

import base64
import hashlib
import hmac
import json

SECRET = b"intake-test-secret"
CHECKS_ARE_LOCAL = True
KEPT_HEADERS: tuple[str, ...] = ()  # the signature header is not worth keeping


def sign(body: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET, body, hashlib.sha256).digest()).decode()


def answer_unverified(request, system):
    return None


def verify(request, body: bytes, system) -> bool:
    given = request.headers.get("X-Test-Signature", "")
    return bool(given) and hmac.compare_digest(given, sign(body))


def delivery_id(request, body: bytes) -> str:
    return request.headers.get("X-Test-Delivery", "")


def topic(request, body: bytes) -> str:
    return "test/topic"


def parse(body: bytes, headers, system):
    return json.loads(body)
