"""Writing QuickBooks' quantities to one store: coalesced, batched, skipped when unchanged.

Published quantity = QtyOnHand minus the units of orders (from any store) that QuickBooks has
not counted yet: documents not posted, and documents posted after the snapshot we hold was read
(QuickBooks' answer to that read could not include them). Never below zero.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from connector.models import ConnectedSystem, DocumentStatus, ProductLink, SalesDocumentLine
from connector.platforms.base import PermanentError, RetryableError, StockResult, StockUpdate

logger = logging.getLogger("connector.stock")

UNPOSTED = (DocumentStatus.PENDING, DocumentStatus.HELD, DocumentStatus.FAILED)
POSTED = (DocumentStatus.POSTED, DocumentStatus.CANCELLED_AFTER_POST)
SCAN_CHUNK = 1000


def held_units(accounting_product_ids: Iterable[int]) -> dict[int, int]:
    """Units per QuickBooks item that its QtyOnHand (as we hold it) does not reflect yet."""
    ids = list(accounting_product_ids)
    if not ids:
        return {}
    lines = SalesDocumentLine.objects.filter(accounting_product_id__in=ids).filter(
        Q(document__status__in=UNPOSTED)
        | Q(document__status__in=POSTED, document__posted_at__isnull=True)
        | Q(document__status__in=POSTED, accounting_product__pulled_at__isnull=True)
        | Q(document__status__in=POSTED, document__posted_at__gt=F("accounting_product__pulled_at"))
    )
    return {row["accounting_product_id"]: int(row["units"] or 0)
            for row in lines.values("accounting_product_id").annotate(units=Sum("quantity"))}


def published_quantities(links: Sequence[ProductLink]) -> dict[int, int | None]:
    """Link id -> the quantity to publish, or None when this link carries no stock."""
    held = held_units({link.accounting_product_id for link in links})
    out: dict[int, int | None] = {}
    for link in links:
        item, product = link.accounting_product, link.store_product
        if not (item.active and item.tracks_stock and item.quantity is not None and product.tracks_stock
                and product.active):
            out[link.pk] = None
            continue
        out[link.pk] = max(0, item.quantity - held.get(item.pk, 0))
    return out


@dataclass
class PushSummary:
    written: int = 0
    unchanged: int = 0
    not_tracked: int = 0
    failed: int = 0
    calls: int = 0
    retry: bool = False

    def __str__(self) -> str:
        return (f"{self.written} quantities written in {self.calls} calls, {self.unchanged} unchanged, "
                f"{self.not_tracked} without stock, {self.failed} failed")


def _claim(store: ConnectedSystem, after: int) -> list[ProductLink]:
    """Take the next flagged links: clear the flag first, so a change arriving while we push
    flags them again and is pushed by the next job instead of being lost."""
    with transaction.atomic():
        ids = list(ProductLink.objects.filter(store_product__system=store, needs_push=True, pk__gt=after)
                   .order_by("pk").values_list("pk", flat=True)[:SCAN_CHUNK])
        ProductLink.objects.filter(pk__in=ids).update(needs_push=False)
    return list(ProductLink.objects.filter(pk__in=ids).select_related("accounting_product", "store_product")
                .order_by("pk"))


def stock_push(*, store: ConnectedSystem) -> PushSummary:
    summary = PushSummary()
    if not store.opts.sync_stock:
        ProductLink.objects.filter(store_product__system=store, needs_push=True).update(needs_push=False)
        return summary
    client = store.spec.client_for(store)
    batch_max = max(1, int(store.spec.stock_batch_max))
    pending: list[tuple[ProductLink, int]] = []
    open_ids: set[int] = set()  # claimed and not settled: flagged again if this run stops early
    after = 0
    try:
        while links := _claim(store, after):
            after = links[-1].pk
            open_ids.update(link.pk for link in links)
            quantities = published_quantities(links)
            for link in links:
                quantity = quantities[link.pk]
                if quantity is None:
                    summary.not_tracked += 1
                elif quantity == link.last_pushed_quantity and link.store_product.drift_detected_at is None:
                    summary.unchanged += 1  # an absolute write of the same value would change nothing
                    if link.last_pushed_version != link.accounting_product.source_version:
                        ProductLink.objects.filter(pk=link.pk).update(
                            last_pushed_version=link.accounting_product.source_version)
                else:
                    pending.append((link, quantity))
                    continue
                open_ids.discard(link.pk)
            while len(pending) >= batch_max:  # full batches only; the remainder waits for more
                _send(client, store, pending[:batch_max], summary, open_ids)
                pending = pending[batch_max:]
        while pending:
            _send(client, store, pending[:batch_max], summary, open_ids)
            pending = pending[batch_max:]
    except BaseException:
        ProductLink.objects.filter(pk__in=open_ids).update(needs_push=True)
        raise
    return summary


def _send(client: object, store: ConnectedSystem, batch: list[tuple[ProductLink, int]], summary: PushSummary,
          open_ids: set[int]) -> None:
    updates = [StockUpdate(external_id=link.store_product.external_id, quantity=quantity,
                           parent_id=link.store_product.parent_external_id, extra=dict(link.store_product.extra))
               for link, quantity in batch]
    summary.calls += 1
    try:
        results: list[StockResult] = client.set_stock(updates)  # type: ignore[attr-defined]
    except (RetryableError, PermanentError) as exc:
        # Nothing known to be written: the caller flags them (and the rest) again.
        ProductLink.objects.filter(pk__in=[link.pk for link, _ in batch]).update(last_error=exc.message[:2000])
        raise
    _record(store, batch, results, summary)
    open_ids.difference_update(link.pk for link, _ in batch)


def _record(store: ConnectedSystem, batch: list[tuple[ProductLink, int]], results: list[StockResult],
            summary: PushSummary) -> None:
    from connector.models import Product
    from syncjobs.models import StockPushEvent

    now = timezone.now()
    links, products, events, retry = [], [], [], []
    for (link, quantity), result in zip(batch, results, strict=True):
        if result.ok:
            link.last_pushed_quantity, link.last_pushed_at, link.last_error = quantity, now, ""
            link.last_pushed_version = link.accounting_product.source_version
            product = link.store_product
            product.quantity, product.observed_quantity, product.drift_detected_at = quantity, None, None
            products.append(product)
            summary.written += 1
        else:
            link.last_error = (result.error or "The store refused this quantity.")[:2000]
            if result.retryable:
                retry.append(link.pk)
            summary.failed += 1
            summary.retry = summary.retry or result.retryable
        links.append(link)
        pulled = link.accounting_product.pulled_at  # when we read QuickBooks' value
        events.append(StockPushEvent(organization_id=store.organization_id, system=store, ok=result.ok,
                                     quantity=quantity,
                                     latency_ms=int((now - pulled).total_seconds() * 1000) if pulled else None))
    with transaction.atomic():
        ProductLink.objects.bulk_update(links, ["last_pushed_quantity", "last_pushed_at", "last_error",
                                                "last_pushed_version"])
        # Only ever set the flag here: clearing it could erase a change flagged meanwhile.
        ProductLink.objects.filter(pk__in=retry).update(needs_push=True)
        Product.objects.bulk_update(products, ["quantity", "observed_quantity", "drift_detected_at"])
        StockPushEvent.objects.bulk_create(events)
