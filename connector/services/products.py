"""Pulling every product and variant of a connected system into `Product` rows.

Streamed: the platform client yields products page by page and we write them in chunks with bulk
statements, so memory does not grow with the catalogue and queries grow with pages, not products.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from connector.models import ConnectedSystem, Product, SystemRole, SystemStatus
from connector.platforms.base import ExternalProduct, PermanentError

if TYPE_CHECKING:
    from accounts.models import Organization
    from syncjobs.models import Job

logger = logging.getLogger("connector.products")

PULL_CHUNK = 500
GENERATED_PREFIX = "NOSKU-"
# The CDC cursor starts a little before the pull began: whether QuickBooks' changedSince is
# inclusive is undocumented and clocks differ; repeats are harmless (versions are compared).
CURSOR_OVERLAP = timedelta(minutes=2)
UPDATED_FIELDS = ["parent_external_id", "sku", "sku_key", "sku_generated", "name", "kind", "tracks_stock",
                  "quantity", "source_version", "source_updated_at", "source_sequence", "active", "extra",
                  "pulled_at"]
STOCK_FIELDS = {"quantity", "source_version", "source_updated_at", "source_sequence"}


# --------------------------------------------------------------------------- keys
def sku_key(value: str) -> str:
    """Matching key: trimmed and compared without case."""
    return value.strip().casefold()[:255]


def generated_sku(system: ConnectedSystem, external_id: str) -> str:
    """Deterministic and recognisable: the same product always gets the same code."""
    digest = hashlib.sha1(f"{system.platform}:{system.external_account_id}:{external_id}".encode()).hexdigest()
    return f"{GENERATED_PREFIX}{digest[:10].upper()}"


def match_source(system: ConnectedSystem) -> str:
    """Which field of this system's products is matched: stores use their SKU (as the platform
    defines it); QuickBooks its SKU or its Name, per the connection's option."""
    return system.opts.match_field if system.role == SystemRole.ACCOUNTING else "sku"


def product_keys(system: ConnectedSystem, *, sku: str, name: str, external_id: str,
                 source: str | None = None) -> tuple[str, str, bool]:
    """(sku to store, key to match on, generated?)."""
    source = source or match_source(system)
    if source == "name" and name.strip():
        return sku, sku_key(name), False
    if sku.strip():
        return sku, sku_key(sku), False
    generated = generated_sku(system, external_id)
    return generated, sku_key(generated), True


def source_sequence(version: str, updated_at: datetime | None) -> int:
    """A number that only grows with the source's version (QuickBooks SyncToken), else its time."""
    if version.isdigit():
        return int(version)
    return int(updated_at.timestamp() * 1000) if updated_at else 0


# --------------------------------------------------------------------------- pull
@dataclass(frozen=True)
class PullSummary:
    seen: int
    created: int
    updated: int
    retired: int

    def __str__(self) -> str:
        return (f"{self.seen} products read: {self.created} new, {self.updated} updated, "
                f"{self.retired} no longer listed")


