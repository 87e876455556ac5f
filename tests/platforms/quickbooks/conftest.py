"""Fixtures for the QuickBooks tests: a seeded emulated company on a live server and a connection."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connector.platforms.quickbooks.client import QuickBooksClient
from emulators.quickbooks.emulator import emulator_connect, emulator_seed

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "quickbooks"
REALM = "9341455327810551"
VERIFIER = "qbo-emulator-verifier-token-0001"
CATALOGUE: list[dict[str, Any]] = [
    {"sku": "RF-1001", "name": "Rock Fountain", "type": "Inventory", "qty_on_hand": 10, "unit_price": 275},
    {"sku": "PUMP-1", "name": "Fountain Pump", "type": "Inventory", "qty_on_hand": 4, "unit_price": 12.75},
    {"sku": "GW-01", "name": "Gift Wrap", "type": "NonInventory", "qty_on_hand": 0, "unit_price": 4.5},
    {"sku": "SHIP", "name": "Shipping", "type": "Service", "qty_on_hand": 0, "unit_price": 5},
]


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(scope="session", autouse=True)
def _database_before_live_server(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Create the test database before the live server starts so its thread shares the connection."""


@pytest.fixture(autouse=True)
def quickbooks_app(settings):  # type: ignore[no-untyped-def]
    settings.QUICKBOOKS_CLIENT_ID = "ABqbo-emulator-client"
    settings.QUICKBOOKS_CLIENT_SECRET = "qbo-emulator-secret"
    settings.QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN = VERIFIER
    settings.QUICKBOOKS_ENVIRONMENT = "sandbox"
    settings.QUICKBOOKS_DISCOVERY_URL = ""
    settings.QUICKBOOKS_API_BASE_URL = ""
    return settings


@pytest.fixture
def qbo_url(emulator_url) -> str:  # type: ignore[no-untyped-def]
    return emulator_url("quickbooks")


@pytest.fixture
def realm(transactional_db, qbo_url) -> str:  # type: ignore[no-untyped-def]
    emulator_seed(REALM, CATALOGUE)
    return REALM


@pytest.fixture
def system(realm, org, qbo_url):  # type: ignore[no-untyped-def]
    return emulator_connect(organization=org, account=realm, base_url=qbo_url)


@pytest.fixture
def qbo(system) -> QuickBooksClient:  # type: ignore[no-untyped-def]
    return QuickBooksClient(system)


def by_sku(products: list[Any]) -> dict[str, Any]:
    return {p.sku: p for p in products}
