"""State of the WooCommerce emulator: sites, products, variations, orders, API keys, OAuth nonces
and webhooks, as documents in emulators.store.EmulatorStore (one account per site).

Products and variations share one id sequence, as WordPress posts do. Records are kept in the
REST v3 shape (a stock-relevant subset of the fields) so the API renders them as stored. Each
site runs in a timezone three hours behind UTC, like the docs' examples, so clients that forget
`dates_are_gmt` or read the local dates are caught.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from emulators.models import EmulatorAccount, EmulatorRecord, EmulatorSequence
from emulators.store import EmulatorStore

PLATFORM = "woocommerce"
DEFAULT_CONFIG: dict[str, Any] = {
    "currency": "USD",
    "utc_offset_hours": -3,
    "manage_stock": True,  # the store-wide "Enable stock management" option
    "batch_limit": 100,  # woocommerce_rest_batch_items_limit
    "prices_include_tax": False,
    "version": "9.8.0",
}
INSTALLATION = ("keys", "webhooks", "nonces")


def store(site: str) -> EmulatorStore:
    return EmulatorStore(PLATFORM, site)


def next_id(site: str) -> int:
    return store(site).next_id("post", start=100)


# --------------------------------------------------------------------------- dates
def site_offset(site: str) -> timedelta:
    return timedelta(hours=float(store(site).config().get("utc_offset_hours", -3)))


def stamps(site: str, when: datetime | None = None) -> tuple[str, str]:
    """(site-local, GMT) strings as WooCommerce renders them: no offset, seconds resolution."""
    moment = (when or timezone.now()).astimezone(UTC).replace(microsecond=0, tzinfo=None)
    return (moment + site_offset(site)).isoformat(), moment.isoformat()


def touch(site: str, record: dict[str, Any], *names: str) -> dict[str, Any]:
    local, gmt = stamps(site)
    for name in names or ("date_modified",):
        record[name], record[f"{name}_gmt"] = local, gmt
    return record


def parse_gmt(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


# --------------------------------------------------------------------------- seeding
def reset_site(site: str) -> EmulatorStore:
    """Empty the catalogue and orders. An existing installation (API keys, webhooks) survives, as
    it would when a merchant re-imports products."""
    site_store = store(site)
    if site_store.exists():
        EmulatorRecord.objects.filter(platform=PLATFORM, account=site).exclude(collection__in=INSTALLATION).delete()
        site_store.ensure_account(**DEFAULT_CONFIG)
        return site_store
    EmulatorRecord.objects.filter(platform=PLATFORM, account=site).delete()
    EmulatorSequence.objects.filter(platform=PLATFORM, account=site).delete()
    EmulatorAccount.objects.filter(platform=PLATFORM, account=site).delete()
    site_store.ensure_account(**DEFAULT_CONFIG, name=site)
    return site_store


def ensure_site(site: str) -> EmulatorStore:
    return store(site) if store(site).exists() else reset_site(site)


def _stock_status(record: dict[str, Any]) -> str:
    if record.get("manage_stock") is True and record.get("stock_quantity") is not None:
        return "instock" if int(record["stock_quantity"]) > 0 else "outofstock"
    return str(record.get("stock_status") or "instock")


def new_product(site: str, *, name: str, sku: str, kind: str = "simple", manage_stock: bool = False,
                quantity: int | None = None, price: str = "10.00", parent_id: int = 0,
                attributes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    object_id = next_id(site)
    record: dict[str, Any] = {
        "id": object_id, "name": name, "slug": f"{name.lower().replace(' ', '-')}-{object_id}", "type": kind,
        "status": "publish", "sku": sku, "price": "" if kind == "variable" else price,
        "regular_price": "" if kind == "variable" else price, "sale_price": "", "tax_status": "taxable",
        "tax_class": "", "manage_stock": manage_stock, "stock_quantity": quantity if manage_stock else None,
        "stock_status": "instock", "backorders": "no", "parent_id": parent_id, "attributes": attributes or [],
        "variations": [], "meta_data": [],
    }
    if kind == "variation":
        record.pop("variations")
        record.pop("slug")
    touch(site, record, "date_created", "date_modified")
    record["stock_status"] = _stock_status(record)
    return record


def put_product(site: str, record: dict[str, Any]) -> None:
    record["stock_status"] = _stock_status(record)
    collection = "variations" if record.get("type") == "variation" else "products"
    store(site).put(collection, record["id"], record)


def seed(site: str, products: list[dict[str, Any]]) -> None:
    """Store-platform catalogue: a product with `variants` becomes a variable product whose
    variations manage their own stock; any other becomes a simple product."""
    with transaction.atomic():
        reset_site(site)
        for spec in products:
            name = str(spec.get("name") or spec.get("sku") or "Product")
            price = str(spec.get("price") or "10.00")
            if spec.get("variants"):
                parent = new_product(site, name=name, sku=str(spec.get("sku") or ""), kind="variable",
                                     attributes=[{"id": 0, "name": "Option", "position": 0, "visible": True,
                                                  "variation": True,
                                                  "options": [str(v.get("name") or v.get("sku")) for v in spec["variants"]]}])
                for variant in spec["variants"]:
                    option = str(variant.get("name") or variant.get("sku") or "")
                    tracked = bool(variant.get("tracks_stock", True))
                    child = new_product(site, name="", sku=str(variant.get("sku") or ""), kind="variation",
                                        manage_stock=tracked, quantity=int(variant.get("quantity") or 0),
                                        price=str(variant.get("price") or price), parent_id=parent["id"],
                                        attributes=[{"id": 0, "name": "Option", "option": option}])
                    put_product(site, child)
                    parent["variations"].append(child["id"])
                put_product(site, parent)
                continue
            tracked = bool(spec.get("tracks_stock", True))
            put_product(site, new_product(site, name=name, sku=str(spec.get("sku") or ""), manage_stock=tracked,
                                          quantity=int(spec.get("quantity") or 0), price=price))


# --------------------------------------------------------------------------- lookups
def all_products(site: str) -> list[dict[str, Any]]:
    return sorted(store(site).all("products"), key=lambda p: p["id"])


def all_variations(site: str) -> list[dict[str, Any]]:
    return sorted(store(site).all("variations"), key=lambda p: p["id"])


def find_object(site: str, object_id: int) -> dict[str, Any] | None:
    return store(site).get("products", object_id) or store(site).get("variations", object_id)


def by_sku(site: str, sku: str) -> dict[str, Any] | None:
    if not sku:
        return None
    return next((p for p in [*all_products(site), *all_variations(site)] if p.get("sku") == sku), None)


def display_name(site: str, record: dict[str, Any]) -> str:
    if record.get("type") != "variation":
        return str(record.get("name") or "")
    parent = store(site).get("products", record["parent_id"]) or {}
    options = ", ".join(str(a.get("option")) for a in record.get("attributes") or [])
    return f"{parent.get('name', '')} - {options}" if options else str(parent.get("name", ""))


def stock_holder(site: str, record: dict[str, Any]) -> dict[str, Any] | None:
    """The object whose stock_quantity counts: itself, its parent ("parent"), or none."""
    if record.get("manage_stock") is True:
        return record
    if record.get("type") == "variation":
        parent = store(site).get("products", record["parent_id"])
        return parent if parent and parent.get("manage_stock") is True else None
    return None


# --------------------------------------------------------------------------- API keys
def issue_key(site: str, *, permissions: str = "read_write", description: str = "") -> dict[str, Any]:
    """A key as WooCommerce generates it: ck_/cs_ + 40 hex characters."""
    site_store = store(site)
    key_id = site_store.next_id("key", start=1)
    record = {"key_id": key_id, "consumer_key": "ck_" + secrets.token_hex(20),
              "consumer_secret": "cs_" + secrets.token_hex(20), "key_permissions": permissions,
              "description": description, "user_id": 1}
    site_store.put("keys", record["consumer_key"], record)
    return record


def key_record(site: str, consumer_key: str) -> dict[str, Any] | None:
    return store(site).get("keys", consumer_key) if consumer_key else None


def delete_key(site: str, key_id: int) -> None:
    for record in store(site).all("keys"):
        if record["key_id"] == key_id:
            store(site).delete("keys", record["consumer_key"])
