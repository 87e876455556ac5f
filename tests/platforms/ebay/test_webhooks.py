"""The Marketplace Account Deletion endpoint over real HTTP: the challenge (pack's worked
example), signatures verified with eBay's public key fetched from a configurable address (the
pack's verified test vector; valid accepted, tampered refused with 401 and nothing stored), and
parse() turning a deletion into an "account.deleted" event."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
import requests

from connector.platforms.ebay.notifications import (
    challenge_response,
    parse_signature_header,
    pem_from_ebay,
    verify_with_key,
)
from connector.platforms.ebay.webhooks import parse
from emulators.ebay.notify import register_public_key
from syncjobs.models import WebhookDelivery
from tests.platforms.ebay.conftest import VERIFICATION_TOKEN, fixture, forget_cached_keys

pytestmark = pytest.mark.django_db(transaction=True)

VECTOR = fixture("notification_signature_test_vector.json")
EXAMPLE_CODE = "a8628072-3d33-45ee-9004-bee86830a22d"
EXAMPLE_ENDPOINT = "https://www.testendpoint.com/webhook"
EXAMPLE_ANSWER = "a1d8c12dc8f31594e78e3f2c7032c34746144c28ffbdee1cd9cbd4fd2fc618c6"


def signed_body() -> bytes:
    """The bytes eBay signed: the payload's compact JSON, keys in the order shown."""
    return json.dumps(fixture("notification_payload.json"), separators=(",", ":")).encode()


@pytest.fixture
def vector_key(seeded) -> str:  # type: ignore[no-untyped-def]
    """The emulator serves the pack's public key under its real kid."""
    kid = VECTOR["request_header_decoded"]["kid"]
    register_public_key(kid, VECTOR["get_public_key_response"]["key"])
    return kid


def post(live_server, body: bytes, signature: str | None) -> requests.Response:  # type: ignore[no-untyped-def]
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-EBAY-SIGNATURE"] = signature
    return requests.post(f"{live_server.url}/webhooks/ebay/", data=body, headers=headers, timeout=10)


# --------------------------------------------------------------------------- challenge
def test_the_challenge_answer_matches_the_worked_example() -> None:
    assert challenge_response(EXAMPLE_CODE, VERIFICATION_TOKEN, EXAMPLE_ENDPOINT) == EXAMPLE_ANSWER


def test_the_endpoint_answers_the_worked_example(live_server, settings) -> None:
    settings.EBAY_NOTIFICATION_ENDPOINT = EXAMPLE_ENDPOINT
    response = requests.get(f"{live_server.url}/webhooks/ebay/", params={"challenge_code": EXAMPLE_CODE}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"challengeResponse": EXAMPLE_ANSWER}


def test_without_a_configured_endpoint_the_public_address_is_hashed(live_server, settings) -> None:
    settings.CONNECTOR_PUBLIC_URL = "https://connector.example.org"
    response = requests.get(f"{live_server.url}/webhooks/ebay/", params={"challenge_code": "abc"}, timeout=10)
    expected = hashlib.sha256(f"abc{VERIFICATION_TOKEN}https://connector.example.org/webhooks/ebay/".encode())
    assert response.json() == {"challengeResponse": expected.hexdigest()}


def test_without_a_verification_token_the_challenge_is_not_answered(live_server, settings) -> None:
    settings.EBAY_VERIFICATION_TOKEN = ""
    response = requests.get(f"{live_server.url}/webhooks/ebay/", params={"challenge_code": "abc"}, timeout=10)
    assert response.status_code == 503 and "challengeResponse" not in response.json()


# --------------------------------------------------------------------------- signatures
def test_the_test_vector_verifies_with_sha1_only() -> None:
    header = parse_signature_header(VECTOR["request_header_value"])
    assert header is not None and (header.alg, header.digest) == ("ecdsa", "SHA1")
    pem = pem_from_ebay(VECTOR["get_public_key_response"]["key"])
    assert verify_with_key(signed_body(), header, pem)
    sha256 = parse_signature_header(base64.b64encode(json.dumps(
        {**VECTOR["request_header_decoded"], "digest": "SHA256"}).encode()).decode())
    assert sha256 is not None and not verify_with_key(signed_body(), sha256, pem)


