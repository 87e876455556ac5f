"""Fixtures for the Shopify tests: an app configuration, a seeded emulated shop on a live server,
and a connection to it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connector.platforms.shopify.client import ShopifyClient
from emulators.shopify.emulator import emulator_connect, emulator_seed

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "shopify"
SHOP = "demo-shop.myshopify.com"
CLIENT_SECRET = "shpss_example_client_secret"
CATALOGUE: list[dict[str, Any]] = [
    {"sku": "MUG-1", "name": "Mug", "quantity": 10, "tracks_stock": True},
    {"sku": "", "name": "T-shirt", "variants": [
        {"sku": "TS-S", "name": "Small", "quantity": 3, "tracks_stock": True},
        {"sku": "TS-M", "name": "Medium", "quantity": 0, "tracks_stock": True},
    ]},
    {"sku": "WRAP-1", "name": "Gift wrap", "quantity": 0, "tracks_stock": False},
]


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(scope="session", autouse=True)
def _database_before_live_server(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Create the in-memory test database before the session's live server starts, so the server
    thread shares its connection (otherwise SQLite table locks fail HTTP calls made while a
    transaction is open, such as a token refresh under the connection's row lock)."""


@pytest.fixture(autouse=True)
def shopify_app(settings):  # type: ignore[no-untyped-def]
    settings.SHOPIFY_CLIENT_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    settings.SHOPIFY_CLIENT_SECRET = CLIENT_SECRET
    settings.SHOPIFY_API_VERSION = "2025-10"
    return settings


@pytest.fixture
def shop_url(emulator_url) -> str:  # type: ignore[no-untyped-def]
    return emulator_url("shopify")


@pytest.fixture
def seeded(transactional_db, shop_url) -> str:  # type: ignore[no-untyped-def]
    emulator_seed(SHOP, CATALOGUE)
    return SHOP


@pytest.fixture
def system(seeded, org, shop_url):  # type: ignore[no-untyped-def]
    return emulator_connect(organization=org, account=SHOP, base_url=shop_url, expiring=True)


@pytest.fixture
def shopify(system) -> ShopifyClient:  # type: ignore[no-untyped-def]
    return ShopifyClient(system)


def by_sku(products: list[Any]) -> dict[str, Any]:
    return {p.sku: p for p in products}
