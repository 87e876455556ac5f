"""Webhook intake at /webhooks/woocommerce/<uuid>/ over real HTTP, and parsing."""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from connector.platforms.woocommerce.auth import body_signature
from connector.platforms.woocommerce.webhooks import parse
from emulators.woocommerce.http import wp_json_encode
from emulators.woocommerce.state import store
from syncjobs.inbox_queue import deliveries_queue_planning
from syncjobs.models import Job, WebhookDelivery
from tests.platforms.woocommerce.conftest import SITE, fixture

pytestmark = pytest.mark.django_db(transaction=True)


def headers(system, topic: str, body: bytes, delivery: str | None = None, secret: str | None = None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    resource, _, event = topic.partition(".")
    return {"Content-Type": "application/json", "User-Agent": "WooCommerce/9.8.0 Hookshot (WordPress/6.8)",
            "X-WC-Webhook-Source": "https://example.com/", "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": resource, "X-WC-Webhook-Event": event, "X-WC-Webhook-ID": "7",
            "X-WC-Webhook-Signature": body_signature(body, system.webhook_secret if secret is None else secret),
            "X-WC-Webhook-Delivery-ID": delivery or uuid.uuid4().hex}


def post(live_server, system, body: bytes, hdrs: dict[str, str]) -> requests.Response:  # type: ignore[no-untyped-def]
    return requests.post(f"{live_server.url}/webhooks/woocommerce/{system.public_id}/", data=body, headers=hdrs,
                         timeout=10)


def order_body() -> bytes:
    """The sample order as WooCommerce sends it: wp_json_encode, `\\/` escaped."""
    return wp_json_encode(fixture("order.json"))


def test_it_stores_a_signed_delivery_and_plans_it(live_server, system) -> None:
    body = order_body()
    assert b"https:\\/\\/example.com" in body
    response = post(live_server, system, body, headers(system, "order.created", body))
    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get(platform="woocommerce")
    assert (delivery.topic, delivery.system_id) == ("order.created", system.pk)
    assert delivery.body.encode() == body
    assert deliveries_queue_planning() == 1
    assert Job.objects.filter(kind="webhook.plan").count() == 1


def test_a_repeated_delivery_is_stored_once(live_server, system) -> None:
    body = order_body()
    hdrs = headers(system, "order.updated", body, delivery="5d8d5b0d8c5e4d1f")
    assert post(live_server, system, body, hdrs).status_code == 200
    assert post(live_server, system, body, hdrs).status_code == 200
    assert WebhookDelivery.objects.count() == 1


def test_two_different_bodies_sharing_a_delivery_hash_are_both_kept(live_server, system) -> None:
    """The Delivery-ID hashes the webhook id and the second: two orders in one second share it."""
    first = order_body()
    second = wp_json_encode({**fixture("order.json"), "id": 728, "number": "728"})
    assert post(live_server, system, first, headers(system, "order.created", first, delivery="same")).status_code == 200
    assert post(live_server, system, second, headers(system, "order.created", second, delivery="same")).status_code == 200
    assert WebhookDelivery.objects.count() == 2


def test_a_wrong_secret_gets_401_and_nothing_is_stored(live_server, system) -> None:
    body = order_body()
    response = post(live_server, system, body, headers(system, "order.created", body, secret="wc-webhook-secret-123"))
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists() and not Job.objects.exists()


def test_a_tampered_body_gets_401(live_server, system) -> None:
    body = order_body()
    response = post(live_server, system, body.replace(b'"29.35"', b'"0.01"'), headers(system, "order.created", body))
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_re_serialised_json_gets_401(live_server, system) -> None:
    body = order_body()
    hdrs = headers(system, "order.created", body)
    unescaped = json.dumps(json.loads(body), separators=(",", ":")).encode()  # `/` no longer escaped
    assert unescaped != body
    assert post(live_server, system, unescaped, hdrs).status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_a_missing_signature_gets_401(live_server, system) -> None:
    body = order_body()
    hdrs = headers(system, "order.created", body)
    del hdrs["X-WC-Webhook-Signature"]
    assert post(live_server, system, body, hdrs).status_code == 401


def test_the_creation_ping_is_answered_200_without_trust(live_server, system) -> None:
    response = post(live_server, system, b"webhook_id=7", {"Content-Type": "application/x-www-form-urlencoded",
                                                          "User-Agent": "WooCommerce/9.8.0 Hookshot (WordPress/6.8)"})
    assert response.status_code == 200
    assert not WebhookDelivery.objects.exists() and not Job.objects.exists()


def test_a_ping_shaped_body_with_webhook_headers_is_still_verified(live_server, system) -> None:
    hdrs = headers(system, "order.created", b"webhook_id=7", secret="wrong")
    assert post(live_server, system, b"webhook_id=7", hdrs).status_code == 401


def test_the_app_wide_address_refuses_webhooks(live_server, system) -> None:
    body = order_body()
    response = requests.post(f"{live_server.url}/webhooks/woocommerce/", data=body,
                             headers=headers(system, "order.created", body), timeout=10)
    assert response.status_code == 401


# --------------------------------------------------------------------------- parsing
def test_order_topics_parse_to_order_changed(system) -> None:
    body = order_body()
    for topic in ("order.created", "order.updated"):
        [event] = parse(body, headers(system, topic, body), system)
        assert (event.kind, event.object_ids, event.account) == ("order.changed", ("727",), "example.com")
        assert event.data["order"]["billing"]["email"] == "john.doe@example.com"


def test_a_product_update_with_managed_stock_is_a_stock_edit(system) -> None:
    body = wp_json_encode({**fixture("product_simple.json"), "manage_stock": True, "stock_quantity": 6,
                           "sku": "PQ-1"})
    changed, edited = parse(body, headers(system, "product.updated", body), system)
    assert (changed.kind, changed.object_ids) == ("product.changed", ("794",))
    assert edited.kind == "stock.edited"
    assert edited.data == {"product_id": "794", "parent_id": "", "sku": "PQ-1", "available": 6,
                           "managed_by_parent": False}


def test_a_product_update_without_managed_stock_is_only_a_product_change(system) -> None:
    body = wp_json_encode(fixture("product_simple.json"))
    [event] = parse(body, headers(system, "product.updated", body), system)
    assert event.kind == "product.changed"


def test_unknown_topics_and_non_json_give_nothing(system) -> None:
    assert parse(b"{}", headers(system, "coupon.created", b"{}"), system) == []
    assert parse(b"webhook_id=1", {}, system) == []


# --------------------------------------------------------------------------- the emulator
def test_the_emulator_delivers_signed_order_and_stock_webhooks(system, site_root) -> None:
    placed = requests.post(f"{site_root}/_control/orders", json={
        "account": SITE, "lines": [{"sku": "MUG-1", "qty": 2}],
        "customer": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}}, timeout=10).json()
    requests.post(f"{site_root}/_control/stock", json={"account": SITE, "sku": "TS-S", "quantity": 7}, timeout=10)
    deliveries = {d.topic: d for d in WebhookDelivery.objects.filter(system=system)}
    assert set(deliveries) == {"order.created", "product.updated"}
    [order_event] = parse(deliveries["order.created"].body.encode(), deliveries["order.created"].headers, system)
    assert order_event.object_ids == (placed["id"],)
    assert order_event.account == system.external_account_id
    _, stock_event = parse(deliveries["product.updated"].body.encode(), deliveries["product.updated"].headers, system)
    assert (stock_event.data["sku"], stock_event.data["available"]) == ("TS-S", 7)
    assert b"\\/" in deliveries["order.created"].body.encode()  # wp_json_encode escaping, verified as sent


