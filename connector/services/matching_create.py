"""Creating QuickBooks items for store products that match none (store option, off by default).

An Inventory item (starting quantity 0) only when the store product tracks stock, else a
NonInventory item; accounts come from the store connection's options. Nothing else is copied:
no stock level, no cost, no tax detail, and an existing QuickBooks item is never modified.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from connector.models import ConnectedSystem, LinkOrigin, Product, ProductLink
from connector.platforms.base import PermanentError, RetryableError
from connector.services.matching import duplicate_keys, matchable
from connector.services.products import accounting_system, match_source, product_keys, source_sequence

logger = logging.getLogger("connector.products")


@dataclass(frozen=True)
class CreateSummary:
    created: int = 0
    skipped: int = 0
    failed: int = 0
    messages: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = f"{self.created} QuickBooks items created, {self.skipped} skipped, {self.failed} failed"
        return text + ("; " + "; ".join(self.messages[:10]) if self.messages else "")


def _request_id(store_product: Product) -> str:
    """Deterministic: a retry after a timeout replays QuickBooks' first answer instead of creating twice."""
    return "item-" + hashlib.sha256(f"{store_product.system.public_id}:{store_product.external_id}".encode()).hexdigest()[:40]


def products_create_missing(*, store: ConnectedSystem) -> CreateSummary:
    options = store.opts
    if not options.create_missing_items:
        return CreateSummary(messages=("Creating QuickBooks items is off for this store.",))
    accounting = accounting_system(store.organization_id)
    if accounting is None:
        raise PermanentError("Connect a QuickBooks company before creating items in it.")
    if not options.income_account_id or not options.expense_account_id:
        raise PermanentError("Choose the income and expense accounts for new QuickBooks items in this store's options.")
    client = accounting.spec.client_for(accounting)
    store_dups = duplicate_keys(store)
    candidates = (matchable(store).filter(link__isnull=True, sku_generated=False).exclude(sku_key__in=store_dups)
                  .select_related("system").order_by("pk"))
    created = skipped = failed = 0
    messages: list[str] = []
    for product in candidates.iterator(chunk_size=200):
        if product.tracks_stock and not options.asset_account_id:
            skipped += 1
            messages.append(f"{product.sku}: choose an inventory asset account to create stock-tracked items")
            continue
        if matchable(accounting).filter(sku_key=product.sku_key).exists():
            skipped += 1  # QuickBooks has it (maybe twice): matching decides, we never create a second one
            continue
        try:
            item = client.create_item(
                name=product.name or product.sku, sku=product.sku, tracks_stock=product.tracks_stock,
                income_account_id=options.income_account_id, asset_account_id=options.asset_account_id,
                expense_account_id=options.expense_account_id, request_id=_request_id(product),
                start_date=timezone.now(),
            )
        except RetryableError:
            raise  # the job retries; the same requestid replays anything already created
        except PermanentError as exc:
            failed += 1
            messages.append(f"{product.sku}: {exc.message}")
            continue
        _link_created(store=store, accounting=accounting, product=product, item=item)
        created += 1
    return CreateSummary(created=created, skipped=skipped, failed=failed, messages=tuple(messages))


def _link_created(*, store: ConnectedSystem, accounting: ConnectedSystem, product: Product, item: object) -> None:
    from connector.platforms.base import ExternalProduct

    assert isinstance(item, ExternalProduct)
    sku, key, generated = product_keys(accounting, sku=item.sku, name=item.name, external_id=item.external_id,
                                       source=match_source(accounting))
    with transaction.atomic():
        row, _ = Product.objects.update_or_create(
            system=accounting, external_id=item.external_id,
            defaults={"organization_id": accounting.organization_id, "sku": sku, "sku_key": key,
                      "sku_generated": generated, "name": item.name[:500], "kind": item.kind,
                      "tracks_stock": item.tracks_stock, "quantity": item.quantity, "source_version": item.version,
                      "source_updated_at": item.updated_at,
                      "source_sequence": source_sequence(item.version, item.updated_at),
                      "active": item.active, "extra": dict(item.extra), "pulled_at": timezone.now()},
        )
        try:
            with transaction.atomic():
                ProductLink.objects.create(organization_id=store.organization_id, store_product=product,
                                           accounting_product=row, origin=LinkOrigin.CREATED, needs_push=True)
        except IntegrityError:
            logger.info("store product %s was linked meanwhile; keeping that link", product.pk)
