"""Applying QuickBooks item snapshots to `Product` rows without ever going backwards.

Events arrive in any order and twice; a re-read may return before an older one finishes. Each
write is a conditional UPDATE that only lands when the snapshot is at least as new as the row
(SyncToken, then LastUpdatedTime), so an older snapshot can never overwrite a newer one, even
between two workers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from connector.models import ConnectedSystem, Product, ProductLink, SystemRole
from connector.platforms.base import ExternalProduct
from connector.services.products import match_source, product_keys, source_sequence


def _newer_or_same(sequence: int, updated_at: datetime | None) -> Q:
    same = Q(source_sequence=sequence)
    if updated_at is not None:
        same &= Q(source_updated_at__isnull=True) | Q(source_updated_at__lte=updated_at)
    return Q(source_sequence__lt=sequence) | same


def stock_snapshots_apply(*, system: ConnectedSystem, snapshots: Iterable[ExternalProduct],
                          read_at: datetime | None = None) -> tuple[list[int], list[int]]:
    """Write each snapshot if it is not older than what we hold.

    Returns (changed, current): ids of accounting products whose quantity or version moved, and
    ids of those whose stored snapshot is the one just read (changed or identical)."""
    read_at = read_at or timezone.now()
    source = match_source(system)
    changed: list[int] = []
    current: list[int] = []
    for snap in snapshots:
        sequence = source_sequence(snap.version, snap.updated_at)
        row = Product.objects.filter(system=system, external_id=snap.external_id).only(
            "pk", "quantity", "source_sequence", "source_version", "active", "tracks_stock").first()
        if row is None:
            sku, key, generated = product_keys(system, sku=snap.sku, name=snap.name, external_id=snap.external_id,
                                               source=source)
            row, created = Product.objects.get_or_create(
                system=system, external_id=snap.external_id,
                defaults={"organization_id": system.organization_id, "sku": sku, "sku_key": key,
                          "sku_generated": generated, "name": snap.name[:500], "kind": snap.kind[:40],
                          "tracks_stock": snap.tracks_stock, "quantity": snap.quantity,
                          "source_version": snap.version[:64], "source_updated_at": snap.updated_at,
                          "source_sequence": sequence, "active": snap.active, "extra": dict(snap.extra),
                          "pulled_at": read_at},
            )
            if created:
                changed.append(row.pk)
                current.append(row.pk)
                continue
        moved = (row.quantity != snap.quantity or row.source_sequence != sequence or row.active != snap.active
                 or row.tracks_stock != snap.tracks_stock)
        updated = Product.objects.filter(pk=row.pk).filter(_newer_or_same(sequence, snap.updated_at)).update(
            quantity=snap.quantity, source_version=snap.version[:64], source_updated_at=snap.updated_at,
            source_sequence=sequence, tracks_stock=snap.tracks_stock, active=snap.active, pulled_at=read_at,
        )
        if updated:
            current.append(row.pk)
            if moved:
                changed.append(row.pk)
    return changed, current


def stock_items_retire(*, system: ConnectedSystem, external_ids: Iterable[str]) -> list[int]:
    """Items QuickBooks deleted (or merged away): inactive, so nothing is pushed from them."""
    rows = Product.objects.filter(system=system, external_id__in=list(external_ids), active=True)
    ids = list(rows.values_list("pk", flat=True))
    Product.objects.filter(pk__in=ids).update(active=False)
    return ids


def links_mark_for_push(*, accounting_product_ids: Iterable[int], quickbooks_changed: bool) -> list[int]:
    """Flag the store links of these items; return the store system ids to push.

    When QuickBooks changed the item, a drift recorded in a store is superseded (QuickBooks wins
    on its next change). Otherwise (units held back for orders changed) a store showing a manual
    edit is left alone until QuickBooks next changes."""
    ids = list(accounting_product_ids)
    if not ids:
        return []
    links = ProductLink.objects.filter(accounting_product_id__in=ids, store_product__system__role=SystemRole.STORE)
    if not quickbooks_changed:
        links = links.filter(store_product__drift_detected_at__isnull=True)
    link_ids = list(links.values_list("pk", flat=True))
    ProductLink.objects.filter(pk__in=link_ids).update(needs_push=True)
    return sorted(set(ProductLink.objects.filter(pk__in=link_ids).values_list("store_product__system_id", flat=True)))
