"""Two organisations with systems, products and links, and the people of each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from connector.models import ConnectedSystem, LinkOrigin, Product, ProductLink, SalesDocument, SystemRole


@dataclass
class World:
    org: Any
    qbo: ConnectedSystem
    shop: ConnectedSystem
    items: dict[str, Product]
    products: dict[str, Product]
    link: ProductLink
    document: SalesDocument


def product(system: ConnectedSystem, external_id: str, sku: str, name: str = "", **extra: Any) -> Product:
    return Product.objects.create(organization=system.organization, system=system, external_id=external_id, sku=sku,
                                  sku_key=sku.strip().casefold(), name=name or f"Product {sku}", **extra)


def build_world(org: Any, prefix: str) -> World:
    qbo = ConnectedSystem.objects.create(organization=org, platform="quickbooks", role=SystemRole.ACCOUNTING,
                                         display_name=f"{prefix} Books", external_account_id=f"{prefix}-realm")
    shop = ConnectedSystem.objects.create(organization=org, platform="shopify", role=SystemRole.STORE,
                                          display_name=f"{prefix} Shop", external_account_id=f"{prefix}.myshopify.com")
    items = {sku: product(qbo, f"{prefix}-item-{i}", sku, tracks_stock=True, quantity=10)
             for i, sku in enumerate(["TEA-1", "TEA-2", "MUG-1", "DUP-Q", "DUP-Q2"])}
    products = {
        "TEA-1": product(shop, f"{prefix}-var-1", "TEA-1", tracks_stock=True),
        "TEA-2": product(shop, f"{prefix}-var-2", "tea-2 ", tracks_stock=True),
        "ORPHAN": product(shop, f"{prefix}-var-3", "ORPHAN-9"),
        "DUP-A": product(shop, f"{prefix}-var-4", "DUP-S"),
        "DUP-B": product(shop, f"{prefix}-var-5", "DUP-S"),
        "GEN": product(shop, f"{prefix}-var-6", f"GEN-{prefix}-6", sku_generated=True),
    }
    link = ProductLink.objects.create(organization=org, store_product=products["TEA-1"],
                                      accounting_product=items["TEA-1"], origin=LinkOrigin.AUTO)
    document = SalesDocument.objects.create(organization=org, store_system=shop, accounting_system=qbo,
                                            order_external_id=f"{prefix}-order-1", order_number="1001",
                                            request_id=f"{prefix}-req-1", doc_number="S1001", status="held",
                                            message="No QuickBooks item for SKU ORPHAN-9: link it, then retry.")
    return World(org, qbo, shop, items, products, link, document)


@pytest.fixture
def world(org) -> World:  # type: ignore[no-untyped-def]
    return build_world(org, "a")


@pytest.fixture
def other_world(other_org) -> World:  # type: ignore[no-untyped-def]
    return build_world(other_org, "b")


@pytest.fixture
def viewer(db, django_user_model, org):  # type: ignore[no-untyped-def]
    from allauth.account.models import EmailAddress

    from accounts.models import Membership, Role

    user = django_user_model.objects.create_user(username="viewer@example.com", email="viewer@example.com",
                                                 password="correct horse 1", is_staff=True)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Membership.objects.create(user=user, organization=org, role=Role.VIEWER)
    return user


@pytest.fixture(scope="session", autouse=True)
def _database_before_live_server(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Create the test database before the session's live server starts so its thread shares the
    connection (SQLite in memory)."""
