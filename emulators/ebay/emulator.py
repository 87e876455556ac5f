"""eBay emulator mounted at /_emulators/ebay/ (several sellers; state in the database).

One address serves what eBay spreads over api.ebay.com, apiz.ebay.com and auth.ebay.com, so a
connection's base URL is the emulator's root and the client's paths apply unchanged:
`oauth2/authorize`, `identity/v1/oauth2/token`, `ws/api.dll` (Trading), `sell/inventory/v1/...`,
`sell/fulfillment/v1/...`, `commerce/identity/v1/user/`, `commerce/notification/v1/public_key/<kid>`.
Point EBAY_API_BASE_URL (and EBAY_AUTH_BASE_URL) at `http://127.0.0.1:8000/_emulators/ebay` to
connect through the consent page. Control API: `_control/accounts|state|orders|stock|faults`.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import path

from emulators.ebay import control as control
from emulators.ebay.inventory import bulk_update_price_quantity, inventory_items, offers
from emulators.ebay.notify import public_key
from emulators.ebay.oauth import authorize, identity_user, token
from emulators.ebay.orders import order_detail, orders
from emulators.ebay.state import PLATFORM, ensure_account, issue_user_token, seed
from emulators.ebay.trading import api_dll

urlpatterns = [
    path("_control/accounts", control.accounts, name="ebay-control-accounts"),
    path("_control/state", control.state, name="ebay-control-state"),
    path("_control/orders", control.orders, name="ebay-control-orders"),
    path("_control/orders/<str:order_id>/touch", control.touch, name="ebay-control-touch"),
    path("_control/stock", control.stock, name="ebay-control-stock"),
    path("_control/faults", control.faults, name="ebay-control-faults"),
    path("_control/runames", control.runames, name="ebay-control-runames"),
    path("_control/account_deletion", control.account_deletion, name="ebay-control-account-deletion"),
    path("_control/notification_endpoint", control.notification_endpoint_view, name="ebay-control-notification-endpoint"),
    path("oauth2/authorize", authorize, name="ebay-authorize"),
    path("identity/v1/oauth2/token", token, name="ebay-token"),
    path("commerce/identity/v1/user/", identity_user, name="ebay-identity-user"),
    path("commerce/notification/v1/public_key/<str:kid>", public_key, name="ebay-public-key"),
    path("ws/api.dll", api_dll, name="ebay-trading"),
    path("sell/inventory/v1/inventory_item", inventory_items, name="ebay-inventory-items"),
    path("sell/inventory/v1/offer", offers, name="ebay-offers"),
    path("sell/inventory/v1/bulk_update_price_quantity", bulk_update_price_quantity, name="ebay-bulk-update"),
    path("sell/fulfillment/v1/order", orders, name="ebay-orders"),
    path("sell/fulfillment/v1/order/<str:order_id>", order_detail, name="ebay-order"),
]


# --------------------------------------------------------------------------- EmulatorModule
def emulator_seed(account: str, products: list[dict[str, Any]]) -> None:
    """(Re)create the seller `account` with these products: `variants` make a multi-variation
    listing, tracks_stock False an auction, `"api": "inventory"` an Inventory API item."""
    seed(account, products)


def emulator_connect(*, organization: Any, account: str, base_url: str) -> Any:
    """A ConnectedSystem holding the user token (2 h) and refresh token (18 months) this emulator
    would have issued through its consent page (no HTTP needed)."""
    import secrets

    from connector.models import ConnectedSystem, SystemRole, SystemStatus
    from connector.options import ConnectionOptions
    from connector.platforms.ebay.auth import SCOPES, credentials_from_token_response

    root = base_url.rstrip("/")
    scope = " ".join(SCOPES)
    with transaction.atomic():
        ensure_account(account)
        credentials = credentials_from_token_response(issue_user_token(account, scope), scope=scope)
        system, created = ConnectedSystem.objects.get_or_create(
            organization=organization, platform=PLATFORM, external_account_id=account,
            defaults={"role": SystemRole.STORE, "display_name": f"eBay: {account}", "credentials": credentials,
                      "base_url": root, "options": ConnectionOptions().to_json(),
                      "webhook_secret": secrets.token_urlsafe(32)},
        )
        if not created:
            system.credentials, system.base_url = credentials, root
            system.status, system.status_message = SystemStatus.ACTIVE, ""
            system.save()
    return system
