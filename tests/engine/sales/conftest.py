"""A QuickBooks company and a Shopify shop, both emulated on a live server, connected to one
organisation, with the shop's products linked to QuickBooks items as matching would link them."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from connector.models import ConnectedSystem, Product, ProductLink
from connector.platforms.quickbooks.client import QuickBooksClient
from connector.platforms.shopify.client import ShopifyClient
from connector.services.sales_post import preferences_forget
from emulators.quickbooks.emulator import emulator_connect as qbo_connect
from emulators.quickbooks.emulator import emulator_seed as qbo_seed
from emulators.shopify.emulator import emulator_connect as shop_connect
from emulators.shopify.emulator import emulator_seed as shop_seed
from emulators.store import EmulatorStore

REALM = "9341455327810551"
SHOP = "sales-shop.myshopify.com"
QBO_ITEMS: list[dict[str, Any]] = [
    {"sku": "MUG-1", "name": "Mug", "type": "Inventory", "qty_on_hand": 10, "unit_price": 12},
    {"sku": "TS-S", "name": "T-shirt Small", "type": "Inventory", "qty_on_hand": 5, "unit_price": 20},
    {"sku": "TS-M", "name": "T-shirt Medium", "type": "Inventory", "qty_on_hand": 5, "unit_price": 20},
    {"sku": "SHIP", "name": "Shipping", "type": "Service", "qty_on_hand": 0, "unit_price": 0},
    {"sku": "FEE", "name": "Handling fee", "type": "Service", "qty_on_hand": 0, "unit_price": 0},
]
SHOP_PRODUCTS: list[dict[str, Any]] = [
    {"sku": "MUG-1", "name": "Mug", "quantity": 10, "tracks_stock": True},
    {"sku": "", "name": "T-shirt", "variants": [
        {"sku": "TS-S", "name": "Small", "quantity": 5, "tracks_stock": True},
        {"sku": "TS-M", "name": "Medium", "quantity": 5, "tracks_stock": True},
    ]},
    {"sku": "POSTER-9", "name": "Poster", "quantity": 4, "tracks_stock": True},  # no QuickBooks item
]


@pytest.fixture(scope="session", autouse=True)
def _database_before_live_server(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The test database exists before the live server starts, so its thread shares the connection."""


@pytest.fixture(autouse=True)
def _release_connections(transactional_db) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """HTTP clients left in reference cycles keep connections to the live server alive, and each
    holds a server thread inside the database; collect them before the database is flushed."""
    yield
    gc.collect()
    time.sleep(0.05)  # let the server threads see their connections close


@pytest.fixture(autouse=True)
def platform_apps(settings):  # type: ignore[no-untyped-def]
    settings.QUICKBOOKS_CLIENT_ID = "ABqbo-emulator-client"
    settings.QUICKBOOKS_CLIENT_SECRET = "qbo-emulator-secret"
    settings.QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN = "qbo-emulator-verifier-token-0001"
    settings.QUICKBOOKS_ENVIRONMENT = "sandbox"
    settings.QUICKBOOKS_DISCOVERY_URL = ""
    settings.QUICKBOOKS_API_BASE_URL = ""
    settings.SHOPIFY_CLIENT_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    settings.SHOPIFY_CLIENT_SECRET = "shpss_example_client_secret"
    settings.SHOPIFY_API_VERSION = "2025-10"
    preferences_forget()
    yield settings
    preferences_forget()


@pytest.fixture
def qbo_url(emulator_url) -> str:  # type: ignore[no-untyped-def]
    return emulator_url("quickbooks")


@pytest.fixture
def shop_url(emulator_url) -> str:  # type: ignore[no-untyped-def]
    return emulator_url("shopify")


@pytest.fixture
def accounting(transactional_db, org, qbo_url) -> ConnectedSystem:  # type: ignore[no-untyped-def]
    qbo_seed(REALM, QBO_ITEMS)
    # These tests drive ingestion and posting explicitly, as the planning job would after a
    # webhook; deliveries from the emulators would add jobs the tests do not control.
    EmulatorStore("quickbooks", REALM).ensure_account(webhooks=False)
    return qbo_connect(organization=org, account=REALM, base_url=qbo_url)


@pytest.fixture
def store(transactional_db, org, shop_url, accounting) -> ConnectedSystem:  # type: ignore[no-untyped-def]
    shop_seed(SHOP, SHOP_PRODUCTS)
    system = shop_connect(organization=org, account=SHOP, base_url=shop_url)
    shop = EmulatorStore("shopify", SHOP)
    for subscription in shop.all("webhooks"):
        shop.delete("webhooks", subscription["id"])
    return system


