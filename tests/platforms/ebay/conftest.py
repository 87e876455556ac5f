"""Fixtures for the eBay tests: an app configuration (keys, RuName, verification token), a
seeded emulated seller on a live server, and a connection to it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connector.platforms.ebay.client import EbayClient
from emulators.ebay.emulator import emulator_connect, emulator_seed

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ebay"
SELLER = "acme_books_shop"
CLIENT_ID = "AcmeBook-QBConnec-PRD-1a2b3c4d5-6e7f8a9b"
CLIENT_SECRET = "PRD-1a2b3c4d5e6f-7a8b-9c0d-1e2f-3a4b"
RUNAME = "Acme_Books-AcmeBook-QBConn-abcdefghi"
VERIFICATION_TOKEN = "71745723-d031-455c-bfa5-f90d11b4f20a"  # the pack's worked example

CATALOGUE: list[dict[str, Any]] = [
    {"sku": "MUG-1", "name": "Mug", "quantity": 10, "tracks_stock": True},
    {"sku": "", "name": "T-shirt", "variants": [
        {"sku": "TS-S", "name": "Small", "quantity": 3},
        {"sku": "TS-M", "name": "Medium", "quantity": 0},
    ]},
    {"sku": "", "name": "Vintage poster without a label", "quantity": 2, "tracks_stock": True},
    {"sku": "AUCTION-1", "name": "Signed first edition", "quantity": 1, "tracks_stock": False},
    {"sku": "WIDGET-BLUE-01", "name": "Acme blue widget, 40 mm", "quantity": 12, "api": "inventory"},
]


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(scope="session", autouse=True)
def _database_before_live_server(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Create the test database before the session's live server starts (see the Shopify tests)."""


@pytest.fixture(autouse=True)
def ebay_app(settings):  # type: ignore[no-untyped-def]
    settings.EBAY_CLIENT_ID = CLIENT_ID
    settings.EBAY_CLIENT_SECRET = CLIENT_SECRET
    settings.EBAY_RUNAME = RUNAME
    settings.EBAY_VERIFICATION_TOKEN = VERIFICATION_TOKEN
    settings.EBAY_ENVIRONMENT = "production"
    return settings


@pytest.fixture
def ebay_url(emulator_url, settings) -> str:  # type: ignore[no-untyped-def]
    url = emulator_url("ebay")
    # App-wide calls (notification public keys) go to EBAY_API_BASE_URL: the emulator here.
    settings.EBAY_API_BASE_URL = url
    return url


@pytest.fixture
def seeded(transactional_db, ebay_url) -> str:  # type: ignore[no-untyped-def]
    forget_cached_keys()
    emulator_seed(SELLER, CATALOGUE)
    return SELLER


@pytest.fixture
def system(seeded, org, ebay_url):  # type: ignore[no-untyped-def]
    return emulator_connect(organization=org, account=SELLER, base_url=ebay_url)


@pytest.fixture
def ebay(system) -> EbayClient:  # type: ignore[no-untyped-def]
    return EbayClient(system)


def forget_cached_keys() -> None:
    """Drop what notifications.py cached for this emulator (only those keys: the cache may be a
    Redis shared with other suites)."""
    from django.core.cache import cache

    from connector.platforms.ebay.notifications import app_token_cache_key, key_cache_key

    kid = fixture("notification_signature_test_vector.json")["request_header_decoded"]["kid"]
    cache.delete_many([key_cache_key(kid), app_token_cache_key()])


def by_sku(products: list[Any]) -> dict[str, Any]:
    return {p.sku: p for p in products}


class CallLog:
    """Counts the HTTP calls a client makes (a response hook on its real session)."""

    def __init__(self, client: EbayClient) -> None:
        self.calls: list[tuple[str, str, str]] = []
        client.session.hooks["response"].append(self._record)

    def _record(self, response: Any, *args: Any, **kwargs: Any) -> None:
        request = response.request
        self.calls.append((request.method, request.url.split("?", 1)[0].rsplit("/_emulators/ebay/", 1)[-1],
                           request.headers.get("X-EBAY-API-CALL-NAME", "")))

    def named(self, call: str) -> list[tuple[str, str, str]]:
        return [c for c in self.calls if c[2] == call or c[1] == call]
