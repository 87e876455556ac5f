"""Job handlers for store sales: poll orders, ingest one order, post one sales document.

Each is a thin caller: the rules live in orders_ingest (which orders, which status), sales_lines
(what the document holds) and sales_post (exactly once).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from django.db import transaction

from connector.models import ConnectedSystem
from connector.platforms.base import PermanentError
from connector.services.orders_ingest import IngestResult, accounting_system_for, order_ingest
from connector.services.sales_post import sales_document_post

if TYPE_CHECKING:
    from syncjobs.models import Job

ORDERS_CURSOR = "orders"
POLL_BUDGET_SECONDS = 120  # then the rest waits for a follow-up poll, so one store cannot hog a worker


def _store(system_id: int) -> ConnectedSystem:
    system = ConnectedSystem.objects.select_related("organization").get(pk=system_id)
    if not system.is_store:
        raise PermanentError(f"{system} is not a store; orders come from stores.")
    return system


def cursor_save(system_id: int, name: str, value: str) -> None:
    """Store one cursor without clobbering the others (read-modify-write under the row lock)."""
    with transaction.atomic():
        system = ConnectedSystem.objects.select_for_update().get(pk=system_id)
        system.cursors = {**(system.cursors or {}), name: value}
        system.save(update_fields=["cursors", "updated_at"])


def orders_poll(*, system: ConnectedSystem, budget_seconds: float = POLL_BUDGET_SECONDS,
                job: object = None) -> tuple[dict[str, int], bool]:
    """Ingest orders changed since the stored cursor, saving the cursor after each one.
    Returns (outcomes counted, finished)."""
    counts: dict[str, int] = {}
    if not (system.is_active and system.opts.post_sales) or accounting_system_for(system) is None:
        return counts, True  # the cursor stays: these orders are read once QuickBooks is connected
    client = system.spec.client_for(system)
    deadline = time.monotonic() + budget_seconds
    for order, cursor in client.iter_orders_since((system.cursors or {}).get(ORDERS_CURSOR, "")):
        result: IngestResult = order_ingest(store=system, order=order, job=job)
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
        cursor_save(system.pk, ORDERS_CURSOR, cursor)
        if time.monotonic() > deadline:
            return counts, False
    return counts, True


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "no new orders"


def orders_poll_job(job: Job) -> str:
    system = _store(int(job.payload["system_id"]))
    counts, finished = orders_poll(system=system, job=job)
    if not finished:
        from connector.services.jobs import orders_poll_request

        transaction.on_commit(lambda: orders_poll_request(system=system))
    return _summary(counts) + ("" if finished else " (more to come)")


def order_ingest_job(job: Job) -> str:
    system = _store(int(job.payload["system_id"]))
    order = system.spec.client_for(system).get_order(str(job.payload["order_id"]))
    result = order_ingest(store=system, order=order, job=job)
    number = order.number or order.external_id
    return f"Order {number}: {result.outcome}"


def sales_post_job(job: Job) -> str:
    return sales_document_post(document_id=int(job.payload["sales_document_id"]), job=job)
