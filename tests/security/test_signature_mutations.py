"""The HMAC webhook signature schemes (QuickBooks, Shopify, WooCommerce), attacked with generated mutations: every invalid delivery is
refused (401) and stores nothing; every valid one is accepted and stored. The mutations are sent
through the site and through the event-loop intake production serves (valid deliveries through
that server are stored in tests/syncjobs/test_intake_asgi_server.py).

Each scheme says how to sign a body the way the platform does; Hypothesis then mutates the body,
the signature, the key or the header and checks the intake's answer. eBay's account-deletion
notifications are signed with ECDSA and a key fetched from eBay: tests/platforms/ebay/
test_webhooks.py covers them (test vector, tampered body, re-serialised JSON, garbled header,
unknown key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from connector.models import ConnectedSystem
from connector.platforms import get_platform
from intake.asgi import AsyncIntake
from intake.connections import forget_all, webhook_system
from syncjobs.models import WebhookDelivery
from tests.support.asgi import RecordingSite, asgi_request

pytestmark = pytest.mark.django_db

SECRET = "signing-secret-for-mutation-tests"


def b64_hmac(key: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


@dataclass(frozen=True)
class Scheme:
    platform: str
    header: str
    sign: Callable[[str, bytes], str]
    body: Callable[[str], bytes]
    extra_headers: Callable[[], dict[str, str]]
    per_connection: bool


def _qbo_body(nonce: str) -> bytes:
    return json.dumps({"eventNotifications": [{"realmId": "9130", "dataChangeEvent": {"entities": [
        {"name": "Item", "id": nonce[:8], "operation": "Update", "lastUpdated": "2026-11-01T10:00:00.000Z"}]}}]}
    ).encode()


def _shopify_body(nonce: str) -> bytes:
    return json.dumps({"id": 1, "inventory_item_id": 2, "location_id": 3, "available": 4, "nonce": nonce}).encode()


def _woocommerce_body(nonce: str) -> bytes:
    return json.dumps({"id": 727, "status": "processing", "date_modified_gmt": "2026-11-01T10:00:00",
                       "nonce": nonce}).encode()


SCHEMES = {
    "quickbooks": Scheme("quickbooks", "intuit-signature", b64_hmac, _qbo_body, dict, per_connection=False),
    "shopify": Scheme("shopify", "X-Shopify-Hmac-Sha256", b64_hmac, _shopify_body,
                      lambda: {"X-Shopify-Topic": "inventory_levels/update", "X-Shopify-Webhook-Id": str(uuid.uuid4()),
                               "X-Shopify-Shop-Domain": "mutation.myshopify.com"}, per_connection=True),
    # WooCommerce signs with the secret we gave the webhook: the connection's own.
    "woocommerce": Scheme("woocommerce", "X-WC-Webhook-Signature", b64_hmac, _woocommerce_body,
                          lambda: {"X-WC-Webhook-Topic": "order.updated", "X-WC-Webhook-Resource": "order",
                                   "X-WC-Webhook-Event": "updated", "X-WC-Webhook-ID": "31",
                                   "X-WC-Webhook-Delivery-ID": uuid.uuid4().hex}, per_connection=True),
}


@pytest.fixture
def secrets_in_place(settings) -> None:  # type: ignore[no-untyped-def]
    settings.QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN = SECRET
    settings.SHOPIFY_CLIENT_SECRET = SECRET
    settings.SHOPIFY_PREVIOUS_CLIENT_SECRET = ""


@pytest.fixture
def connections(org, secrets_in_place) -> dict[str, ConnectedSystem]:  # type: ignore[no-untyped-def]
    return {name: ConnectedSystem.objects.create(
        organization=org, platform=name, role="accounting" if name == "quickbooks" else "store",
        display_name=name, external_account_id=f"{name}-account", webhook_secret=SECRET) for name in SCHEMES}


def _url(scheme: Scheme, systems: dict[str, ConnectedSystem]) -> str:
    if scheme.per_connection:
        return f"/webhooks/{scheme.platform}/{systems[scheme.platform].public_id}/"
    return f"/webhooks/{scheme.platform}/"


MUTATIONS = st.sampled_from(["flip_body_byte", "append_to_body", "truncate_signature", "flip_signature_char",
                             "wrong_key", "drop_header", "empty_signature", "hex_instead_of_base64"])


def _mutate(kind: str, data: st.DataObject, body: bytes, signature: str, key: str) -> tuple[bytes, str | None]:
    if kind == "flip_body_byte":
        index = data.draw(st.integers(0, len(body) - 1))
        flipped = bytes([body[index] ^ data.draw(st.integers(1, 255))])
        return body[:index] + flipped + body[index + 1:], signature
    if kind == "append_to_body":
        return body + data.draw(st.binary(min_size=1, max_size=8)), signature
    if kind == "truncate_signature":
        return body, signature[: data.draw(st.integers(0, len(signature) - 1))]
    if kind == "flip_signature_char":
        index = data.draw(st.integers(0, len(signature) - 1))
        replacement = data.draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
                                .filter(lambda c: c != signature[index]))
        return body, signature[:index] + replacement + signature[index + 1:]
    if kind == "wrong_key":
        other = data.draw(st.text(min_size=1, max_size=40).filter(lambda k: k != key))
        return body, b64_hmac(other, body)
    if kind == "drop_header":
        return body, None
    if kind == "empty_signature":
        return body, ""
    return body, hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def _mutated_delivery(scheme: Scheme, mutation: str, data: st.DataObject, nonce: str) -> tuple[bytes, dict[str, str]]:
    """A delivery signed as the platform signs it, then mutated: its body and headers."""
    body = scheme.body(nonce)
    body, signature = _mutate(mutation, data, body, scheme.sign(SECRET, body), SECRET)
    headers = scheme.extra_headers()
    if signature is not None:
        headers[scheme.header] = signature
    return body, headers


@pytest.mark.parametrize("name", sorted(SCHEMES))
@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), mutation=MUTATIONS, nonce=st.uuids())
def test_a_mutated_delivery_is_refused_and_stores_nothing(client, connections, name, data, mutation, nonce) -> None:  # type: ignore[no-untyped-def]
    scheme = SCHEMES[name]
    body, headers = _mutated_delivery(scheme, mutation, data, nonce.hex)
    before = WebhookDelivery.objects.count()
    response = client.generic("POST", _url(scheme, connections), body, content_type="application/json",
                              headers=headers)
    assert response.status_code == 401, (mutation, response.status_code)
    assert WebhookDelivery.objects.count() == before


@pytest.mark.parametrize("name", sorted(SCHEMES))
@hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nonce=st.uuids())
def test_a_valid_delivery_is_accepted_and_stored(client, connections, name, nonce) -> None:  # type: ignore[no-untyped-def]
    scheme = SCHEMES[name]
    body = scheme.body(nonce.hex)
    headers = {**scheme.extra_headers(), scheme.header: scheme.sign(SECRET, body)}
    before = WebhookDelivery.objects.count()
    response = client.generic("POST", _url(scheme, connections), body, content_type="application/json",
                              headers=headers)
    assert response.status_code == 200, response.content
    assert WebhookDelivery.objects.count() == before + 1


LOOP_SCHEMES = sorted(name for name in SCHEMES
                      if getattr(get_platform(name).load("webhooks"), "CHECKS_ARE_LOCAL", False))


def test_the_event_loop_answers_quickbooks_and_shopify() -> None:
    assert LOOP_SCHEMES == ["quickbooks", "shopify"]  # so the next test attacks the loop, not the site


@pytest.mark.parametrize("name", LOOP_SCHEMES)
@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), mutation=MUTATIONS, nonce=st.uuids())
def test_a_mutated_delivery_is_refused_on_the_event_loop(connections, name, data, mutation, nonce) -> None:  # type: ignore[no-untyped-def]
    scheme = SCHEMES[name]
    forget_all()
    webhook_system(scheme.platform, connections[scheme.platform].public_id)  # remembered: the loop answers
    body, headers = _mutated_delivery(scheme, mutation, data, nonce.hex)
    before = WebhookDelivery.objects.count()
    site = RecordingSite()
    answer = asgi_request(AsyncIntake(site), _url(scheme, connections), body=body, headers=headers)
    assert (answer.status, site.paths) == (401, []), mutation
    assert WebhookDelivery.objects.count() == before
