"""The platform registry: id -> dotted path of the platform's package, imported lazily.

Adding a platform is one folder under connector/platforms/ plus one line here. URLs, admin choices,
connect pages, emulator mounts and the contract tests are all derived from this mapping.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connector.platforms.base import PlatformSpec

PLATFORMS: dict[str, str] = {
    "quickbooks": "connector.platforms.quickbooks",
    "shopify": "connector.platforms.shopify",
    "woocommerce": "connector.platforms.woocommerce",
    "ebay": "connector.platforms.ebay",
    "opencart": "connector.platforms.opencart",
}


@cache
def get_platform(platform_id: str) -> PlatformSpec:
    try:
        dotted = PLATFORMS[platform_id]
    except KeyError as exc:
        raise LookupError(f"Unknown platform {platform_id!r}") from exc
    return import_module(dotted).SPEC


def all_platforms() -> list[PlatformSpec]:
    return [get_platform(platform_id) for platform_id in PLATFORMS]


def store_platforms() -> list[PlatformSpec]:
    return [spec for spec in all_platforms() if spec.role == "store"]


def platform_choices() -> list[tuple[str, str]]:
    """Callable `choices` for ConnectedSystem.platform, so a new platform needs no migration."""
    return [(spec.id, spec.label) for spec in all_platforms()]