def products_pull(system: ConnectedSystem, products: Any) -> dict[str, Product]:
    rows = {}
    for p in products:
        rows[p.sku] = Product.objects.create(
            organization=system.organization, system=system, external_id=p.external_id, sku=p.sku,
            sku_key=p.sku.strip().casefold(), name=p.name, tracks_stock=p.tracks_stock, quantity=p.quantity,
            parent_external_id=p.parent_id, kind=p.kind)
    return rows


@pytest.fixture
def items(accounting) -> dict[str, Product]:  # type: ignore[no-untyped-def]
    return products_pull(accounting, QuickBooksClient(accounting).iter_items())


@pytest.fixture
def linked(store, items) -> dict[str, ProductLink]:  # type: ignore[no-untyped-def]
    """Every shop product whose SKU QuickBooks also has, linked (POSTER-9 stays unlinked)."""
    shop_products = products_pull(store, ShopifyClient(store).iter_products())
    return {sku: ProductLink.objects.create(organization=store.organization, store_product=product,
                                            accounting_product=items[sku])
            for sku, product in shop_products.items() if sku in items}


def store_options(system: ConnectedSystem, **options: Any) -> ConnectedSystem:
    system.options = {**(system.options or {}), **options}
    system.save(update_fields=["options"])
    return system


class Control:
    """The emulators' control APIs over HTTP."""

    def __init__(self, qbo_url: str, shop_url: str) -> None:
        self.qbo_url, self.shop_url = qbo_url, shop_url

    def order(self, lines: list[dict[str, Any]], customer: dict[str, Any] | None = None, **extras: Any) -> str:
        response = requests.post(f"{self.shop_url}/_control/orders", timeout=10,
                                 json={"account": SHOP, "lines": lines, "customer": customer, **extras})
        response.raise_for_status()
        return str(response.json()["id"])

    def cancel(self, order_id: str) -> None:
        requests.post(f"{self.shop_url}/_control/orders/{order_id}/cancel", json={"account": SHOP},
                      timeout=10).raise_for_status()

    def qbo_state(self) -> dict[str, Any]:
        response = requests.get(f"{self.qbo_url}/_control/state", params={"account": REALM}, timeout=10)
        response.raise_for_status()
        return response.json()

    def qbo_config(self, **settings: Any) -> None:
        requests.post(f"{self.qbo_url}/_control/config", json={"account": REALM, **settings},
                      timeout=10).raise_for_status()

    def qbo_faults(self, **faults: Any) -> None:
        requests.post(f"{self.qbo_url}/_control/faults", json=faults, timeout=10).raise_for_status()


@pytest.fixture
def control(qbo_url, shop_url) -> Control:  # type: ignore[no-untyped-def]
    return Control(qbo_url, shop_url)


JANE = {"first_name": "Jane", "last_name": "Doe", "email": "jane@example.com"}


def run_jobs() -> int:
    from syncjobs.runner import run_due_jobs

    return run_due_jobs(max_seconds=60)


def enqueue(kind: str, system: ConnectedSystem, **payload: Any) -> Any:
    from syncjobs.ledger import job_enqueue

    return job_enqueue(organization=system.organization, system=system, kind=kind, payload=payload)


def ingest(store: ConnectedSystem, order_id: str) -> None:
    """What the webhook planning job does for an orders/* delivery, then run everything due."""
    enqueue("orders.ingest", store, system_id=store.pk, order_id=order_id)
    run_jobs()


class CallLog:
    """Every QuickBooks call, as the HTTP chokepoint logs it ("quickbooks POST <path> 200 ...")."""

    def __init__(self, caplog: Any) -> None:
        self.caplog = caplog

    def calls(self) -> list[str]:
        return [r.getMessage() for r in self.caplog.records
                if r.name == "connector.http" and r.getMessage().startswith("quickbooks ")]

    def creates(self, entity: str = "invoice") -> list[str]:
        return [c for c in self.calls() if c.split()[1] == "POST" and c.split()[2].endswith(f"/{entity}")]

    def clear(self) -> None:
        self.caplog.clear()


@pytest.fixture
def qbo_calls(caplog) -> CallLog:  # type: ignore[no-untyped-def]
    import logging

    caplog.set_level(logging.INFO, logger="connector.http")
    return CallLog(caplog)
