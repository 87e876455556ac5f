"""Connecting, configuring and disconnecting systems."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.db import transaction

from accounts.models import Organization
from connector.models import ConnectedSystem, SystemRole, SystemStatus
from connector.options import ConnectionOptions
from connector.platforms import get_platform
from connector.platforms.base import PlatformError
from connector.platforms.contracts import ConnectResult

logger = logging.getLogger("connector.systems")


def system_connect(*, organization: Organization, platform: str, result: ConnectResult,
                   options: dict[str, Any] | None = None) -> ConnectedSystem:
    """Create or re-activate the connection a connect flow (or a key form) produced."""
    spec = get_platform(platform)
    defaults: dict[str, Any] = {
        "role": SystemRole.ACCOUNTING if spec.role == "accounting" else SystemRole.STORE,
        "display_name": result.display_name,
        "status": SystemStatus.ACTIVE,
        "status_message": "",
        "credentials": result.credentials,
        "base_url": result.base_url,
    }
    with transaction.atomic():
        system, created = ConnectedSystem.objects.get_or_create(
            organization=organization, platform=platform, external_account_id=result.external_account_id,
            defaults={**defaults, "options": ConnectionOptions.from_json(options).to_json(),
                      "webhook_secret": result.webhook_secret or secrets.token_urlsafe(32)},
        )
        if not created:
            for key, value in defaults.items():
                setattr(system, key, value)
            if result.webhook_secret:
                system.webhook_secret = result.webhook_secret
            system.save()
    if spec.oauth:
        try:
            spec.oauth_module().after_connect(system)
        except PlatformError as exc:
            logger.warning("after-connect duties of %s failed: %s", system.pk, exc.message)
            system.status_message = f"Connected, but setting up notifications failed: {exc.message}"
            system.save(update_fields=["status_message"])
    return system


def system_update_options(*, system: ConnectedSystem, options: dict[str, Any]) -> ConnectedSystem:
    stock_was_on = system.opts.sync_stock
    merged = ConnectionOptions.from_json({**system.options, **options})
    system.options = merged.to_json()
    system.save(update_fields=["options", "updated_at"])
    if system.is_store and merged.sync_stock != stock_was_on:
        from connector.services.stock import stock_first_sync_if_needed

        stock_first_sync_if_needed(store=system)  # on: publish QuickBooks' levels now; off: sync again when on
    return system


def system_disconnect(*, system: ConnectedSystem, revoke: bool = True, reason: str = "Disconnected by a user.") -> None:
    """Revoke and delete tokens, stop jobs, keep history (products, links, documents, logs)."""
    from syncjobs.ledger import job_cancel_for_system

    spec = system.spec
    if revoke and spec.oauth and system.credentials:
        try:
            spec.oauth_module().revoke(system)
        except PlatformError as exc:
            logger.warning("revoking tokens of connection %s failed: %s", system.pk, exc.message)
    with transaction.atomic():
        system.credentials = {}
        system.status = SystemStatus.DISCONNECTED
        system.status_message = reason
        system.save(update_fields=["credentials", "status", "status_message", "updated_at"])
        job_cancel_for_system(system=system, reason=reason)