def test_a_duplicated_emulator_delivery_is_stored_once(system, site_root) -> None:
    store(SITE).ensure_account(duplicate_webhooks=True)
    requests.post(f"{site_root}/_control/orders", json={"account": SITE, "lines": [{"sku": "MUG-1", "qty": 1}]},
                  timeout=10)
    assert WebhookDelivery.objects.filter(topic="order.created").count() == 1


def test_emulator_deliveries_plan_into_order_ingest_and_product_re_read(system, site_root) -> None:
    from connector.services.inbox import delivery_plan

    placed = requests.post(f"{site_root}/_control/orders", json={"account": SITE, "lines": [{"sku": "MUG-1", "qty": 1}]},
                           timeout=10).json()
    requests.post(f"{site_root}/_control/stock", json={"account": SITE, "sku": "MUG-1", "quantity": 3}, timeout=10)
    for delivery in WebhookDelivery.objects.filter(system=system).order_by("id"):
        delivery_plan(delivery=delivery)
    ingest = Job.objects.get(kind="orders.ingest")
    assert ingest.payload["order_id"] == placed["id"]
    pull = Job.objects.get(kind="products.pull")
    assert len(pull.payload["product_ids"]) == 1
    assert {d.status for d in WebhookDelivery.objects.filter(system=system)} == {"planned"}


def test_a_failing_webhook_is_disabled_and_reconnecting_revives_it(system, site_root) -> None:
    from connector.platforms.woocommerce import oauth

    hook = next(h for h in store(SITE).all("webhooks") if h["topic"] == "order.created")
    store(SITE).put("webhooks", hook["id"], {**hook, "secret": "not-our-secret"})  # every delivery gets 401
    for _ in range(8):
        requests.post(f"{site_root}/_control/orders", json={"account": SITE, "lines": [{"sku": "MUG-1", "qty": 1}]},
                      timeout=10)
    hook = store(SITE).get("webhooks", hook["id"])
    assert hook["status"] == "disabled" and hook["failure_count"] == 7
    assert not WebhookDelivery.objects.exists()  # never retried, never accepted
    oauth.after_connect(system)
    assert store(SITE).get("webhooks", hook["id"])["status"] == "active"
    requests.post(f"{site_root}/_control/orders", json={"account": SITE, "lines": [{"sku": "MUG-1", "qty": 1}]},
                  timeout=10)
    assert WebhookDelivery.objects.filter(topic="order.created").count() == 1
