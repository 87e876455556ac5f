"""State of the eBay emulator, as documents in emulators.store.EmulatorStore.

One account per eBay seller (its username). Collections per seller: listings (Trading world,
key ItemID), inventory_items (key SKU) and offers (key offerId) for the Inventory API world,
orders (Fulfillment JSON, key orderId), codes, tokens, refresh_tokens. App-wide things (RuNames,
application tokens, the notification signing key) live under the reserved account `_app`, which
the control API does not list.

Tokens and codes carry the seller's name (base64) between `#` separators, so any endpoint can find
the seller a token belongs to; clients treat them as opaque, as they must with eBay's.
"""

from __future__ import annotations

import base64
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from emulators.models import EmulatorAccount, EmulatorRecord, EmulatorSequence
from emulators.store import EmulatorStore

PLATFORM = "ebay"
APP = "_app"
DEFAULT_CONFIG: dict[str, Any] = {"currency": "USD", "token_ttl": 7200, "refresh_ttl": 47304000, "code_ttl": 299}
FIXED_PRICE = "FixedPriceItem"
AUCTION = "Chinese"


def store(account: str) -> EmulatorStore:
    return EmulatorStore(PLATFORM, account)


def app_store() -> EmulatorStore:
    app = store(APP)
    if not app.exists():
        app.ensure_account(runames={})
    return app


def ebay_time(when: datetime | None = None) -> str:
    """eBay's UTC timestamps: 2025-03-02T14:05:11.000Z (milliseconds)."""
    when = (when or datetime.now(UTC)).astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def parse_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def next_id(account: str, name: str, start: int) -> int:
    return store(account).next_id(name, start=start)


# --------------------------------------------------------------------------- seeding
INSTALLATION = ("tokens", "refresh_tokens", "codes")


def reset_account(account: str) -> EmulatorStore:
    """Empty the seller's listings and orders; tokens issued to the app survive, as they would
    when a seller ends and relists everything."""
    seller = store(account)
    EmulatorRecord.objects.filter(platform=PLATFORM, account=account).exclude(collection__in=INSTALLATION).delete()
    if not seller.exists():
        EmulatorSequence.objects.filter(platform=PLATFORM, account=account).delete()
        EmulatorAccount.objects.filter(platform=PLATFORM, account=account).delete()
    seller.ensure_account(**DEFAULT_CONFIG)
    return seller


def ensure_account(account: str) -> EmulatorStore:
    seller = store(account)
    if not seller.exists():
        return reset_account(account)
    return seller


def add_listing(account: str, *, title: str, sku: str = "", quantity: int = 0, listing_type: str = FIXED_PRICE,
                price: str = "10.00", variations: list[dict[str, Any]] | None = None,
                inventory_model: bool = False) -> dict[str, Any]:
    item_id = str(next_id(account, "item", 110551234567))
    listing = {"item_id": item_id, "title": title, "sku": "" if variations else sku, "listing_type": listing_type,
               "quantity": 0 if variations else int(quantity), "sold": 0, "price": price, "ended": False,
               "inventory_model": inventory_model, "start_time": ebay_time(),
               "variations": [{"sku": str(v.get("sku") or ""), "title": str(v.get("title") or ""),
                               "quantity": int(v.get("quantity") or 0), "sold": 0,
                               "price": str(v.get("price") or price)} for v in variations or []]}
    store(account).put("listings", item_id, listing)
    return listing


def add_inventory_item(account: str, *, sku: str, title: str, quantity: int, price: str = "10.00") -> dict[str, Any]:
    """An Inventory API item with one published offer, live as a listing (pack 2.4)."""
    listing = add_listing(account, title=title, sku=sku, quantity=quantity, price=price, inventory_model=True)
    seller = store(account)
    seller.put("inventory_items", sku, {"sku": sku, "title": title, "quantity": int(quantity), "condition": "NEW"})
    offer_id = str(next_id(account, "offer", 5005317010))
    seller.put("offers", offer_id, {"offerId": offer_id, "sku": sku, "marketplaceId": "EBAY_US",
                                    "format": "FIXED_PRICE", "availableQuantity": int(quantity), "status": "PUBLISHED",
                                    "price": price, "listingId": listing["item_id"], "soldQuantity": 0})
    return listing


