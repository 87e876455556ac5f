"""Fixtures for the WooCommerce tests: a seeded emulated site on a live server and a connection."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connector.platforms.woocommerce.client import WooCommerceClient
from emulators.woocommerce.emulator import emulator_connect, emulator_seed

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "woocommerce"
SITE = "demo-site"
CATALOGUE: list[dict[str, Any]] = [
    {"sku": "MUG-1", "name": "Mug", "quantity": 10, "tracks_stock": True, "price": "12.00"},
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
    """Create the test database before the session's live server starts, so the server thread
    shares its connection on SQLite."""


@pytest.fixture(autouse=True)
def _release_connections() -> Iterator[None]:
    """Errors kept by pytest.raises or form errors form reference cycles that keep HTTP clients,
    and so kept-alive connections to the live server, open; each holds a server thread with its
    own PostgreSQL session, which would block dropping the test database. Collect them."""
    yield
    gc.collect()


@pytest.fixture
def site_root(emulator_url) -> str:  # type: ignore[no-untyped-def]
    return emulator_url("woocommerce")


@pytest.fixture
def site_url(site_root) -> str:  # type: ignore[no-untyped-def]
    return f"{site_root}/{SITE}"


@pytest.fixture
def seeded(transactional_db, site_root) -> str:  # type: ignore[no-untyped-def]
    emulator_seed(SITE, CATALOGUE)
    return SITE


@pytest.fixture
def system(seeded, org, site_root):  # type: ignore[no-untyped-def]
    return emulator_connect(organization=org, account=SITE, base_url=site_root)


@pytest.fixture
def woo(system) -> Iterator[WooCommerceClient]:  # type: ignore[no-untyped-def]
    client = WooCommerceClient(system)
    yield client
    client.session.close()  # no kept-alive connection may hold a server thread's database session


def by_sku(products: Any) -> dict[str, Any]:
    return {p.sku: p for p in products if p.sku}
