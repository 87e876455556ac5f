"""Webhook intake at /webhooks/shopify/<uuid>/ over real HTTP, and parsing of every topic."""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from connector.platforms.shopify.auth import body_hmac
from connector.platforms.shopify.webhooks import parse
from syncjobs.models import WebhookDelivery
from tests.platforms.shopify.conftest import CLIENT_SECRET, SHOP, fixture

pytestmark = pytest.mark.django_db(transaction=True)


def headers(topic: str, body: bytes, webhook_id: str | None = None, secret: str = CLIENT_SECRET) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Shopify-Topic": topic, "X-Shopify-Shop-Domain": SHOP,
            "X-Shopify-Hmac-Sha256": body_hmac(body, secret), "X-Shopify-API-Version": "2025-10",
            "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4())}


def post(live_server, system, body: bytes, hdrs: dict[str, str]) -> requests.Response:  # type: ignore[no-untyped-def]
    return requests.post(f"{live_server.url}/webhooks/shopify/{system.public_id}/", data=body, headers=hdrs, timeout=10)


def order_body() -> bytes:
    return json.dumps(fixture("order_webhook.json")).encode()


def test_it_stores_a_signed_delivery_once_per_webhook_id(live_server, system) -> None:
    body = order_body()
    hdrs = headers("orders/create", body, webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    assert post(live_server, system, body, hdrs).status_code == 200
    assert post(live_server, system, body, hdrs).status_code == 200
    deliveries = WebhookDelivery.objects.filter(platform="shopify")
    assert deliveries.count() == 1
    assert deliveries.get().delivery_id == "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
    assert deliveries.get().topic == "orders/create"


def test_it_keeps_shopifys_own_headers_and_never_credentials(live_server, system) -> None:
    body = order_body()
    hdrs = {**headers("orders/create", body), "Authorization": "Bearer leaked", "Cookie": "sessionid=x",
            "X-Other-Platform": "dropped"}
    assert post(live_server, system, body, hdrs).status_code == 200
    kept = WebhookDelivery.objects.get(platform="shopify").headers
    assert kept["x-shopify-topic"] == "orders/create"
    assert kept["x-shopify-shop-domain"] == SHOP
    assert kept["content-type"] == "application/json"
    assert not {"authorization", "cookie", "x-other-platform"} & set(kept)


def test_it_answers_401_and_stores_nothing_for_a_bad_signature(live_server, system) -> None:
    body = order_body()
    response = post(live_server, system, body, headers("orders/create", body, secret="not-the-secret"))
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_it_answers_401_for_a_tampered_body(live_server, system) -> None:
    body = order_body()
    hdrs = headers("orders/create", body)
    response = post(live_server, system, body.replace(b"598.94", b"0.01"), hdrs)
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_it_answers_401_for_re_serialised_json(live_server, system) -> None:
    body = json.dumps(fixture("order_webhook.json"), indent=1).encode()
    hdrs = headers("orders/create", body)
    compact = json.dumps(json.loads(body), separators=(",", ":")).encode()
    assert post(live_server, system, compact, hdrs).status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_it_answers_401_without_a_signature(live_server, system) -> None:
    body = order_body()
    hdrs = headers("orders/create", body)
    del hdrs["X-Shopify-Hmac-Sha256"]
    assert post(live_server, system, body, hdrs).status_code == 401


def test_it_accepts_compliance_webhooks_at_the_app_wide_address(live_server, system) -> None:
    body = json.dumps(fixture("webhook_compliance_payloads.json")["shop/redact"]).encode()
    response = requests.post(f"{live_server.url}/webhooks/shopify/", data=body,
                             headers=headers("shop/redact", body), timeout=10)
    assert response.status_code == 200
    assert WebhookDelivery.objects.get().topic == "shop/redact"


def test_it_parses_order_topics_to_order_changed() -> None:
    body = order_body()
    for topic in ("orders/create", "orders/updated", "orders/cancelled"):
        [event] = parse(body, headers(topic, body), None)
        assert event.kind == "order.changed"
        assert event.object_ids == ("450789469",)
        assert event.account == SHOP
        assert event.data["topic"] == topic
        assert event.data["order"]["name"] == "#1001"


def test_it_parses_a_stock_edit() -> None:
    payload = dict(fixture("webhook_compliance_payloads.json")["inventory_levels/update"])
    body = json.dumps(payload).encode()
    [event] = parse(body, headers("inventory_levels/update", body), None)
    assert event.kind == "stock.edited"
    assert event.data == {"inventory_item_id": "gid://shopify/InventoryItem/808950810",
                          "location_id": "gid://shopify/Location/655441491", "available": 6}


def test_it_parses_a_product_update() -> None:
    body = json.dumps(fixture("products_response.json")["products"][0]).encode()
    [event] = parse(body, headers("products/update", body), None)
    assert event.kind == "product.changed"
    assert event.object_ids == ("gid://shopify/Product/632910392",)
    assert event.data["variant_ids"] == ("gid://shopify/ProductVariant/808950810",
                                         "gid://shopify/ProductVariant/49148385")


def test_it_parses_the_uninstall() -> None:
    body = json.dumps({"id": 1, "domain": SHOP, "myshopify_domain": SHOP}).encode()
    [event] = parse(body, headers("app/uninstalled", body), None)
    assert (event.kind, event.account) == ("app.uninstalled", SHOP)


@pytest.mark.parametrize(("topic", "kind"), [
    ("customers/data_request", "compliance.customer_data_request"),
    ("customers/redact", "compliance.customer_redact"),
    ("shop/redact", "compliance.shop_redact"),
])
def test_it_parses_compliance_topics_with_their_payload(topic: str, kind: str) -> None:
    payload = fixture("webhook_compliance_payloads.json")[topic]
    body = json.dumps(payload).encode()
    hdrs = headers(topic, body)
    del hdrs["X-Shopify-Shop-Domain"]  # the payload names the shop too
    [event] = parse(body, hdrs, None)
    assert event.kind == kind
    assert event.account == "snowdevil.myshopify.com"
    assert {k: event.data[k] for k in payload} == payload


def test_it_ignores_unknown_topics() -> None:
    assert parse(b"{}", headers("carts/update", b"{}"), None) == []


def test_it_reads_unprefixed_event_headers() -> None:
    body = order_body()
    hdrs = {"shopify-topic": "orders/updated", "shopify-shop-domain": SHOP}
    [event] = parse(body, hdrs, None)
    assert event.data["topic"] == "orders/updated"


def test_the_emulator_delivers_signed_order_and_stock_webhooks(system, shop_url) -> None:
    order = requests.post(f"{shop_url}/_control/orders", json={
        "account": SHOP, "lines": [{"sku": "MUG-1", "qty": 2}],
        "customer": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}}, timeout=10).json()
    requests.post(f"{shop_url}/_control/stock", json={"account": SHOP, "sku": "TS-S", "quantity": 7}, timeout=10)
    deliveries = {d.topic: d for d in WebhookDelivery.objects.filter(system=system)}
    assert set(deliveries) == {"orders/create", "inventory_levels/update"}
    [order_event] = parse(deliveries["orders/create"].body.encode(), deliveries["orders/create"].headers, system)
    assert order_event.object_ids == (order["id"],)
    [stock_event] = parse(deliveries["inventory_levels/update"].body.encode(),
                          deliveries["inventory_levels/update"].headers, system)
    assert stock_event.data["available"] == 7


def test_a_duplicated_emulator_delivery_is_stored_once(system, shop_url) -> None:
    from emulators.shopify.state import store

    store(SHOP).ensure_account(duplicate_webhooks=True)
    requests.post(f"{shop_url}/_control/orders", json={"account": SHOP, "lines": [{"sku": "MUG-1", "qty": 1}]},
                  timeout=10)
    assert WebhookDelivery.objects.filter(topic="orders/create").count() == 1