def seed(account: str, products: list[dict[str, Any]]) -> None:
    """Contract catalogue -> listings. `variants` make a multi-variation listing; tracks_stock
    False makes an auction (eBay has no untracked listing: an auction's quantity is not revisable);
    `"api": "inventory"` makes an Inventory API item with a published offer."""
    with transaction.atomic():
        reset_account(account)
        for spec in products:
            title = str(spec.get("name") or spec.get("sku") or "Listing")
            price = str(spec.get("price") or "10.00")
            if spec.get("api") == "inventory":
                add_inventory_item(account, sku=str(spec.get("sku") or ""), title=title,
                                   quantity=int(spec.get("quantity") or 0), price=price)
            elif spec.get("variants"):
                add_listing(account, title=title, price=price, variations=[
                    {"sku": v.get("sku"), "title": v.get("name") or v.get("sku"), "quantity": v.get("quantity"),
                     "price": v.get("price")} for v in spec["variants"]])
            else:
                tracked = spec.get("tracks_stock", True)
                add_listing(account, title=title, sku=str(spec.get("sku") or ""), price=price,
                            quantity=int(spec.get("quantity") or 0),
                            listing_type=str(spec.get("listing_type") or (FIXED_PRICE if tracked else AUCTION)))


# --------------------------------------------------------------------------- lookups
def listings(account: str) -> list[dict[str, Any]]:
    return sorted(store(account).all("listings"), key=lambda row: int(row["item_id"]))


def available(row: dict[str, Any]) -> int:
    return max(0, int(row["quantity"]) - int(row["sold"]))


def find_sku(account: str, sku: str) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """(listing, variation or None) whose Custom Label is `sku`."""
    if not sku:
        return None
    for listing in listings(account):
        if listing["ended"]:
            continue
        if listing["sku"] == sku:
            return listing, None
        for variation in listing["variations"]:
            if variation["sku"] == sku:
                return listing, variation
    return None


def offers_for(account: str, sku: str) -> list[dict[str, Any]]:
    return [o for o in store(account).all("offers") if o["sku"] == sku]


def inventory_available(account: str, sku: str) -> int:
    item = store(account).get("inventory_items", sku) or {"quantity": 0}
    quantities = [int(item["quantity"])] + [int(o["availableQuantity"]) for o in offers_for(account, sku)
                                            if o["status"] == "PUBLISHED"]
    return max(0, min(quantities))


def sync_inventory_listing(account: str, sku: str) -> None:
    """Keep the Trading view of an inventory-model listing in step with the Inventory API."""
    seller = store(account)
    listing_ids = {o["listingId"] for o in offers_for(account, sku)}
    for item_id in listing_ids:
        listing = seller.get_for_update("listings", item_id)
        if listing is not None:
            listing["quantity"] = inventory_available(account, sku) + listing["sold"]
            seller.put("listings", item_id, listing)


# --------------------------------------------------------------------------- tokens
def _tag(account: str) -> str:
    return base64.urlsafe_b64encode(account.encode()).decode().rstrip("=")


