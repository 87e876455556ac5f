"""Webhook signatures (the pack's three vectors), both payload formats, intake and the emulator's
own signed deliveries."""

from __future__ import annotations

import json

import pytest
import requests

from connector.platforms.quickbooks import webhooks
from syncjobs.models import WebhookDelivery
from tests.platforms.quickbooks.conftest import REALM, VERIFIER, fixture_bytes

SIG1_TOKEN = "b5771f19b12ddb4bcdb9f08bdc50bc63878a"
VECTORS = [
    ("webhook_signature_examples/sig1_intuit_sdk_vector.json", SIG1_TOKEN, "JC2GUwciPmRBwEO7WvrRmKqu9tGOKL8FFallocTFi8Q="),
    ("webhook_signature_examples/sig2_legacy_item_invoice.json", VERIFIER,
     "95Nn5Odk1Uj37YCQeoIxXP8KXRy44/xAunPX9cIjHGE="),
    ("webhook_signature_examples/sig3_cloudevents.json", VERIFIER, "ZYtuz07aCbynxlwfrLotSSbOvHDgmSoHe2nvSmSTLbY="),
]


@pytest.mark.parametrize(("name", "token", "expected"), VECTORS)
def test_the_reference_signature_vectors_verify(name: str, token: str, expected: str) -> None:
    body = fixture_bytes(name)
    assert webhooks.signature(body, token) == expected
    assert webhooks.signature_is_valid(body, expected, token)


def test_a_body_with_one_more_byte_is_refused() -> None:
    body = fixture_bytes("webhook_signature_examples/sig2_legacy_item_invoice.json") + b"\n"
    assert webhooks.signature(body, VERIFIER) == "sIkC+tLQVDFKhooKKfNlXoT0aNY2Nlq2lhdihBF0obo="
    assert not webhooks.signature_is_valid(body, "95Nn5Odk1Uj37YCQeoIxXP8KXRy44/xAunPX9cIjHGE=", VERIFIER)


def test_nothing_verifies_without_a_verifier_token() -> None:
    body = fixture_bytes("webhook_signature_examples/sig1_intuit_sdk_vector.json")
    assert not webhooks.signature_is_valid(body, webhooks.signature(body, ""), "")


def test_the_legacy_payload_becomes_item_and_document_events() -> None:
    events = webhooks.parse(fixture_bytes("webhook_signature_examples/sig2_legacy_item_invoice.json"), {}, None)
    assert [(e.kind, e.object_type, e.object_ids, e.account) for e in events] == [
        ("item.changed", "Item", ("5",), "9341455327810551"),
        ("document.changed", "Invoice", ("146",), "9341455327810551"),
    ]
    assert events[0].occurred_at.isoformat() == "2025-03-02T17:31:00+00:00"


def test_the_cloudevents_array_becomes_the_same_events() -> None:
    events = webhooks.parse(fixture_bytes("webhook_signature_examples/sig3_cloudevents.json"), {}, None)
    assert [(e.kind, e.object_type, e.object_ids) for e in events] == [
        ("item.changed", "Item", ("5",)), ("document.changed", "Invoice", ("146",))]
    assert events[0].occurred_at.microsecond == 123000


def test_the_reference_samples_give_customer_events_and_ignore_other_entities() -> None:
    legacy = webhooks.parse(fixture_bytes("webhook_payload.json"), {}, None)
    assert [(e.kind, e.account, e.object_ids) for e in legacy] == [("customer.changed", "1185883450", ("1",))]
    assert legacy[0].occurred_at.utcoffset().total_seconds() == -7 * 3600
    merged = webhooks.parse(fixture_bytes("webhook_payload_merge.json"), {}, None)
    assert merged[0].data["deleted_id"] == "27" and merged[0].data["operation"] == "Merge"
    cloud = webhooks.parse(fixture_bytes("webhook_cloudevents.json"), {}, None)
    assert [(e.kind, e.object_ids, e.data["deleted_id"]) for e in cloud] == [("customer.changed", ("123",), "27")]


def test_an_item_delete_is_its_own_kind_and_cloudevents_may_mix_realms() -> None:
    body = json.dumps([
        {"specversion": "1.0", "id": "a", "type": "qbo.item.deleted.v1", "time": "2025-03-02T17:31:00Z",
         "intuitentityid": "7", "intuitaccountid": "111", "data": {}},
        {"specversion": "1.0", "id": "b", "type": "qbo.salesreceipt.created.v1", "time": "2025-03-02T17:31:00Z",
         "intuitentityid": "9", "intuitaccountid": "222", "data": {}},
    ]).encode()
    events = webhooks.parse(body, {}, None)
    assert [(e.kind, e.account, e.object_type) for e in events] == [("item.deleted", "111", "Item"),
                                                                    ("document.changed", "222", "SalesReceipt")]


@pytest.mark.parametrize("body", [b"not json", b'{"something": "else"}', b'{"eventNotifications": [{"x": 1}]}',
                                  b'[{"type": "nonsense"}]'])
def test_a_malformed_body_raises_a_clear_value_error(body: bytes) -> None:
    with pytest.raises(ValueError, match="QuickBooks"):
        webhooks.parse(body, {}, None)