def test_a_validly_signed_deletion_is_accepted_and_stored_once(live_server, vector_key) -> None:
    for _ in range(2):  # eBay retries deliveries; the notificationId makes them one
        response = post(live_server, signed_body(), VECTOR["request_header_value"])
        assert response.status_code == 200, response.text
    delivery = WebhookDelivery.objects.get(platform="ebay")
    assert delivery.topic == "MARKETPLACE_ACCOUNT_DELETION"
    assert delivery.delivery_id == "49feeaeb-4982-42d9-a377-9645b8479411_33f7e043-fed8-442b-9d44-791923bd9a6d"


def test_a_tampered_body_is_refused_with_401_and_nothing_stored(live_server, vector_key) -> None:
    tampered = signed_body().replace(b'"username":"test_user"', b'"username":"someone_else"')
    response = post(live_server, tampered, VECTOR["request_header_value"])
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_re_serialised_json_is_refused(live_server, vector_key) -> None:
    pretty = json.dumps(fixture("notification_payload.json"), indent=2).encode()
    assert post(live_server, pretty, VECTOR["request_header_value"]).status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_a_missing_or_garbled_signature_or_unknown_key_is_refused(live_server, seeded) -> None:
    assert post(live_server, signed_body(), None).status_code == 401
    assert post(live_server, signed_body(), "not base64 json").status_code == 401
    # seeded only: the emulator does not know the vector's kid
    assert post(live_server, signed_body(), VECTOR["request_header_value"]).status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_the_emulator_signs_its_own_pushes_and_they_are_accepted(live_server, seeded, ebay_url) -> None:
    response = requests.post(f"{ebay_url}/_control/account_deletion", timeout=10,
                             json={"username": "jane_buyer", "user_id": "ma8vp1jySJC"})
    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get(platform="ebay")
    assert delivery.delivery_id == response.json()["notificationId"]
    [event] = parse(bytes(delivery.body.encode() if isinstance(delivery.body, str) else delivery.body),
                    delivery.headers, None)
    assert (event.kind, event.account, event.data["user_id"]) == ("account.deleted", "jane_buyer", "ma8vp1jySJC")


# --------------------------------------------------------------------------- parse
def test_a_deletion_becomes_an_account_deleted_event() -> None:
    [event] = parse(signed_body(), {}, None)
    assert event.kind == "account.deleted"
    assert event.account == "test_user"
    assert event.object_type == "ebay_user" and event.object_ids == ("test_user", "ma8vp1jySJC")
    assert event.data == {"topic": "MARKETPLACE_ACCOUNT_DELETION", "username": "test_user", "user_id": "ma8vp1jySJC",
                          "eias_token": "nY+sHZ2PrBmdj6wVnY+sEZ2PrA2dj6wJnY+gAZGEpwmdj6x9nY+seQ==",
                          "notification_id": "49feeaeb-4982-42d9-a377-9645b8479411_33f7e043-fed8-442b-9d44-791923bd9a6d"}
    assert event.occurred_at is not None and event.occurred_at.year == 2021


def test_an_order_confirmation_is_a_trigger_and_other_topics_are_ignored() -> None:
    body = json.dumps({"metadata": {"topic": "ORDER_CONFIRMATION"},
                       "notification": {"data": {"orderId": "12-34567-89012"}}}).encode()
    [event] = parse(body, {}, None)
    assert (event.kind, event.object_ids) == ("order.changed", ("12-34567-89012",))
    assert parse(json.dumps({"metadata": {"topic": "ITEM_MARKED_SHIPPED"}}).encode(), {}, None) == []


def test_forged_deliveries_do_not_make_us_call_ebay_each_time(live_server, seeded, ebay_url) -> None:
    from emulators.ebay.state import app_store

    for _ in range(3):  # an unknown kid: fetched once, then remembered as unknown
        assert post(live_server, signed_body(), VECTOR["request_header_value"]).status_code == 401
    assert len(app_store().all("app_tokens")) == 1
    register_public_key(VECTOR["request_header_decoded"]["kid"], VECTOR["get_public_key_response"]["key"])
    forget_cached_keys()
    assert post(live_server, signed_body(), VECTOR["request_header_value"]).status_code == 200
    assert len(app_store().all("app_tokens")) == 2  # the cache was cleared: a new application token
