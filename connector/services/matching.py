"""Matching store products to QuickBooks items by SKU.

Rules (PRODUCT.md): the key is the SKU trimmed and compared without case; on the QuickBooks side
the item's SKU or its Name (connection option). A key used twice on one side is never linked
automatically. Links set by hand, imported from CSV, created by us, or locked are never touched.
Streamed in chunks so memory stays flat and queries grow with pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet

from connector.models import ConnectedSystem, LinkOrigin, Product, ProductLink, SystemRole, SystemStatus
from connector.platforms.base import PermanentError
from connector.services.products import (
    accounting_system,
    chunked,
    job_system,
    match_source,
    product_keys,
    system_cursors_update,
)
from syncjobs.ledger import job_enqueue
from syncjobs.models import Job

MATCH_CHUNK = 1000
# QuickBooks Category items group others; they are never sold.
UNSELLABLE_KINDS = ("Category",)


@dataclass(frozen=True)
class MatchSummary:
    linked: int = 0
    relinked: int = 0
    unlinked: int = 0
    kept: int = 0
    duplicates: int = 0

    def __str__(self) -> str:
        return (f"{self.linked} linked, {self.relinked} re-linked, {self.unlinked} automatic links removed, "
                f"{self.kept} set by hand kept, {self.duplicates} duplicate SKUs not linked")


def matchable(system: ConnectedSystem) -> QuerySet[Product]:
    """Products that take part in matching: active, sellable, and not a parent whose variants are
    matched on their own SKUs."""
    has_variants = Product.objects.filter(system_id=system.pk, parent_external_id=OuterRef("external_id"))
    return (Product.objects.filter(system=system, active=True).exclude(sku_key="")
            .exclude(kind__in=UNSELLABLE_KINDS).exclude(Exists(has_variants)))


def duplicate_keys(system: ConnectedSystem) -> set[str]:
    rows = matchable(system).values("sku_key").annotate(n=Count("id")).filter(n__gt=1).values_list("sku_key", flat=True)
    return set(rows)


def accounting_keys_refresh(*, accounting: ConnectedSystem) -> int:
    """Recompute QuickBooks items' keys when the connection switched between SKU and Name."""
    source = match_source(accounting)
    if (accounting.cursors or {}).get("match_field", "sku") == source:
        return 0
    changed = 0
    for chunk in chunked(Product.objects.filter(system=accounting).order_by("pk").iterator(chunk_size=MATCH_CHUNK),
                         MATCH_CHUNK):
        for product in chunk:
            raw_sku = "" if product.sku_generated else product.sku
            product.sku, product.sku_key, product.sku_generated = product_keys(
                accounting, sku=raw_sku, name=product.name, external_id=product.external_id, source=source)
        Product.objects.bulk_update(chunk, ["sku", "sku_key", "sku_generated"])
        changed += len(chunk)
    system_cursors_update(system=accounting, match_field=source)
    return changed


def _store_chunks(store: ConnectedSystem) -> Iterator[list[tuple[int, str]]]:
    last = 0
    while True:
        rows = list(matchable(store).filter(pk__gt=last).order_by("pk").values_list("pk", "sku_key")[:MATCH_CHUNK])
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def products_match(*, store: ConnectedSystem, accounting: ConnectedSystem) -> MatchSummary:
    """Link each store product to the one QuickBooks item with the same key."""
    accounting_keys_refresh(accounting=accounting)
    store_dups, accounting_dups = duplicate_keys(store), duplicate_keys(accounting)
    totals = {"linked": 0, "relinked": 0, "unlinked": 0, "kept": 0, "duplicates": 0}
    for rows in _store_chunks(store):
        keys = {key for _pk, key in rows if key not in store_dups}
        targets = dict(matchable(accounting).filter(sku_key__in=keys - accounting_dups).values_list("sku_key", "pk"))
        links = {link.store_product_id: link for link in
                 ProductLink.objects.filter(store_product_id__in=[pk for pk, _ in rows])}
        create, relink, drop = [], [], []
        for pk, key in rows:
            link, target = links.get(pk), targets.get(key)
            if key in store_dups or key in accounting_dups:
                totals["duplicates"] += 1
            if link is not None and (link.origin != LinkOrigin.AUTO or link.locked):
                totals["kept"] += 1
            elif link is None and target is not None:
                create.append(ProductLink(organization_id=store.organization_id, store_product_id=pk,
                                          accounting_product_id=target, origin=LinkOrigin.AUTO, needs_push=True))
            elif link is not None and target is None:
                drop.append(link.pk)
            elif link is not None and link.accounting_product_id != target:
                link.accounting_product_id, link.needs_push, link.last_pushed_version = target, True, ""
                relink.append(link)
        with transaction.atomic():
            ProductLink.objects.bulk_create(create, ignore_conflicts=True)
            ProductLink.objects.bulk_update(relink, ["accounting_product", "needs_push", "last_pushed_version"])
            ProductLink.objects.filter(pk__in=drop, origin=LinkOrigin.AUTO, locked=False).delete()
        totals["linked"] += len(create)
        totals["relinked"] += len(relink)
        totals["unlinked"] += len(drop)
    # An automatic link whose store product left matching (archived, SKU removed) is stale too.
    totals["unlinked"] += ProductLink.objects.filter(
        store_product__system=store, origin=LinkOrigin.AUTO, locked=False).exclude(
        store_product__in=matchable(store)).delete()[0]
    return MatchSummary(**totals)


# --------------------------------------------------------------------------- requests and jobs
def products_match_request(*, system: ConnectedSystem) -> Job:
    return job_enqueue(organization=system.organization, system=system, kind="products.match",
                       payload={"system_id": system.pk}, dedupe_key=f"products.match:{system.pk}")


def stores_of(organization_id: int) -> QuerySet[ConnectedSystem]:
    return ConnectedSystem.objects.filter(organization_id=organization_id, role=SystemRole.STORE).exclude(
        status=SystemStatus.DISCONNECTED)


def products_match_job(job: Job) -> str:
    """Match one store, or every store of the organisation when run for QuickBooks."""
    from connector.services.stock import stock_first_sync_if_needed

    system = job_system(job)
    accounting = system if system.role == SystemRole.ACCOUNTING else accounting_system(system.organization_id)
    if accounting is None:
        raise PermanentError("Connect a QuickBooks company first: products are matched to its items.")
    stores = [system] if system.role == SystemRole.STORE else list(stores_of(system.organization_id))
    parts = []
    for store in stores:
        summary = products_match(store=store, accounting=accounting)
        stock_first_sync_if_needed(store=store)
        parts.append(f"{store.display_name}: {summary}")
    return "; ".join(parts) or "no store to match"