# --------------------------------------------------------------------------- intake
@pytest.mark.django_db
def test_a_signed_legacy_delivery_is_stored(client) -> None:
    body = fixture_bytes("webhook_signature_examples/sig2_legacy_item_invoice.json")
    response = client.post("/webhooks/quickbooks/", data=body, content_type="application/json; charset=utf-8",
                           HTTP_INTUIT_SIGNATURE=VECTORS[1][2])
    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get(platform="quickbooks")
    assert delivery.body.encode() == body and delivery.topic == "eventNotifications"


@pytest.mark.django_db
def test_a_signed_cloudevents_delivery_is_accepted_as_cloudevents_json(client) -> None:
    body = fixture_bytes("webhook_signature_examples/sig3_cloudevents.json")
    response = client.post("/webhooks/quickbooks/", data=body, content_type="application/cloudevents+json",
                           HTTP_INTUIT_SIGNATURE=VECTORS[2][2])
    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get(platform="quickbooks")
    assert delivery.delivery_id == "ce:b8e0f7a2-5c1d-4e9a-9f3b-2a6d1c0e4f11,c2a9d4e1-7b3f-4a6c-8e2d-5f1b0a9c3e22"
    assert delivery.topic == "cloudevents"


@pytest.mark.django_db
def test_the_sdk_vector_is_accepted_with_its_own_verifier_token(client, settings) -> None:
    settings.QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN = SIG1_TOKEN
    response = client.post("/webhooks/quickbooks/", data=fixture_bytes(VECTORS[0][0]),
                           content_type="application/json", HTTP_INTUIT_SIGNATURE=VECTORS[0][2])
    assert response.status_code == 200 and WebhookDelivery.objects.count() == 1


@pytest.mark.django_db
def test_it_refuses_a_tampered_body(client) -> None:
    body = fixture_bytes("webhook_signature_examples/sig2_legacy_item_invoice.json").replace(b'"5"', b'"6"')
    response = client.post("/webhooks/quickbooks/", data=body, content_type="application/json",
                           HTTP_INTUIT_SIGNATURE=VECTORS[1][2])
    assert response.status_code == 401
    assert WebhookDelivery.objects.count() == 0


@pytest.mark.django_db
def test_it_refuses_a_delivery_without_signature(client) -> None:
    body = fixture_bytes("webhook_signature_examples/sig2_legacy_item_invoice.json")
    assert client.post("/webhooks/quickbooks/", data=body, content_type="application/json").status_code == 401
    assert WebhookDelivery.objects.count() == 0


# --------------------------------------------------------------------------- the emulator sends them
def _stored_events() -> list[tuple[str, tuple[str, ...]]]:
    out = []
    for delivery in WebhookDelivery.objects.filter(platform="quickbooks").order_by("id"):
        out.extend((e.kind, e.object_ids) for e in webhooks.parse(delivery.body.encode(), delivery.headers, None))
    return out


@pytest.mark.django_db(transaction=True)
def test_the_emulator_sends_a_signed_legacy_webhook_for_a_stock_adjustment(system, qbo_url) -> None:
    answer = requests.post(f"{qbo_url}/_control/adjust", json={"account": REALM, "sku": "RF-1001", "qty_on_hand": 12},
                           timeout=5).json()
    assert answer["qty_on_hand"] == 12
    assert _stored_events() == [("item.changed", (answer["id"],))]
    assert WebhookDelivery.objects.get().topic == "eventNotifications"


@pytest.mark.django_db(transaction=True)
def test_the_emulator_sends_cloudevents_when_the_realm_is_switched(qbo, qbo_url) -> None:
    requests.post(f"{qbo_url}/_control/config", json={"account": REALM, "webhook_format": "cloudevents"}, timeout=5)
    customer = qbo.create_customer(display_name="Hook Buyer", given_name="", family_name="", email="", company="",
                                   request_id="hook-c")
    assert _stored_events() == [("customer.changed", (customer.id,))]
    delivery = WebhookDelivery.objects.get()
    assert delivery.topic == "cloudevents" and delivery.headers["content-type"] == "application/cloudevents+json"


def test_an_item_merge_refreshes_the_survivor_and_retires_the_merged_item() -> None:
    body = json.dumps({"eventNotifications": [{"realmId": "1", "dataChangeEvent": {"entities": [
        {"name": "Item", "id": "5", "operation": "Merge", "lastUpdated": "2025-12-04T15:25:05.000Z",
         "deletedID": "9"}]}}]}).encode()
    assert [(e.kind, e.object_ids) for e in webhooks.parse(body, {}, None)] == [("item.changed", ("5",)),
                                                                               ("item.deleted", ("9",))]


@pytest.mark.django_db(transaction=True)
def test_a_sale_in_the_emulator_announces_the_invoice_and_the_item(qbo) -> None:
    customer = qbo.create_customer(display_name="Sale Buyer", given_name="", family_name="", email="", company="",
                                   request_id="sale-c")
    fountain = next(p for p in qbo.iter_items() if p.sku == "RF-1001")
    doc = qbo.create_document(doc_type="invoice", request_id="sale-i", body={
        "CustomerRef": {"value": customer.id},
        "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 275,
                  "SalesItemLineDetail": {"ItemRef": {"value": fountain.external_id}, "Qty": 1, "UnitPrice": 275}}]})
    assert _stored_events()[-2:] == [("document.changed", (doc.id,)), ("item.changed", (fountain.external_id,))]
