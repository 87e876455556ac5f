"""A store order -> its SalesDocument row (one per order, whatever the number of deliveries).

Decides, under a row lock: post it (the status is one the connection posts), skip it, or record a
cancellation; keeps SalesDocumentLine rows (units per QuickBooks item) while the order waits, so
published stock holds those units back; never lets an older copy of the order overwrite a newer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from connector.models import (
    ConnectedSystem,
    DocumentStatus,
    Product,
    SalesDocument,
    SalesDocumentLine,
    SystemRole,
)
from connector.platforms.base import ExternalOrder
from connector.services.orders_snapshot import order_to_json
from connector.services.sales_ledger import UNPOSTED, request_id_for, sales_log, stock_notify
from connector.services.sales_lines import linked_items
from syncjobs.models import LogLevel

CANCELLED_STATUSES = {"cancelled", "canceled", "voided"}


@dataclass(frozen=True)
class IngestResult:
    document: SalesDocument | None
    outcome: str  # created, updated, unchanged, stale, skipped, cancelled, cancelled_after_post, ignored


def accounting_system_for(store: ConnectedSystem) -> ConnectedSystem | None:
    return (ConnectedSystem.objects.filter(organization_id=store.organization_id, role=SystemRole.ACCOUNTING,
                                           status="active").order_by("pk").first())


def statuses_posted(store: ConnectedSystem) -> set[str]:
    chosen = store.opts.order_statuses or list(store.spec.default_order_statuses)
    return {s.strip().casefold() for s in chosen}


def _is_cancelled(order: ExternalOrder) -> bool:
    return order.cancelled or order.status.strip().casefold() in CANCELLED_STATUSES


def _refund_note(order: ExternalOrder) -> str:
    status = order.financial_status.casefold()
    if "refund" not in status:
        return ""
    kind = "partly refunded" if "partial" in status else "refunded"
    return (f"Order {order.number} was {kind} in the store. Record the credit memo or refund receipt in "
            "QuickBooks; refunds are not posted automatically.")


def lines_replace(document: SalesDocument, store: ConnectedSystem, order: ExternalOrder,
                  items: dict[int, Product | None] | None = None) -> set[int | None]:
    """Rewrite the units this order holds back; return every item whose held-back units changed.

    Lines of a posted order stay as they were: the stock engine keeps counting them until it has
    re-read QuickBooks' quantity after the post, and the voiding of a cancelled-after-post
    document is the bookkeeper's to do."""
    if document.status in (DocumentStatus.POSTED, DocumentStatus.CANCELLED_AFTER_POST):
        return set()
    rows = []
    if document.status in UNPOSTED:
        items = linked_items(store, order.lines) if items is None else items
        rows = [SalesDocumentLine(document=document, sku=line.sku[:255], accounting_product=items.get(index),
                                  quantity=math.ceil(line.quantity))
                for index, line in enumerate(order.lines) if line.kind == "product"]
    before = sorted(document.lines.values_list("sku", "accounting_product_id", "quantity"), key=str)
    if before == sorted(((r.sku, r.accounting_product_id, r.quantity) for r in rows), key=str):
        return set()  # a duplicate delivery: nothing to rewrite, nothing for the stock engine to redo
    document.lines.all().delete()
    SalesDocumentLine.objects.bulk_create(rows)
    return {item for _, item, _ in before} | {row.accounting_product_id for row in rows}


def order_ingest(*, store: ConnectedSystem, order: ExternalOrder, job: object = None) -> IngestResult:
    options = store.opts
    if not options.post_sales:
        return IngestResult(None, "ignored")
    accounting = accounting_system_for(store)
    if accounting is None:
        return IngestResult(None, "ignored")
    wanted = order.status.strip().casefold() in statuses_posted(store)
    with transaction.atomic():
        document, created = _document_locked(store, accounting, order, options.document_type)
        if not created and document.order_updated_at and order.updated_at < document.order_updated_at:
            return IngestResult(document, "stale")  # an older copy arrived late: the newer one stands
        previous = document.status
        outcome = "created" if created else "updated"
        if _is_cancelled(order):
            if previous in (DocumentStatus.POSTED, DocumentStatus.CANCELLED_AFTER_POST):
                document.status, outcome = DocumentStatus.CANCELLED_AFTER_POST, "cancelled_after_post"
            else:
                document.status, outcome = DocumentStatus.CANCELLED, "cancelled"
        elif previous == DocumentStatus.POSTED:
            outcome = "unchanged"  # already in QuickBooks: later edits are reported, not re-posted
        elif created or previous == DocumentStatus.SKIPPED:
            document.status = DocumentStatus.PENDING if wanted else DocumentStatus.SKIPPED
            outcome = outcome if wanted else "skipped"
        # pending / held / failed keep their status: an accepted sale stays to post (a refund
        # after payment is recorded in the log, not a reason to lose the sale).
        if document.status not in (DocumentStatus.POSTED, DocumentStatus.CANCELLED_AFTER_POST):
            document.snapshot = {**(document.snapshot or {}), "order": order_to_json(order)}
            document.total = order.total
        document.order_status = order.status[:60]
        document.order_updated_at = order.updated_at
        document.save()
        changed_items = lines_replace(document, store, order)
        _report(document, previous, outcome, order, job)
    stock_notify(organization=store.organization, accounting_product_ids=changed_items)
    if document.status in (DocumentStatus.PENDING, DocumentStatus.HELD, DocumentStatus.FAILED) and outcome != "stale":
        from connector.services.jobs import sales_document_retry

        sales_document_retry(document=document)
    return IngestResult(document, outcome)


def _document_locked(store: ConnectedSystem, accounting: ConnectedSystem, order: ExternalOrder,
                     document_type: str) -> tuple[SalesDocument, bool]:
    existing = SalesDocument.objects.select_for_update().filter(store_system=store,
                                                                order_external_id=order.external_id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return SalesDocument.objects.create(
                organization_id=store.organization_id, store_system=store, accounting_system=accounting,
                order_external_id=order.external_id, order_number=order.number[:100], order_status=order.status[:60],
                order_updated_at=None, document_type=document_type,
                request_id=request_id_for(store, order.external_id), total=order.total), True
    except IntegrityError:  # a duplicate delivery created it a moment ago: take that row
        return SalesDocument.objects.select_for_update().get(store_system=store,
                                                             order_external_id=order.external_id), False


def _report(document: SalesDocument, previous: str, outcome: str, order: ExternalOrder, job: object) -> None:
    if outcome == "cancelled_after_post" and previous == DocumentStatus.POSTED:
        sales_log(document, f"Order {order.number} was cancelled in the store after it was posted to QuickBooks "
                  f"as document {document.doc_number or document.accounting_document_id}. Void or credit it in "
                  "QuickBooks; it was not changed automatically.", level=LogLevel.WARNING, job=job)
    elif outcome == "cancelled" and previous != DocumentStatus.CANCELLED:
        sales_log(document, f"Order {order.number} was cancelled in the store before it was posted; nothing was "
                  "sent to QuickBooks.", job=job)
    elif outcome == "skipped":
        sales_log(document, f"Order {order.number} has status '{order.status}', which this store does not post; "
                  "it will be posted if it reaches a chosen status.", job=job)
    refund = _refund_note(order)
    if refund and refund != (document.snapshot or {}).get("refund_note"):
        sales_log(document, refund, level=LogLevel.WARNING, job=job)
        document.snapshot = {**(document.snapshot or {}), "refund_note": refund}
        document.save(update_fields=["snapshot"])
