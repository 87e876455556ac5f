"""Fixtures for the sync engine: a QuickBooks company and Shopify shops on the emulators (live
HTTP), connected for one organisation, and helpers to run the job ledger like a worker does."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REALM = "4620816365031234"
SHOP = "engine-shop.myshopify.com"
OTHER_SHOP = "engine-other.myshopify.com"
VERIFIER = "qbo-engine-verifier-token"

QBO_CATALOGUE: list[dict[str, Any]] = [
    {"sku": "MUG-1", "name": "Mug", "type": "Inventory", "qty_on_hand": 10, "unit_price": 8},
    {"sku": "TS-S", "name": "T-shirt Small", "type": "Inventory", "qty_on_hand": 7, "unit_price": 15},
    {"sku": "TS-M", "name": "T-shirt Medium", "type": "Inventory", "qty_on_hand": 5, "unit_price": 15},
    {"sku": "WRAP-1", "name": "Gift wrap", "type": "NonInventory", "unit_price": 2},
    {"sku": "DUP-Q", "name": "Duplicate in QuickBooks A", "type": "Inventory", "qty_on_hand": 1},
    {"sku": "dup-q ", "name": "Duplicate in QuickBooks B", "type": "Inventory", "qty_on_hand": 2},
    {"sku": "DUP-S", "name": "Duplicate in the shop", "type": "Inventory", "qty_on_hand": 3},
    {"sku": "", "name": "Lamp", "type": "Inventory", "qty_on_hand": 4},
    {"sku": "QB-ONLY", "name": "Only in QuickBooks", "type": "Inventory", "qty_on_hand": 9},
]
SHOP_CATALOGUE: list[dict[str, Any]] = [
    {"sku": " mug-1 ", "name": "Mug", "quantity": 0, "tracks_stock": True},
    {"sku": "", "name": "T-shirt", "variants": [
        {"sku": "ts-s", "name": "Small", "quantity": 0, "tracks_stock": True},
        {"sku": "TS-M", "name": "Medium", "quantity": 0, "tracks_stock": True},
    ]},
    {"sku": "WRAP-1", "name": "Gift wrap", "quantity": 0, "tracks_stock": False},
    {"sku": "DUP-Q", "name": "Matches two QuickBooks items", "quantity": 0, "tracks_stock": True},
    {"sku": "DUP-S", "name": "Shop duplicate one", "quantity": 0, "tracks_stock": True},
    {"sku": "dup-s", "name": "Shop duplicate two", "quantity": 0, "tracks_stock": True},
    {"sku": "", "name": "Lamp", "quantity": 0, "tracks_stock": True},
    {"sku": "SHOP-ONLY", "name": "Only in the shop", "quantity": 0, "tracks_stock": True},
]


def fixture_json(platform: str, name: str) -> Any:
    return json.loads((FIXTURES / platform / name).read_text())


@pytest.fixture(scope="session", autouse=True)
def _database_before_live_server(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The test database exists before the live server starts, so its thread shares it."""


@pytest.fixture(autouse=True)
def platform_apps(settings):  # type: ignore[no-untyped-def]
    settings.QUICKBOOKS_CLIENT_ID = "ABqbo-emulator-client"
    settings.QUICKBOOKS_CLIENT_SECRET = "qbo-emulator-secret"
    settings.QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN = VERIFIER
    settings.QUICKBOOKS_ENVIRONMENT = "sandbox"
    settings.QUICKBOOKS_DISCOVERY_URL = ""
    settings.QUICKBOOKS_API_BASE_URL = ""
    settings.SHOPIFY_CLIENT_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    settings.SHOPIFY_CLIENT_SECRET = "shpss_engine_client_secret"
    settings.SHOPIFY_API_VERSION = "2025-10"
    return settings


@dataclass
class Engine:
    org: Any
    qbo: Any  # the QuickBooks ConnectedSystem
    shop: Any  # the Shopify ConnectedSystem
    base: str  # live server URL

    def control(self, platform: str, path: str, payload: dict[str, Any] | None = None, **params: str) -> Any:
        url = f"{self.base}/_emulators/{platform}/_control/{path}"
        response = (requests.post(url, json=payload, timeout=30) if payload is not None
                    else requests.get(url, params=params, timeout=30))
        assert response.status_code < 300, response.text
        return response.json()

    def shop_quantities(self, shop: str = SHOP) -> dict[str, Any]:
        return {row["sku"]: row["quantity"] for row in self.control("shopify", "state", account=shop)["products"]}

    def adjust(self, sku: str, qty: int) -> dict[str, Any]:
        return self.control("quickbooks", "adjust", {"account": REALM, "sku": sku, "qty_on_hand": qty})


def run_jobs(max_jobs: int | None = None) -> int:
    """Drain due jobs as one worker would."""
    from syncjobs.runner import run_due_jobs

    return run_due_jobs(max_seconds=120, max_jobs=max_jobs)


def connect_shop(org: Any, base: str, shop: str, catalogue: list[dict[str, Any]]) -> Any:
    from emulators.shopify.emulator import emulator_connect, emulator_seed

    emulator_seed(shop, catalogue)
    return emulator_connect(organization=org, account=shop, base_url=f"{base}/_emulators/shopify")


@pytest.fixture
def engine(transactional_db, emulator_url, org) -> Engine:  # type: ignore[no-untyped-def]
    from emulators.quickbooks.emulator import emulator_connect, emulator_seed

    base = emulator_url("quickbooks").rsplit("/_emulators/", 1)[0]
    emulator_seed(REALM, QBO_CATALOGUE)
    qbo = emulator_connect(organization=org, account=REALM, base_url=f"{base}/_emulators/quickbooks")
    shop = connect_shop(org, base, SHOP, SHOP_CATALOGUE)
    yield Engine(org=org, qbo=qbo, shop=shop, base=base)
    for platform in ("quickbooks", "shopify"):
        requests.post(f"{base}/_emulators/{platform}/_control/faults", json={"error_rate": 0}, timeout=10)


@pytest.fixture
def pulled(engine: Engine) -> Engine:
    """Both catalogues pulled and matched through the jobs (the first stock sync follows)."""
    from connector.services.jobs import products_pull_request

    products_pull_request(system=engine.qbo)
    products_pull_request(system=engine.shop)
    run_jobs()
    return engine