def chunked(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def external_products(system: ConnectedSystem) -> Iterator[ExternalProduct]:
    client = system.spec.client_for(system)
    return client.iter_items() if system.role == SystemRole.ACCOUNTING else client.iter_products()


def products_pull(*, system: ConnectedSystem, products: Iterable[ExternalProduct] | None = None) -> PullSummary:
    """Store every product of `system`; retire the ones it no longer lists."""
    started = timezone.now()
    seen = created = updated = 0
    source = match_source(system)
    for chunk in chunked(products if products is not None else external_products(system), PULL_CHUNK):
        made, changed = products_store_chunk(system=system, chunk=chunk, pulled_at=started, source=source)
        seen, created, updated = seen + len(chunk), created + made, updated + changed
    retired = Product.objects.filter(system=system, active=True).filter(
        Q(pulled_at__lt=started) | Q(pulled_at__isnull=True)).update(active=False)
    cursors = {"match_field": source, "products_pulled_at": started.isoformat()}
    if system.role == SystemRole.ACCOUNTING:
        cursors["cdc_since"] = (started - CURSOR_OVERLAP).isoformat()
    system_cursors_update(system=system, **cursors)
    return PullSummary(seen=seen, created=created, updated=updated, retired=retired)


def products_store_chunk(*, system: ConnectedSystem, chunk: Sequence[ExternalProduct], pulled_at: datetime,
                         source: str) -> tuple[int, int]:
    """Write one page: one SELECT, one bulk INSERT, one bulk UPDATE. Returns (created, updated)."""
    ids = [p.external_id for p in chunk]
    existing = {p.external_id: p for p in Product.objects.filter(system=system, external_id__in=ids)}
    new: dict[str, Product] = {}
    changed: list[Product] = []
    for incoming in chunk:
        row = existing.get(incoming.external_id) or new.get(incoming.external_id)
        values = _values(system, incoming, source, pulled_at)
        if row is None:
            new[incoming.external_id] = Product(organization_id=system.organization_id, system=system, **values)
            continue
        if values["source_sequence"] < row.source_sequence:
            # An older snapshot than the one we hold (a webhook refresh overtook this page).
            values = {k: v for k, v in values.items() if k not in STOCK_FIELDS}
        for field, value in values.items():
            setattr(row, field, value)
        changed.append(row)
    with transaction.atomic():
        Product.objects.bulk_create(new.values(), batch_size=PULL_CHUNK)
        if changed:
            Product.objects.bulk_update(changed, UPDATED_FIELDS, batch_size=PULL_CHUNK)
    return len(new), len(changed)


def _values(system: ConnectedSystem, p: ExternalProduct, source: str, pulled_at: datetime) -> dict[str, Any]:
    sku, key, generated = product_keys(system, sku=p.sku, name=p.name, external_id=p.external_id, source=source)
    return {
        "external_id": p.external_id[:255], "parent_external_id": p.parent_id[:255], "sku": sku[:255],
        "sku_key": key, "sku_generated": generated, "name": p.name[:500], "kind": p.kind[:40],
        "tracks_stock": p.tracks_stock, "quantity": p.quantity, "source_version": p.version[:64],
        "source_updated_at": p.updated_at, "source_sequence": source_sequence(p.version, p.updated_at),
        # Raw payloads of whole catalogues would double the database for no reader: kept out.
        "active": p.active, "extra": dict(p.extra), "pulled_at": pulled_at,
    }


def system_cursors_update(*, system: ConnectedSystem, **values: Any) -> None:
    """Merge values into ConnectedSystem.cursors under a row lock (other jobs write there too)."""
    with transaction.atomic():
        row = ConnectedSystem.objects.select_for_update().get(pk=system.pk)
        cursors = {**(row.cursors or {})}
        for key, value in values.items():
            if value is None:
                cursors.pop(key, None)
            else:
                cursors[key] = value
        row.cursors = cursors
        row.save(update_fields=["cursors"])
    system.cursors = cursors


# --------------------------------------------------------------------------- helpers
def accounting_system(organization: Organization | int) -> ConnectedSystem | None:
    """The organisation's QuickBooks company (one per organisation)."""
    org_id = organization if isinstance(organization, int) else organization.pk
    return (ConnectedSystem.objects.filter(organization_id=org_id, role=SystemRole.ACCOUNTING)
            .exclude(status=SystemStatus.DISCONNECTED).order_by("pk").first())


def job_system(job: Job) -> ConnectedSystem:
    system_id = (job.payload or {}).get("system_id") or job.system_id
    system = ConnectedSystem.objects.select_related("organization").filter(pk=system_id).first()
    if system is None:
        raise PermanentError("The connection this work was for no longer exists.")
    if system.status == SystemStatus.DISCONNECTED:
        raise PermanentError(f"{system.display_name} is disconnected; connect it again to sync.")
    return system


# --------------------------------------------------------------------------- jobs
def products_pull_job(job: Job) -> str:
    """Pull (all products, or only `product_ids` when the platform can read them by id), then match."""
    from connector.services.matching import products_match_request

    system = job_system(job)
    wanted = [str(i) for i in (job.payload or {}).get("product_ids") or []]
    if wanted and system.spec.reads_products_by_id:
        # A partial re-pull: nothing is retired (only these products were read).
        chunk = list(system.spec.product_reader(system).read_products(wanted))
        made, changed = products_store_chunk(system=system, chunk=chunk, pulled_at=timezone.now(),
                                             source=match_source(system))
        summary = f"{len(chunk)} products re-read: {made} new, {changed} updated"
    else:
        summary = str(products_pull(system=system))
    products_match_request(system=system)
    return summary


def products_create_missing_job(job: Job) -> str:
    from connector.services.matching_create import products_create_missing

    return str(products_create_missing(store=job_system(job)))
