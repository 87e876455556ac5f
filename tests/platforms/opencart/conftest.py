"""Fixtures for the OpenCart tests: a real MariaDB / MySQL database holding OpenCart 3.0 or 4.x
tables (OPENCART_TEST_DATABASE_URL, else the local default; the tests skip, saying why, when no
database answers), seeded stores and connections to them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connector.platforms.opencart.client import OpenCartClient
from emulators.opencart.emulator import emulator_connect, emulator_seed
from emulators.opencart.state import account_config, database_url, db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "opencart"
STORE = "oc-test-store"
CATALOGUE: list[dict[str, Any]] = [
    {"sku": "MUG-1", "name": "Mug", "quantity": 10, "tracks_stock": True, "price": "8.0000"},
    {"sku": "TSHIRT", "name": "T-shirt", "quantity": 7, "tracks_stock": True, "variants": [
        {"sku": "TS-S", "name": "T-shirt Small", "quantity": 3, "tracks_stock": True},
        {"sku": "TS-M", "name": "T-shirt Medium", "quantity": 4, "tracks_stock": False},
    ]},
    {"sku": "WRAP-1", "name": "Gift wrap", "quantity": 0, "tracks_stock": False},
]


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(scope="session", autouse=True)
def _database_before_live_server(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Create the test database before the session's live server starts (see tests/conftest.py)."""


@pytest.fixture
def seeded(db) -> str:  # type: ignore[no-untyped-def]
    emulator_seed(STORE, CATALOGUE)
    return STORE


@pytest.fixture
def seeded_4x(db) -> str:  # type: ignore[no-untyped-def]
    emulator_seed(STORE, CATALOGUE, flavour="4.x")
    return STORE


@pytest.fixture
def system(seeded, org):  # type: ignore[no-untyped-def]
    return emulator_connect(organization=org, account=seeded, base_url="http://testserver/_emulators/opencart")


@pytest.fixture
def system_4x(seeded_4x, org):  # type: ignore[no-untyped-def]
    return emulator_connect(organization=org, account=seeded_4x, base_url="http://testserver/_emulators/opencart")


@pytest.fixture
def opencart(system) -> OpenCartClient:  # type: ignore[no-untyped-def]
    return OpenCartClient(system)


@pytest.fixture
def opencart_4x(system_4x) -> OpenCartClient:  # type: ignore[no-untyped-def]
    return OpenCartClient(system_4x)


def prefix() -> str:
    return str(account_config(STORE)["prefix"])


def sql(statement: str, params: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Run one statement on the emulated store's database (as the shop or its admin would)."""
    with db(database_url()) as conn, conn.cursor() as cur:
        cur.execute(statement.replace("{p}", prefix()), list(params) if params else None)
        return list(cur.fetchall())


def by_sku(products: list[Any]) -> dict[str, Any]:
    return {p.sku: p for p in products if p.sku}
