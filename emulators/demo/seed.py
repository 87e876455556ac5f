"""Seed the demo organisation, its people, the emulated systems and the connections (idempotent)."""

from __future__ import annotations

import logging
import unittest
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.models import Membership, Organization, Role
from connector.models import ConnectedSystem
from connector.platforms import all_platforms
from connector.services.jobs import products_pull_request
from emulators.demo.catalogue import ACCOUNTS, quickbooks_items, store_products
from emulators.registry import emulator_for

logger = logging.getLogger("emulators.demo")


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


LOGINS = (
    DemoLogin("bookkeeper (staff, admin)", "bookkeeper@demo.example", "demo-bookkeeper-2026"),
    DemoLogin("client (connect pages)", "client@demo.example", "demo-client-2026"),
)


def _person(email: str, password: str, *, staff: bool) -> object:
    from allauth.account.models import EmailAddress

    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=email, defaults={"email": email, "is_staff": staff})
    if created:
        user.set_password(password)
        user.save()
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def seed_demo(*, public_url: str | None = None) -> Organization:
    """Create or refresh everything the demo needs; running it twice changes nothing."""
    base = (public_url or settings.CONNECTOR_PUBLIC_URL).rstrip("/")
    with transaction.atomic():
        org, _ = Organization.objects.get_or_create(slug="leaf-and-kettle", defaults={"name": "Leaf & Kettle Ltd"})
        bookkeeper = _person(LOGINS[0].email, LOGINS[0].password, staff=True)
        client = _person(LOGINS[1].email, LOGINS[1].password, staff=False)
        Membership.objects.get_or_create(user=bookkeeper, organization=org, defaults={"role": Role.BOOKKEEPER})
        Membership.objects.get_or_create(user=client, organization=org, defaults={"role": Role.OWNER})
    for spec in all_platforms():
        account = ACCOUNTS[spec.id]
        emulator = emulator_for(spec.id)
        existing = ConnectedSystem.objects.filter(organization=org, platform=spec.id).first()
        if existing is not None:
            continue  # already seeded: never reset a demo someone is playing with
        products = quickbooks_items() if spec.role == "accounting" else store_products(spec.id)
        try:
            emulator.emulator_seed(account, products)
        except unittest.SkipTest as exc:  # OpenCart's emulator needs a MariaDB / MySQL server
            logger.warning("demo: %s left out: %s", spec.label, exc)
            continue
        system = emulator.emulator_connect(organization=org, account=account, base_url=f"{base}/_emulators/{spec.id}")
        system.display_name = spec.label  # the sample mapping CSV names stores this way
        system.save(update_fields=["display_name"])
        products_pull_request(system=system)
        logger.info("demo: connected %s", system)
    return org
