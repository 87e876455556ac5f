"""The CDC reconcile: every 15 minutes, read what changed in QuickBooks since the realm's cursor
and propagate it. It recovers any webhook that was lost: it does not depend on them at all.

The cursor (`ConnectedSystem.cursors["cdc_since"]`) moves to the time the read started, minus an
overlap: re-reading a change is harmless (versions are compared, equal quantities are skipped);
missing one is not.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from connector.models import ConnectedSystem, SalesDocumentLine, SystemRole
from connector.platforms.base import PermanentError, ReconnectRequired
from connector.services.matching import stores_of
from connector.services.products import products_pull, system_cursors_update
from connector.services.stock_snapshots import links_mark_for_push, stock_items_retire, stock_snapshots_apply

logger = logging.getLogger("connector.stock")

CURSOR = "cdc_since"
OVERLAP = timedelta(minutes=2)
DOCUMENT_ENDPOINTS = {"Invoice": "invoice", "SalesReceipt": "salesreceipt", "CreditMemo": "creditmemo",
                      "RefundReceipt": "refundreceipt"}


def stock_reconcile(*, system: ConnectedSystem) -> str:
    from connector.services.stock import stock_first_sync_if_needed, stock_push_enqueue

    if system.role != SystemRole.ACCOUNTING:
        raise PermanentError("Stock is reconciled from the QuickBooks connection, not from a store.")
    first = [stock_first_sync_if_needed(store=store) for store in stores_of(system.organization_id)]
    since = _cursor(system)
    started = timezone.now()
    if since is None:
        # No cursor yet (never pulled): a full read of the items is the starting point.
        summary = products_pull(system=system)
        return f"first reconcile: {summary}"
    client = system.spec.client_for(system)
    result = client.cdc(since=since)
    changed, _current = stock_snapshots_apply(system=system, snapshots=result.items, read_at=started)
    retired = stock_items_retire(system=system, external_ids=result.deleted_item_ids)
    # Sales documents changed: their items' QtyOnHand moved though the item rows may not appear.
    known = {p.external_id for p in result.items}
    doc_items = [i for i in result.document_item_ids if i not in known]
    if doc_items:
        more, _ = stock_snapshots_apply(system=system, snapshots=client.read_items(doc_items), read_at=started)
        changed.extend(more)
    stores = links_mark_for_push(accounting_product_ids=changed + retired, quickbooks_changed=True)
    stock_push_enqueue(store_ids=stores)
    system_cursors_update(system=system, **{CURSOR: (started - OVERLAP).isoformat()})
    first_syncs = sum(1 for job in first if job is not None)
    return (f"{len(result.items)} items and {len(result.document_item_ids)} document items changed since "
            f"{since:%Y-%m-%d %H:%M}; {len(changed)} quantities moved; {len(stores)} stores to update"
            + (f"; {first_syncs} first syncs" if first_syncs else ""))


def _cursor(system: ConnectedSystem) -> datetime | None:
    raw = (system.cursors or {}).get(CURSOR)
    return parse_datetime(str(raw)) if raw else None


def document_item_ids(system: ConnectedSystem, client: Any, entity: str, ident: str) -> list[str]:
    """Items on a QuickBooks sales or credit document.

    Read from QuickBooks; a deleted or voided document cannot be read (or has no lines left), so
    the items we posted on it, per our own ledger, are used as well."""
    from connector.platforms.quickbooks.mapping import line_item_ids

    ours = list(SalesDocumentLine.objects.filter(
        document__accounting_system=system, document__accounting_document_id=ident,
        accounting_product__isnull=False).values_list("accounting_product__external_id", flat=True))
    endpoint = DOCUMENT_ENDPOINTS.get(entity)
    if endpoint is None:
        return ours
    try:
        raw = client.api("GET", f"{endpoint}/{ident}").get(entity) or {}
    except ReconnectRequired:
        raise
    except PermanentError as exc:  # not found (deleted) or not readable: retryable errors propagate
        logger.info("QuickBooks %s %s could not be read (%s); using our own ledger", entity, ident, exc.message)
        return ours
    return list(dict.fromkeys([*line_item_ids(raw), *ours]))
