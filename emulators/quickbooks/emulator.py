"""QuickBooks Online emulator mounted at /_emulators/quickbooks/ (several realms, state in the
database). Point a connection's base URL at the mount: the client's paths apply unchanged
(`/v3/company/<realmId>/...`), and the discovery document there names the emulator's OAuth
endpoints. Control API: `_control/accounts|state|adjust|faults|config|webhooks|items|items/active|void`.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import path, re_path

from emulators.quickbooks import api as api
from emulators.quickbooks import control as control
from emulators.quickbooks import merchant as merchant
from emulators.quickbooks import oauth as oauth
from emulators.quickbooks.state import PLATFORM, ensure_realm, issue_token, seed

REALM = r"v3/company/(?P<realm>[A-Za-z0-9_-]+)"

urlpatterns = [
    path("_control/accounts", control.accounts, name="quickbooks-control-accounts"),
    path("_control/state", control.state, name="quickbooks-control-state"),
    path("_control/adjust", control.adjust, name="quickbooks-control-adjust"),
    path("_control/faults", control.faults, name="quickbooks-control-faults"),
    path("_control/config", control.configure, name="quickbooks-control-config"),
    path("_control/webhooks", control.webhooks, name="quickbooks-control-webhooks"),
    path("_control/items", merchant.items, name="quickbooks-control-items"),
    path("_control/items/active", merchant.item_active, name="quickbooks-control-item-active"),
    path("_control/void", merchant.void, name="quickbooks-control-void"),
    path(".well-known/openid_sandbox_configuration", oauth.discovery, name="quickbooks-discovery-sandbox"),
    path(".well-known/openid_configuration", oauth.discovery, name="quickbooks-discovery"),
    path("oauth2/authorize", oauth.authorize, name="quickbooks-authorize"),
    path("oauth2/v1/tokens/bearer", oauth.token, name="quickbooks-token"),
    path("v2/oauth2/tokens/revoke", oauth.revoke, name="quickbooks-revoke"),
    re_path(rf"^{REALM}/query$", api.query, name="quickbooks-query"),
    re_path(rf"^{REALM}/batch$", api.batch, name="quickbooks-batch"),
    re_path(rf"^{REALM}/cdc$", api.cdc, name="quickbooks-cdc"),
    re_path(rf"^{REALM}/preferences$", api.preferences, name="quickbooks-preferences"),
    re_path(rf"^{REALM}/companyinfo/(?P<ident>[A-Za-z0-9_-]+)$", api.companyinfo, name="quickbooks-companyinfo"),
    re_path(rf"^{REALM}/(?P<name>[a-z]+)$", api.entity_write, name="quickbooks-entity"),
    re_path(rf"^{REALM}/(?P<name>[a-z]+)/(?P<ident>[A-Za-z0-9_-]+)$", api.entity_read, name="quickbooks-entity-read"),
]


def emulator_seed(account: str, products: list[dict[str, Any]]) -> None:
    """(Re)create the realm `account` with these items ({"sku", "name", "type", "qty_on_hand",
    "unit_price"}), its accounts (79 income, 80 COGS, 81 inventory asset...) and tax codes."""
    seed(account, products)


def emulator_connect(*, organization: Any, account: str, base_url: str) -> Any:
    """A ConnectedSystem holding tokens this emulator issued, as the consent flow would leave it."""
    from connector.models import ConnectedSystem, SystemRole, SystemStatus
    from connector.options import ConnectionOptions
    from connector.platforms.quickbooks.oauth import credentials_from_token
    from emulators.quickbooks.state import config

    with transaction.atomic():
        ensure_realm(account)
        credentials = credentials_from_token(issue_token(account))
        name = str(config(account).get("company_name") or f"QuickBooks {account}")
        system, created = ConnectedSystem.objects.get_or_create(
            organization=organization, platform=PLATFORM, external_account_id=account,
            defaults={"role": SystemRole.ACCOUNTING, "display_name": name, "credentials": credentials,
                      "base_url": base_url.rstrip("/"), "options": ConnectionOptions().to_json()},
        )
        if not created:
            system.credentials, system.base_url = credentials, base_url.rstrip("/")
            system.status, system.status_message = SystemStatus.ACTIVE, ""
            system.save()
    return system
