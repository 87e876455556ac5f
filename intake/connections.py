"""The connection a webhook address names, remembered for a few seconds per process.

A store sends its webhooks in bursts to one address, and looking the connection up cost more than
storing the delivery. Remembering it briefly is safe because intake only needs what rarely changes:
the organisation (to file the delivery), the connection id, and for WooCommerce the webhook
secret. Status is not read here: planning checks it against the database. A change saved in this
process forgets the entry at once; other processes see it within WEBHOOK_CONNECTION_CACHE_SECONDS.
Unknown addresses are never remembered, so random addresses cannot grow the cache.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from connector.models import ConnectedSystem

_MAX_ENTRIES = 10_000
_entries: dict[tuple[str, uuid.UUID], tuple[float, ConnectedSystem]] = {}
_lock = threading.Lock()


def webhook_system(platform: str, public_id: uuid.UUID) -> ConnectedSystem | None:
    ttl = settings.WEBHOOK_CONNECTION_CACHE_SECONDS
    key = (platform, public_id)
    if ttl > 0 and (remembered := remembered_webhook_system(platform, public_id)) is not None:
        return remembered
    now = time.monotonic()
    system = ConnectedSystem.objects.filter(public_id=public_id, platform=platform).first()
    if system is not None and ttl > 0:
        with _lock:
            if len(_entries) >= _MAX_ENTRIES:
                _entries.clear()
            _entries[key] = (now + ttl, system)
    return system


def remembered_webhook_system(platform: str, public_id: uuid.UUID) -> ConnectedSystem | None:
    """The connection if this process remembers it, without asking the database (None otherwise)."""
    entry = _entries.get((platform, public_id))
    if entry is not None and entry[0] > time.monotonic():
        return entry[1]
    return None


def forget_all() -> None:
    with _lock:
        _entries.clear()


@receiver(post_save, sender=ConnectedSystem, dispatch_uid="intake_systems_forget_saved")
@receiver(post_delete, sender=ConnectedSystem, dispatch_uid="intake_systems_forget_deleted")
def _forget(sender: type[ConnectedSystem], instance: ConnectedSystem, **kwargs: Any) -> None:
    with _lock:
        _entries.pop((instance.platform, instance.public_id), None)