def account_of(token: str) -> str:
    """The seller a token or code was issued for ("" when it is not one of ours)."""
    parts = token.split("#")
    if len(parts) < 3:
        return ""
    tag = parts[-2]
    try:
        return base64.urlsafe_b64decode(tag + "=" * (-len(tag) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return ""


def new_code(account: str, scope: str, runame: str) -> str:
    # Real codes look like v^1.1#i^1#f^0#r^1#I^3#p^3#t^Ul4...; the #, ^ and = force URL encoding.
    code = f"v^1.1#i^1#f^0#r^1#{_tag(account)}#{secrets.token_urlsafe(24)}="
    store(account).put("codes", code, {"code": code, "scope": scope, "runame": runame, "used": False,
                                       "created": time.time()})
    return code


def issue_user_token(account: str, scope: str, *, with_refresh: bool = True) -> dict[str, Any]:
    seller = store(account)
    config = {**DEFAULT_CONFIG, **seller.config()}
    token = f"v^1.1#i^1#p^3#r^1#{_tag(account)}#{secrets.token_urlsafe(32)}"
    seller.put("tokens", token, {"token": token, "scope": scope,
                                 "expires_at": time.time() + int(config["token_ttl"])})
    body: dict[str, Any] = {"access_token": token, "expires_in": int(config["token_ttl"])}
    if with_refresh:
        refresh = f"v^1.1#i^1#p^3#r^1#{_tag(account)}#{secrets.token_urlsafe(32)}"
        seller.put("refresh_tokens", refresh, {"token": refresh, "scope": scope,
                                               "expires_at": time.time() + int(config["refresh_ttl"])})
        body.update(refresh_token=refresh, refresh_token_expires_in=int(config["refresh_ttl"]))
    body["token_type"] = "User Access Token"
    return body


def user_token(token: str) -> tuple[str, dict[str, Any]] | None:
    account = account_of(token)
    if not account or account == APP or not store(account).exists():
        return None
    record = store(account).get("tokens", token)
    if record is None or record["expires_at"] < time.time():
        return None
    return account, record


def issue_app_token(scope: str) -> dict[str, Any]:
    token = f"v^1.1#i^1#f^0#p^1#{_tag(APP)}#{secrets.token_urlsafe(32)}"
    app_store().put("app_tokens", token, {"token": token, "scope": scope, "expires_at": time.time() + 7200})
    return {"access_token": token, "expires_in": 7200, "token_type": "Application Access Token"}


def any_token_valid(token: str) -> bool:
    if user_token(token) is not None:
        return True
    record = app_store().get("app_tokens", token) if token else None
    return record is not None and record["expires_at"] >= time.time()


def expire_tokens(account: str) -> None:
    """Tests: eBay considers every access token of the seller expired though our clock does not."""
    seller = store(account)
    for record in seller.all("tokens"):
        seller.put("tokens", record["token"], {**record, "expires_at": time.time() - 1})


# --------------------------------------------------------------------------- RuNames
def register_runame(runame: str, accept_url: str, decline_url: str = "") -> None:
    """What a developer sets under Application Keys -> User Tokens (pack 1.2)."""
    app = app_store()
    names = dict(app.config().get("runames") or {})
    names[runame] = {"accept": accept_url, "decline": decline_url or accept_url}
    app.ensure_account(runames=names)


def runame_urls(runame: str) -> dict[str, str] | None:
    names = app_store().config().get("runames") or {}
    if runame in names:
        return dict(names[runame])
    if runame and runame == settings.EBAY_RUNAME:
        # The app's own RuName, unregistered: its accept URL is the connector's eBay callback.
        callback = settings.CONNECTOR_PUBLIC_URL.rstrip("/") + "/connect/callback/ebay/"
        return {"accept": callback, "decline": callback}
    return None


def notification_endpoint_register(url: str) -> None:
    """What a developer sets under Alerts & Notifications: the app's notification endpoint."""
    app_store().ensure_account(notification_endpoint=url)


def notification_endpoint() -> str:
    """The registered endpoint; unregistered, the one the connector says it is registered at
    (EBAY_NOTIFICATION_ENDPOINT), else its own /webhooks/ebay/ address."""
    from emulators.outbox import connector_address

    registered = str(app_store().config().get("notification_endpoint") or "")
    return registered or str(settings.EBAY_NOTIFICATION_ENDPOINT or "") or connector_address("/webhooks/ebay/")
