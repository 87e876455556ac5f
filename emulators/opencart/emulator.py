"""OpenCart emulator mounted at /_emulators/opencart/: a real OpenCart-schema database (see
emulator_state.py) plus the control API every store emulator offers. There is no store HTTP API
here because the connector never calls one: it reads and writes the tables.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import path

from connector.platforms.opencart.dsn import parse_dsn
from emulators.opencart import control as control
from emulators.opencart.state import PLATFORM, account_config, database_url, seed

urlpatterns = [
    path("_control/accounts", control.accounts, name="opencart-control-accounts"),
    path("_control/state", control.state, name="opencart-control-state"),
    path("_control/orders", control.orders, name="opencart-control-orders"),
    path("_control/orders/<int:order_id>/status", control.status, name="opencart-control-status"),
    path("_control/stock", control.stock, name="opencart-control-stock"),
    path("_control/faults", control.faults, name="opencart-control-faults"),
]


# --------------------------------------------------------------------------- EmulatorModule
def emulator_seed(account: str, products: list[dict[str, Any]], flavour: str = "3.0") -> None:
    """(Re)create the store `account` with these products in an OpenCart `flavour` ("3.0" or
    "4.x") schema. Raises EmulatorDatabaseUnavailable (a unittest.SkipTest) without a database."""
    seed(account, products, flavour)


def emulator_connect(*, organization: Any, account: str, base_url: str) -> Any:
    """A ConnectedSystem holding what the connect form would store: the DSN and table prefix."""
    import secrets

    from connector.models import ConnectedSystem, SystemRole, SystemStatus
    from connector.options import ConnectionOptions

    config = account_config(account)
    dsn = database_url()
    credentials = {"dsn": dsn, "prefix": config["prefix"], "timezone": "UTC"}
    external_id = f"{parse_dsn(dsn).host}:{parse_dsn(dsn).port}/{parse_dsn(dsn).database}/{config['prefix']}"
    with transaction.atomic():
        system, created = ConnectedSystem.objects.get_or_create(
            organization=organization, platform=PLATFORM, external_account_id=external_id,
            defaults={"role": SystemRole.STORE, "display_name": account, "credentials": credentials,
                      "base_url": base_url.rstrip("/"), "options": ConnectionOptions().to_json(),
                      "webhook_secret": secrets.token_urlsafe(32)},
        )
        if not created:
            system.credentials, system.base_url = credentials, base_url.rstrip("/")
            system.status, system.status_message = SystemStatus.ACTIVE, ""
            system.save()
    return system
