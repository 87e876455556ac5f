"""WooCommerce emulator mounted at /_emulators/woocommerce/ (several sites; state in the database).

Each site lives under its name, so a site's URL is `<emulator>/<site>` and the real client's
paths apply unchanged: `/wp-json/wc/v3/...` and `/wc-auth/v1/authorize`. The emulator is served
over plain HTTP, so clients sign with OAuth 1.0a as they must for an http:// site; Basic auth is
accepted when the request arrives with `X-Forwarded-Proto: https` (a site behind a TLS proxy).
Control API (demo and tests): `_control/accounts|state|orders|stock|faults`.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import path, re_path

from emulators.woocommerce import control as control
from emulators.woocommerce.api import api
from emulators.woocommerce.auth import access_granted, authorize
from emulators.woocommerce.state import PLATFORM, ensure_site, issue_key, seed, store

# Simple site names ("demo-site", "contract-store") or host names ("shop.example.com").
SITE = r"(?P<site>[a-zA-Z0-9][a-zA-Z0-9.-]*)"

urlpatterns = [
    path("_control/accounts", control.accounts, name="woocommerce-control-accounts"),
    path("_control/state", control.state, name="woocommerce-control-state"),
    path("_control/orders", control.orders, name="woocommerce-control-orders"),
    path("_control/orders/<int:order_id>/status", control.order_status, name="woocommerce-control-order-status"),
    path("_control/stock", control.stock, name="woocommerce-control-stock"),
    path("_control/faults", control.faults, name="woocommerce-control-faults"),
    re_path(rf"^{SITE}/wp-json/wc/v3/(?P<route>.*)$", api, name="woocommerce-api"),
    re_path(rf"^{SITE}/wc-auth/v1/authorize$", authorize, name="woocommerce-authorize"),
    re_path(rf"^{SITE}/wc-auth/v1/access_granted$", access_granted, name="woocommerce-access-granted"),
]


def site_address(base_url: str, account: str) -> str:
    """The emulated site's URL: `<emulator>/<account>` (base_url may already be the site)."""
    root = base_url.rstrip("/")
    return root if root.endswith("/" + account) else f"{root}/{account}"


# --------------------------------------------------------------------------- EmulatorModule
def emulator_seed(account: str, products: list[dict[str, Any]]) -> None:
    """(Re)create the site `account` with these products: entries with `variants` become variable
    products whose variations manage their own stock; the others simple products."""
    seed(account, products)


def emulator_connect(*, organization: Any, account: str, base_url: str, permissions: str = "read_write") -> Any:
    """A ConnectedSystem holding an API key issued by this emulator, with the webhooks
    after_connect() would have created (no HTTP needed). Its external account id is the site's
    address without scheme, as for a real site (docs/woocommerce.md)."""
    import secrets

    from connector.models import ConnectedSystem, SystemRole, SystemStatus
    from connector.options import ConnectionOptions
    from connector.platforms.woocommerce.auth import site_account
    from connector.platforms.woocommerce.oauth import WEBHOOK_NAME, WEBHOOK_TOPICS, webhook_address

    site = site_address(base_url, account)
    with transaction.atomic():
        ensure_site(account)
        store(account).ensure_account(home_url=site)
        key = issue_key(account, permissions=permissions, description="QuickBooks connector - API (emulator)")
        credentials = {k: key[k] for k in ("key_id", "consumer_key", "consumer_secret", "key_permissions")}
        system, created = ConnectedSystem.objects.get_or_create(
            organization=organization, platform=PLATFORM, external_account_id=site_account(site),
            defaults={"role": SystemRole.STORE, "display_name": account, "credentials": credentials,
                      "base_url": site, "options": ConnectionOptions().to_json(),
                      "webhook_secret": secrets.token_urlsafe(32)},
        )
        if not created:
            system.credentials, system.base_url = credentials, site
            system.status, system.status_message = SystemStatus.ACTIVE, ""
            system.save()
        control.subscribe(account, webhook_address(system), WEBHOOK_TOPICS, system.webhook_secret, WEBHOOK_NAME)
    return system
