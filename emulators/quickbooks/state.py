"""State of the QuickBooks emulator, as documents in emulators.store.EmulatorStore.

One EmulatorStore per realm: collections named after the entities (Item, Customer, Invoice,
SalesReceipt, TaxCode, Account), plus `deleted` (CDC stubs), `requestids` (replayed responses)
and `singletons` (Preferences, CompanyInfo). Codes, access tokens and refresh tokens live in the
realm-less store "_oauth" (the token endpoint does not know the realm).
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from django.db import transaction

from emulators.models import EmulatorAccount, EmulatorRecord, EmulatorSequence
from emulators.store import EmulatorStore

PLATFORM = "quickbooks"
OAUTH = "_oauth"
PACIFIC = timezone(timedelta(hours=-8))  # QuickBooks stamps MetaData in the company's local time
DEFAULT_CONFIG: dict[str, Any] = {
    "company_name": "Emulated Company",
    "webhook_format": "legacy",  # or "cloudevents"
    "webhooks": True,
    "item_webhook_on_sale": True,  # whether a sale also sends an Item Update (UNCONFIRMED in the pack)
    "custom_txn_numbers": True,
    "email_queryable": True,
    "token_ttl": 3600,
    "refresh_ttl": 8726400,
    "refresh_grace": 86400,  # the previous refresh token keeps working this long (pack 1.5)
    "rate_per_minute": 500,  # per realm (pack 7); more calls in one minute get the XML 429
    # Per-second limit, off by default: fixed one-second windows on two clocks disagree at their
    # edges, so a client that stays within 10/s by its own count could be refused spuriously.
    "rate_per_second": 0,
}
ENTITIES = ("Item", "Customer", "Invoice", "SalesReceipt", "TaxCode", "Account")


def store(realm: str) -> EmulatorStore:
    return EmulatorStore(PLATFORM, realm)


def oauth_store() -> EmulatorStore:
    return EmulatorStore(PLATFORM, OAUTH)


def now_local() -> datetime:
    return datetime.now(PACIFIC).replace(microsecond=0)


def stamp() -> str:
    return now_local().isoformat()


def time_envelope() -> str:
    return datetime.now(PACIFIC).isoformat(timespec="milliseconds")


def next_id(realm: str, entity: str, start: int = 1) -> str:
    return str(store(realm).next_id(entity, start=start))


def meta() -> dict[str, str]:
    now = stamp()
    return {"CreateTime": now, "LastUpdatedTime": now}


def touch(entity: dict[str, Any]) -> dict[str, Any]:
    entity["SyncToken"] = str(int(entity.get("SyncToken") or 0) + 1)
    entity["MetaData"] = {**(entity.get("MetaData") or {}), "LastUpdatedTime": stamp()}
    return entity


# --------------------------------------------------------------------------- company setup
ACCOUNTS = [
    ("79", "Sales of Product Income", "Income", "SalesOfProductIncome"),
    ("80", "Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
    ("81", "Inventory Asset", "Other Current Asset", "Inventory"),
    ("35", "Checking", "Bank", "Checking"),
    ("4", "Undeposited Funds", "Other Current Asset", "UndepositedFunds"),
    ("1", "Services", "Income", "ServiceFeeIncome"),
]


def reset_realm(realm: str, **config: Any) -> EmulatorStore:
    EmulatorRecord.objects.filter(platform=PLATFORM, account=realm).delete()
    EmulatorSequence.objects.filter(platform=PLATFORM, account=realm).delete()
    EmulatorAccount.objects.filter(platform=PLATFORM, account=realm).delete()
    realm_store = store(realm)
    realm_store.ensure_account(**{**DEFAULT_CONFIG, **config})
    for ident, name, kind, sub in ACCOUNTS:
        realm_store.put("Account", ident, {"Id": ident, "Name": name, "FullyQualifiedName": name, "AccountType": kind,
                                           "AccountSubType": sub, "Classification": "Asset", "Active": True,
                                           "CurrentBalance": 0, "SyncToken": "0", "domain": "QBO", "sparse": False,
                                           "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
                                           "MetaData": meta()})
    realm_store.next_id("Account", start=100)
    for ident, name, taxable in (("TAX", "TAX", True), ("NON", "NON", False)):
        realm_store.put("TaxCode", ident, {"Id": ident, "Name": name, "Description": name, "Taxable": taxable,
                                           "TaxGroup": False, "Active": True, "domain": "QBO", "sparse": False,
                                           "SyncToken": "0", "MetaData": meta()})
    return realm_store


def ensure_realm(realm: str) -> EmulatorStore:
    realm_store = store(realm)
    if not realm_store.exists():
        return reset_realm(realm)
    return realm_store


def config(realm: str) -> dict[str, Any]:
    return {**DEFAULT_CONFIG, **store(realm).config()}


def add_item(realm: str, spec: dict[str, Any]) -> dict[str, Any]:
    kind = spec.get("type") or "Inventory"
    ident = next_id(realm, "Item", start=1)
    item: dict[str, Any] = {
        "Id": ident, "Name": spec.get("name") or spec.get("sku") or f"Item {ident}",
        "FullyQualifiedName": spec.get("name") or spec.get("sku") or f"Item {ident}",
        "Sku": spec.get("sku") or "", "Type": kind, "Active": True, "Taxable": True,
        "UnitPrice": spec.get("unit_price") or 0, "TrackQtyOnHand": kind == "Inventory",
        "IncomeAccountRef": {"value": "79", "name": "Sales of Product Income"},
        "domain": "QBO", "sparse": False, "SyncToken": "0", "MetaData": meta(),
    }
    if not item["Sku"]:
        del item["Sku"]
    if kind == "Inventory":
        item.update({"QtyOnHand": spec.get("qty_on_hand") or 0, "InvStartDate": now_local().date().isoformat(),
                     "AssetAccountRef": {"value": "81", "name": "Inventory Asset"},
                     "ExpenseAccountRef": {"value": "80", "name": "Cost of Goods Sold"}})
    store(realm).put("Item", ident, item)
    return item


def seed(realm: str, products: list[dict[str, Any]]) -> None:
    with transaction.atomic():
        reset_realm(realm)
        for spec in products:
            add_item(realm, spec)


# --------------------------------------------------------------------------- tokens
def issue_token(realm: str, *, refresh_parent: str = "") -> dict[str, Any]:
    """A token response as the token endpoint answers it (token_response.json's fields)."""
    cfg = config(realm)
    now = time.time()
    access, refresh = "qbo-at-" + secrets.token_urlsafe(24), "qbo-rt-" + secrets.token_urlsafe(24)
    tokens = oauth_store()
    tokens.put("tokens", access, {"token": access, "realm": realm, "expires_at": now + int(cfg["token_ttl"])})
    tokens.put("refresh_tokens", refresh, {"token": refresh, "realm": realm, "expires_at": now + int(cfg["refresh_ttl"]),
                                           "replaced_at": None, "replaced_by": "", "parent": refresh_parent})
    return {"access_token": access, "refresh_token": refresh, "token_type": "bearer",
            "expires_in": int(cfg["token_ttl"]), "x_refresh_token_expires_in": int(cfg["refresh_ttl"])}


def throttle_take(realm: str) -> bool:
    """Count one API call in the realm's fixed windows; False when a limit is exceeded."""
    cfg, now, realm_store = config(realm), time.time(), store(realm)
    for limit, seconds in ((int(cfg.get("rate_per_second") or 0), 1), (int(cfg.get("rate_per_minute") or 0), 60)):
        if limit <= 0:
            continue
        window = int(now // seconds)
        state = realm_store.get_for_update("meta", f"rate:{seconds}") or {}
        count = int(state.get("count", 0)) if state.get("window") == window else 0
        if count >= limit:
            return False
        realm_store.put("meta", f"rate:{seconds}", {"window": window, "count": count + 1})
    return True


def access_token_realm(token: str) -> str | None:
    record = oauth_store().get("tokens", token) if token else None
    if record is None or float(record["expires_at"]) < time.time():
        return None
    return str(record["realm"])


# --------------------------------------------------------------------------- the app's webhook endpoint
def webhook_endpoint() -> str:
    """The endpoint registered for the app's webhooks (one per app, as in the developer portal);
    until one is registered, the connector's own /webhooks/quickbooks/ address."""
    from emulators.outbox import connector_address

    record = oauth_store().get("app", "webhooks") or {}
    return str(record.get("url") or connector_address("/webhooks/quickbooks/"))


def webhook_endpoint_register(url: str) -> None:
    oauth_store().put("app", "webhooks", {"url": url})


def revoke_realm_tokens(realm: str) -> None:
    tokens = oauth_store()
    for collection in ("tokens", "refresh_tokens"):
        for row in tokens.all(collection):
            if row.get("realm") == realm:
                tokens.delete(collection, row["token"])
