"""Token refresh done once: under a per-connection lock, newest token committed before use."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F

from connector.models import ConnectedSystem, SystemStatus
from connector.platforms.base import ReconnectRequired

logger = logging.getLogger("connector.credentials")

Refresher = Callable[[dict[str, Any]], dict[str, Any]]


def credentials_refresh(*, system_id: int, stale_access_token: str, refresher: Refresher) -> dict[str, Any]:
    """Refresh a connection's tokens unless another worker already did.

    Two workers hitting an expired token both call this; the row lock makes the second wait, then
    find a newer access token than the one that failed, and use it without a second refresh (a
    second refresh would spend the rotating refresh token twice and end in invalid_grant).
    """
    refused: ReconnectRequired | None = None
    with transaction.atomic():
        system = ConnectedSystem.objects.select_for_update().get(pk=system_id)
        current = system.credentials
        if current.get("access_token") and current.get("access_token") != stale_access_token:
            return current
        if system.status != SystemStatus.ACTIVE:
            raise ReconnectRequired(system.status_message or f"{system.display_name} needs to be connected again.")
        try:
            fresh = refresher(current)
        except ReconnectRequired as exc:
            # Raised after the block: raising inside it would roll this mark back.
            system_mark_needs_reconnect_locked(system, exc.message)
            refused = exc
        else:
            system.credentials = {**current, **fresh}
            system.save(update_fields=["credentials", "updated_at"])
            ConnectedSystem.objects.filter(pk=system_id).update(credentials_version=F("credentials_version") + 1)
    if refused is not None:
        raise refused
    logger.info("refreshed credentials of connection %s", system_id)
    return system.credentials


def system_mark_needs_reconnect_locked(system: ConnectedSystem, message: str) -> None:
    system.status = SystemStatus.NEEDS_RECONNECT
    system.status_message = message
    system.save(update_fields=["status", "status_message", "updated_at"])


def system_mark_needs_reconnect(*, system: ConnectedSystem, message: str) -> None:
    ConnectedSystem.objects.filter(pk=system.pk).update(status=SystemStatus.NEEDS_RECONNECT, status_message=message)


def credentials_current(system: ConnectedSystem) -> dict[str, Any]:
    """Re-read the credentials (another process may have rotated them since `system` was loaded)."""
    return ConnectedSystem.objects.get(pk=system.pk).credentials
