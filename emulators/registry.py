"""The emulator registry: platform id -> the module serving that platform's emulated API.

The product knows nothing of emulators; this registry is how the demo, the tests and the
benchmarks find them. A new platform's emulator is one folder here plus one line below.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from accounts.models import Organization
    from connector.models import ConnectedSystem

EMULATORS: dict[str, str] = {
    "quickbooks": "emulators.quickbooks.emulator",
    "shopify": "emulators.shopify.emulator",
    "woocommerce": "emulators.woocommerce.emulator",
    "ebay": "emulators.ebay.emulator",
    "opencart": "emulators.opencart.emulator",
}


class EmulatorModule(Protocol):
    urlpatterns: list[Any]

    def emulator_seed(self, account: str, products: list[dict[str, Any]]) -> None:
        """Create (or reset) an emulated account with these products. Store platforms:
        {"sku", "name", "quantity", "tracks_stock", "variants": [{"sku", "name", "quantity",
        "tracks_stock"}]}. QuickBooks: {"sku", "name", "type": "Inventory" | "NonInventory" |
        "Service", "qty_on_hand", "unit_price"}."""

    def emulator_connect(self, *, organization: Organization, account: str, base_url: str) -> ConnectedSystem:
        """A ConnectedSystem holding the credentials this emulator would have issued through its
        consent flow (demo seeding and tests that are not about connecting)."""


@cache
def emulator_for(platform_id: str) -> EmulatorModule:
    try:
        dotted = EMULATORS[platform_id]
    except KeyError as exc:
        raise LookupError(f"No emulator for platform {platform_id!r}") from exc
    return cast(EmulatorModule, import_module(dotted))
