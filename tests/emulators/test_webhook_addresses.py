"""Every emulator delivers its webhooks to the address registered with it (scheme, host, port, path
and query as registered), never to the connector's own host by assumption."""

from __future__ import annotations

import requests

from emulators.ebay.emulator import emulator_seed as ebay_seed
from emulators.quickbooks.emulator import emulator_seed as quickbooks_seed
from emulators.shopify.emulator import emulator_seed as shopify_seed
from emulators.shopify.state import issue_token
from emulators.woocommerce.emulator import emulator_seed as woocommerce_seed
from emulators.woocommerce.state import issue_key
from tests.emulators.conftest import Receiver, post

SHOP = "hooks-shop.myshopify.com"
SITE = "hooks-site"
REALM = "4620816365000001"


def test_quickbooks_posts_to_the_apps_registered_endpoint(transactional_db, emulator_url, receiver: Receiver) -> None:
    base = emulator_url("quickbooks")
    quickbooks_seed(REALM, [{"sku": "MUG-1", "name": "Mug", "type": "Inventory", "qty_on_hand": 5}])
    assert post(f"{base}/_control/webhooks", url=f"{receiver.url}/intuit/events?app=books")["url"] == (
        f"{receiver.url}/intuit/events?app=books")
    post(f"{base}/_control/adjust", account=REALM, sku="MUG-1", qty_on_hand=7)
    [hook] = receiver.posts()
    assert hook.path == "/intuit/events?app=books"
    assert hook.headers["intuit-signature"] and b'"realmId":"4620816365000001"' in hook.body


def test_shopify_posts_to_each_subscriptions_uri(transactional_db, emulator_url, receiver: Receiver) -> None:
    base = emulator_url("shopify")
    shopify_seed(SHOP, [{"sku": "MUG-1", "name": "Mug", "quantity": 5}])
    token = issue_token(SHOP, scope="read_products,write_inventory", expiring=False)["access_token"]
    created = requests.post(f"{base}/{SHOP}/admin/api/2025-10/graphql.json", timeout=15,
                            headers={"X-Shopify-Access-Token": token}, json={
        "query": "mutation($uri: String!) { webhookSubscriptionCreate(topic: INVENTORY_LEVELS_UPDATE, "
                 "webhookSubscription: {uri: $uri}) { webhookSubscription { uri } userErrors { message } } }",
        "variables": {"uri": f"{receiver.url}/shopify/inventory?shop=hooks"}}).json()
    assert created.get("errors") is None, created
    assert created["data"]["webhookSubscriptionCreate"]["userErrors"] == []
    post(f"{base}/_control/stock", account=SHOP, sku="MUG-1", quantity=9)
    [hook] = receiver.posts()
    assert hook.path == "/shopify/inventory?shop=hooks"
    assert hook.headers["X-Shopify-Topic"] == "inventory_levels/update" and b'"available": 9' in hook.body


def test_woocommerce_posts_to_each_webhooks_delivery_url(transactional_db, emulator_url, receiver: Receiver) -> None:
    base = f"{emulator_url('woocommerce')}/{SITE}"
    woocommerce_seed(SITE, [{"sku": "MUG-1", "name": "Mug", "quantity": 5}])
    key = issue_key(SITE)
    created = requests.post(f"{base}/wp-json/wc/v3/webhooks", timeout=15,
                            auth=(key["consumer_key"], key["consumer_secret"]), headers={"X-Forwarded-Proto": "https"},
                            json={"topic": "product.updated", "delivery_url": f"{receiver.url}/woo/products",
                                  "secret": "s3cret", "status": "active"})
    assert created.status_code == 201, created.text
    post(f"{emulator_url('woocommerce')}/_control/stock", account=SITE, sku="MUG-1", quantity=9)
    ping, hook = receiver.posts()
    assert ping.path == hook.path == "/woo/products"
    assert ping.body == f"webhook_id={created.json()['id']}".encode()
    assert hook.headers["X-WC-Webhook-Topic"] == "product.updated" and b'"stock_quantity":9' in hook.body


def test_ebay_pushes_to_the_registered_notification_endpoint(transactional_db, emulator_url, settings,
                                                            receiver: Receiver) -> None:
    base = emulator_url("ebay")
    settings.EBAY_API_BASE_URL = base
    ebay_seed("hooks_seller", [{"sku": "MUG-1", "name": "Mug", "quantity": 5}])
    post(f"{base}/_control/notification_endpoint", endpoint=f"{receiver.url}/ebay/notifications")
    post(f"{base}/_control/account_deletion", username="jane_buyer")
    [hook] = receiver.posts()
    assert hook.path == "/ebay/notifications" and hook.headers["X-EBAY-SIGNATURE"]
    assert b"MARKETPLACE_ACCOUNT_DELETION" in hook.body
