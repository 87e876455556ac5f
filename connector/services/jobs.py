"""Requests for work, used by admin actions, connect pages and commands.

Each returns the (deduplicated) job; the handlers named in syncjobs/registry.py do the work.
Payloads carry ids only.
"""

from __future__ import annotations

from connector.models import ConnectedSystem, ProductLink, SalesDocument
from syncjobs.ledger import job_enqueue
from syncjobs.models import Job


def _system_job(kind: str, system: ConnectedSystem, **payload: object) -> Job:
    return job_enqueue(organization=system.organization, system=system, kind=kind,
                       payload={"system_id": system.pk, **payload}, dedupe_key=f"{kind}:{system.pk}")


def products_pull_request(*, system: ConnectedSystem) -> Job:
    """Pull every product of the system, then match (the match job follows the pull)."""
    return _system_job("products.pull", system)


def stock_push_request(*, system: ConnectedSystem, links: list[ProductLink] | None = None, force: bool = False) -> Job:
    """Push QuickBooks' quantities to one store. `force` rewrites even unchanged quantities
    (after a drift the user chose to correct)."""
    qs = ProductLink.objects.filter(store_product__system=system)
    if links is not None:
        qs = qs.filter(pk__in=[link.pk for link in links])
    qs.update(needs_push=True)
    if force:
        qs.update(last_pushed_quantity=None)
    return _system_job("stock.push", system)


def stock_reconcile_request(*, system: ConnectedSystem) -> Job:
    """Read QuickBooks' changes since the realm's cursor (CDC) and propagate them."""
    return _system_job("stock.reconcile", system)


def orders_poll_request(*, system: ConnectedSystem) -> Job:
    return _system_job("orders.poll", system)


def sales_document_retry(*, document: SalesDocument) -> Job:
    return job_enqueue(organization=document.organization, system=document.store_system, kind="sales.post",
                       payload={"sales_document_id": document.pk}, dedupe_key=f"sales.post:{document.pk}")
