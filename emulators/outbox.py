"""Webhooks the emulators send, delivered over real HTTP after commit to the address registered
with the emulated platform (scheme, host, port, path and query exactly as registered).

EMULATOR_WEBHOOK_DELIVERY: "thread" (default: a background thread posts them), "sync" (posted in
the committing thread; tests use it for determinism), or "manual" (left for deliver_pending()).
"""

from __future__ import annotations

import logging
import threading

import requests
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from emulators.faults import webhook_should_drop
from emulators.models import EmulatorOutbox

logger = logging.getLogger("emulators")
_lock = threading.Lock()


def webhook_send(*, platform: str, url: str, body: bytes, headers: dict[str, str], drop_key: str = "") -> EmulatorOutbox:
    """Queue a signed webhook for `url`, the full address registered with the platform."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"A webhook address must be absolute (http or https), not {url!r}")
    dropped = webhook_should_drop(platform, drop_key or str(timezone.now().timestamp()))
    row = EmulatorOutbox.objects.create(platform=platform, url=url, headers=headers, body=body, dropped=dropped)
    mode = getattr(settings, "EMULATOR_WEBHOOK_DELIVERY", "thread")
    if not dropped and mode == "sync":
        transaction.on_commit(lambda: _deliver(row.pk))
    elif not dropped and mode == "thread":
        transaction.on_commit(lambda: threading.Thread(target=_deliver_in_thread, args=(row.pk,), daemon=True).start())
    return row


def _deliver_in_thread(row_id: int) -> None:
    try:
        _deliver(row_id)
    finally:
        # This thread ends here: its connection would otherwise stay open until garbage collection
        # (CONN_MAX_AGE keeps young connections), and a burst of webhooks would exhaust the server.
        connections.close_all()


def _deliver(row_id: int) -> int | None:
    row = EmulatorOutbox.objects.filter(pk=row_id, delivered_at__isnull=True).first()
    if row is None:
        return None
    try:
        # Platforms do not follow redirects when delivering (a 3xx counts as the receiver's answer).
        response = requests.post(row.url, data=bytes(row.body), headers=row.headers, timeout=10,
                                 allow_redirects=False)
        status: int | None = response.status_code
    except requests.RequestException as exc:
        logger.info("emulator webhook to %s failed: %s", row.url, type(exc).__name__)
        status = None
    EmulatorOutbox.objects.filter(pk=row.pk).update(
        attempts=row.attempts + 1, last_status=status,
        delivered_at=timezone.now() if status is not None and 200 <= status < 300 else None,
    )
    return status


def connector_address(path: str) -> str:
    """The connector's own public address of `path`: what a developer registers in a platform's
    portal when nothing else was registered with the emulator."""
    return settings.CONNECTOR_PUBLIC_URL.rstrip("/") + path


def deliver_pending(platform: str | None = None) -> list[int | None]:
    rows = EmulatorOutbox.objects.filter(delivered_at__isnull=True, dropped=False)
    if platform:
        rows = rows.filter(platform=platform)
    return [_deliver(pk) for pk in rows.order_by("id").values_list("id", flat=True)]
