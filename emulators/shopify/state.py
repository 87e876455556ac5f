"""State of the Shopify emulator: shops, locations, products, variants, inventory levels, orders,
tokens and the two rate-limit buckets, as documents in emulators.store.EmulatorStore.

Collections per shop: locations, products, variants, levels ("<item>:<location>"), orders,
tokens, refresh_tokens, codes, webhooks, idempotency, meta (rate buckets).
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from emulators.models import EmulatorAccount, EmulatorRecord, EmulatorSequence
from emulators.store import EmulatorStore

PLATFORM = "shopify"
DEFAULT_CONFIG: dict[str, Any] = {
    "currency": "USD",
    "bucket_max": 2000.0,  # GraphQL cost bucket (read from responses by real clients)
    "restore_rate": 100.0,
    "rest_bucket": 40,  # REST leaky bucket, standard plan
    "rest_leak": 2.0,
    "token_ttl": 3600,
    "refresh_ttl": 7776000,
}


def store(shop: str) -> EmulatorStore:
    return EmulatorStore(PLATFORM, shop)


def now_iso() -> str:
    return timezone.now().replace(microsecond=0).isoformat()


def gid(kind: str, number: int | str) -> str:
    return f"gid://shopify/{kind}/{number}"


def number_of(value: Any) -> int:
    try:
        return int(str(value).rsplit("/", 1)[-1].split("?", 1)[0])
    except ValueError:
        return 0


def next_id(shop: str) -> int:
    return store(shop).next_id("object", start=1_000_001)


# --------------------------------------------------------------------------- seeding
INSTALLATION = ("tokens", "refresh_tokens", "codes", "webhooks", "locations")


def reset_shop(shop: str) -> EmulatorStore:
    """Empty the shop's catalogue and orders. An existing installation (tokens, webhook
    subscriptions, locations) survives, as it would when a merchant re-imports products."""
    shop_store = store(shop)
    if shop_store.exists() and shop_store.config().get("location_id"):
        EmulatorRecord.objects.filter(platform=PLATFORM, account=shop).exclude(collection__in=INSTALLATION).delete()
        shop_store.ensure_account(**DEFAULT_CONFIG)
        return shop_store
    EmulatorRecord.objects.filter(platform=PLATFORM, account=shop).delete()
    EmulatorSequence.objects.filter(platform=PLATFORM, account=shop).delete()
    EmulatorAccount.objects.filter(platform=PLATFORM, account=shop).delete()
    shop_store.ensure_account(**DEFAULT_CONFIG, name=shop.removesuffix(".myshopify.com"))
    # An inactive location first, so clients must pick an active one rather than the first.
    closed = next_id(shop)
    shop_store.put("locations", closed, {"id": closed, "name": "Old warehouse (closed)", "active": False,
                                         "fulfills_online_orders": False})
    primary = next_id(shop)
    shop_store.put("locations", primary, {"id": primary, "name": "Shop location", "active": True,
                                          "fulfills_online_orders": True})
    shop_store.ensure_account(location_id=primary)
    return shop_store


def ensure_shop(shop: str) -> EmulatorStore:
    shop_store = store(shop)
    if not shop_store.exists() or not shop_store.config().get("location_id"):
        return reset_shop(shop)
    return shop_store


def add_product(shop: str, *, title: str, variants: list[dict[str, Any]], price: str = "10.00") -> dict[str, Any]:
    shop_store = store(shop)
    location = shop_store.config()["location_id"]
    product_id = next_id(shop)
    stamp = now_iso()
    product = {"id": product_id, "title": title, "status": "ACTIVE", "created_at": stamp, "updated_at": stamp}
    shop_store.put("products", product_id, product)
    for spec in variants:
        variant_id, item_id = next_id(shop), next_id(shop)
        shop_store.put("variants", variant_id, {
            "id": variant_id, "product_id": product_id, "title": spec.get("title") or "Default Title",
            "sku": spec.get("sku") or "", "price": str(spec.get("price") or price), "inventory_item_id": item_id,
            "tracked": bool(spec.get("tracks_stock", True)), "updated_at": stamp,
        })
        shop_store.put("levels", f"{item_id}:{location}", {
            "inventory_item_id": item_id, "location_id": location, "available": int(spec.get("quantity") or 0),
            "committed": 0, "updated_at": stamp,
        })
    return product


def seed(shop: str, products: list[dict[str, Any]]) -> None:
    with transaction.atomic():
        reset_shop(shop)
        for spec in products:
            if spec.get("variants"):
                variants = [{"title": v.get("name") or v.get("sku"), "sku": v.get("sku"), "quantity": v.get("quantity"),
                             "tracks_stock": v.get("tracks_stock", True), "price": v.get("price")}
                            for v in spec["variants"]]
            else:
                variants = [{"title": "Default Title", "sku": spec.get("sku"), "quantity": spec.get("quantity"),
                             "tracks_stock": spec.get("tracks_stock", True), "price": spec.get("price")}]
            add_product(shop, title=str(spec.get("name") or spec.get("sku") or "Product"), variants=variants,
                        price=str(spec.get("price") or "10.00"))


# --------------------------------------------------------------------------- lookups
def variants(shop: str) -> list[dict[str, Any]]:
    return sorted(store(shop).all("variants"), key=lambda v: v["id"])


def variant_by_sku(shop: str, sku: str) -> dict[str, Any] | None:
    return next((v for v in variants(shop) if v.get("sku") == sku), None)


def put_level(shop: str, data: dict[str, Any]) -> None:
    data["updated_at"] = now_iso()
    store(shop).put("levels", f"{data['inventory_item_id']}:{data['location_id']}", data)


def variant_name(shop: str, variant: dict[str, Any]) -> str:
    product = store(shop).get("products", variant["product_id"]) or {}
    title = product.get("title", "")
    return title if variant.get("title") in ("", "Default Title", None) else f"{title} - {variant['title']}"


# --------------------------------------------------------------------------- tokens
def issue_token(shop: str, *, scope: str, expiring: bool) -> dict[str, Any]:
    shop_store = store(shop)
    config = shop_store.config()
    token = "shpat_" + secrets.token_hex(16)
    body: dict[str, Any] = {"access_token": token, "scope": scope}
    record: dict[str, Any] = {"scope": scope, "expires_at": None}
    if expiring:
        # One expiring offline token per app and shop: a new one revokes the others.
        for old in list(shop_store.all("tokens")):
            if old.get("expires_at"):
                shop_store.delete("tokens", old["token"])
        refresh = "shprt_" + secrets.token_hex(16)
        record["expires_at"] = time.time() + int(config.get("token_ttl", 3600))
        body.update(expires_in=int(config.get("token_ttl", 3600)), refresh_token=refresh,
                    refresh_token_expires_in=int(config.get("refresh_ttl", 7776000)))
        shop_store.put("refresh_tokens", refresh, {"token": refresh, "scope": scope, "used": False,
                                                   "expires_at": time.time() + int(config.get("refresh_ttl", 7776000))})
    shop_store.put("tokens", token, {"token": token, **record})
    return body


def token_record(shop: str, token: str) -> dict[str, Any] | None:
    if not token:
        return None
    record = store(shop).get("tokens", token)
    if record is None or (record.get("expires_at") and record["expires_at"] < time.time()):
        return None
    return record
