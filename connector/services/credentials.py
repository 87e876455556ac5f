"""Token refresh done once: under a per-connection lock, newest token committed before use."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from connector.models import ConnectedSystem, SystemStatus
from connector.platforms.base import ReconnectRequired, RetryableError
from syncjobs.leases import lease_acquire, lease_release

logger = logging.getLogger("connector.credentials")

Refresher = Callable[[dict[str, Any]], dict[str, Any]]


def credentials_refresh(*, system_id: int, stale_access_token: str, refresher: Refresher) -> dict[str, Any]:
    """Refresh a connection's tokens unless another worker already did.

    Two workers hitting an expired token both call this; a lease on the connection lets one of
    them refresh while the others wait, then find a newer access token than the one that failed
    and use it without a second refresh (a second refresh would spend the rotating refresh token
    twice and end in invalid_grant). The lease, not a row lock, spans the call to the token
    endpoint, so no database transaction stays open during HTTP. The new tokens are committed
    before they are returned: a crash after that loses nothing.
    """
    name = f"credentials:{system_id}"
    holder = _wait_for_lease_or_fresh_token(name, system_id, stale_access_token)
    if isinstance(holder, dict):
        return holder
    try:
        current = ConnectedSystem.objects.get(pk=system_id).credentials
        if current.get("access_token") and current.get("access_token") != stale_access_token:
            return current
        try:
            fresh = refresher(current)
        except ReconnectRequired as exc:
            system_mark_needs_reconnect(system=ConnectedSystem(pk=system_id), message=exc.message)
            raise
        with transaction.atomic():
            system = ConnectedSystem.objects.select_for_update().get(pk=system_id)
            system.credentials = {**system.credentials, **fresh}
            system.save(update_fields=["credentials", "updated_at"])
            ConnectedSystem.objects.filter(pk=system_id).update(credentials_version=F("credentials_version") + 1)
    finally:
        lease_release(name, holder)
    logger.info("refreshed credentials of connection %s", system_id)
    return system.credentials


def _wait_for_lease_or_fresh_token(name: str, system_id: int, stale_access_token: str) -> str | dict[str, Any]:
    """The lease holder token, or the credentials another worker refreshed meanwhile."""
    lease_seconds = settings.HTTP_TIMEOUT_SECONDS * 3
    deadline = time.monotonic() + lease_seconds
    while True:
        system = ConnectedSystem.objects.get(pk=system_id)
        current = system.credentials
        if current.get("access_token") and current.get("access_token") != stale_access_token:
            return current
        if system.status != SystemStatus.ACTIVE:
            raise ReconnectRequired(system.status_message or f"{system.display_name} needs to be connected again.")
        holder = lease_acquire(name, seconds=lease_seconds)
        if holder is not None:
            return holder
        if time.monotonic() > deadline:
            raise RetryableError("Another worker is renewing this connection's authorisation; trying again shortly.")
        time.sleep(0.05)


def system_mark_needs_reconnect(*, system: ConnectedSystem, message: str) -> None:
    ConnectedSystem.objects.filter(pk=system.pk).update(status=SystemStatus.NEEDS_RECONNECT, status_message=message)


def credentials_current(system: ConnectedSystem) -> dict[str, Any]:
    """Re-read the credentials (another process may have rotated them since `system` was loaded)."""
    return ConnectedSystem.objects.get(pk=system.pk).credentials
