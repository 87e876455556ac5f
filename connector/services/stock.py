"""Stock propagation, QuickBooks -> stores (never the other way, never store to store).

Flow: a trigger (QuickBooks webhook, CDC reconcile, an order ingested or posted) asks for a
refresh of some QuickBooks items; one refresh job per company collects every item asked for
while it waits, re-reads them in bulk, keeps only snapshots newer than what we hold, flags the
store links of the items that moved, and enqueues one push job per store. The push job writes
all flagged links of its store in as few calls as the platform allows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from connector.models import ConnectedSystem, Product, ProductLink, SystemRole
from connector.platforms.base import PermanentError, RetryableError
from connector.services.products import accounting_system, job_system, system_cursors_update
from connector.services.stock_push import stock_push
from connector.services.stock_snapshots import links_mark_for_push, stock_items_retire, stock_snapshots_apply
from syncjobs.leases import lease_acquire, lease_release
from syncjobs.ledger import backoff_seconds, job_enqueue
from syncjobs.models import Job, JobStatus

REFRESH_KIND = "stock.refresh_items"
FIRST_SYNC_CURSOR = "stock_first_sync_at"
PUSH_FOLLOW_DELAY = timedelta(seconds=1)  # a push waiting for another push to the same store


# --------------------------------------------------------------------------- requests
def stock_refresh_request(*, system: ConnectedSystem, item_ids: Iterable[str] = (),
                          documents: Iterable[tuple[str, str]] = (), quickbooks_changed: bool = True,
                          run_after: datetime | None = None, retries: int = 0) -> Job:
    """Ask for these QuickBooks items (and the items of these documents) to be re-read.

    Every request for one company while its refresh job waits lands in that one job: the ids are
    merged into its payload under a row lock; if the job was claimed meanwhile, a new one is made."""
    ids = sorted({str(i) for i in item_ids if str(i)})
    docs = sorted({(str(e), str(i)) for e, i in documents})
    key = f"{REFRESH_KIND}:{system.pk}:{'qb' if quickbooks_changed else 'held'}"
    for _ in range(5):
        with transaction.atomic():
            job = job_enqueue(organization=system.organization, system=system, kind=REFRESH_KIND, dedupe_key=key,
                              run_after=run_after,
                              payload={"system_id": system.pk, "item_ids": ids, "documents": [list(d) for d in docs],
                                       "quickbooks_changed": quickbooks_changed, "retries": retries})
            locked = Job.objects.select_for_update().filter(pk=job.pk, status=JobStatus.PENDING).first()
            if locked is None:
                continue  # claimed between the enqueue and the lock: enqueue again
            payload = dict(locked.payload or {})
            merged_ids = sorted(set(payload.get("item_ids") or []) | set(ids))
            merged_docs = sorted({tuple(d) for d in payload.get("documents") or []} | set(docs))
            merged_retries = max(int(payload.get("retries") or 0), retries)
            if (merged_ids != payload.get("item_ids") or [list(d) for d in merged_docs] != payload.get("documents")
                    or merged_retries != payload.get("retries")):
                payload.update(item_ids=merged_ids, documents=[list(d) for d in merged_docs], retries=merged_retries)
                locked.payload = payload
                locked.save(update_fields=["payload"])
            return locked
    raise RetryableError("Could not queue the stock refresh; it will be tried again.")


def stock_push_enqueue(*, store_ids: Iterable[int]) -> list[Job]:
    jobs = []
    for store in ConnectedSystem.objects.filter(pk__in=list(store_ids), role=SystemRole.STORE).select_related(
            "organization"):
        if store.is_active and store.opts.sync_stock:
            jobs.append(job_enqueue(organization=store.organization, system=store, kind="stock.push",
                                    payload={"system_id": store.pk}, dedupe_key=f"stock.push:{store.pk}"))
    return jobs


def stock_items_changed(*, organization: Organization, accounting_product_ids: Iterable[int]) -> Job | None:
    """An order was ingested, posted or cancelled: the units held back for these QuickBooks items
    changed (and, once posted, QuickBooks' own quantity). Re-read them, then republish."""
    ids = list(accounting_product_ids)
    if not ids:
        return None
    accounting = accounting_system(organization)
    if accounting is None:
        return None
    external = list(Product.objects.filter(pk__in=ids, system=accounting).values_list("external_id", flat=True))
    if not external:
        return None
    return stock_refresh_request(system=accounting, item_ids=external, quickbooks_changed=False)


def stock_first_sync_if_needed(*, store: ConnectedSystem) -> Job | None:
    """First sync of a store once its stock option is on: every linked product gets QuickBooks'
    quantity. Later, newly linked products (flagged when linked) are pushed the same way."""
    if not (store.is_active and store.opts.sync_stock):
        if (store.cursors or {}).get(FIRST_SYNC_CURSOR):
            system_cursors_update(system=store, **{FIRST_SYNC_CURSOR: None})  # switched off: sync again when on
        return None
    if not (store.cursors or {}).get(FIRST_SYNC_CURSOR):
        ProductLink.objects.filter(store_product__system=store).update(needs_push=True)
        system_cursors_update(system=store, **{FIRST_SYNC_CURSOR: timezone.now().isoformat()})
    if ProductLink.objects.filter(store_product__system=store, needs_push=True).exists():
        return stock_push_enqueue(store_ids=[store.pk])[0]
    return None


# --------------------------------------------------------------------------- jobs
def stock_refresh_items(*, system: ConnectedSystem, item_ids: list[str], documents: list[tuple[str, str]],
                        quickbooks_changed: bool) -> str:
    from connector.services.stock_reconcile import document_item_ids

    client = system.spec.client_for(system)
    wanted = list(dict.fromkeys(item_ids))
    for entity, ident in documents:
        wanted.extend(i for i in document_item_ids(system, client, entity, ident) if i not in wanted)
    read_at = timezone.now()  # before the call: a document posted after this is held back
    snapshots = client.read_items(wanted) if wanted else []
    changed, current = stock_snapshots_apply(system=system, snapshots=snapshots, read_at=read_at)
    missing = set(wanted) - {s.external_id for s in snapshots}
    retired = stock_items_retire(system=system, external_ids=missing)
    flag = changed + retired if quickbooks_changed else current
    stores = links_mark_for_push(accounting_product_ids=flag, quickbooks_changed=quickbooks_changed)
    stock_push_enqueue(store_ids=stores)
    return (f"{len(snapshots)} QuickBooks items read, {len(changed)} changed, {len(retired)} gone; "
            f"{len(stores)} stores to update")


def stock_refresh_items_job(job: Job) -> str:
    """The ids live in the payload, so a failed read is retried by handing them back to the
    waiting refresh job (or a new one, later): a plain ledger retry would be cancelled as
    superseded by that waiting job, and its ids lost."""
    system = job_system(job)
    payload = job.payload or {}
    item_ids = [str(i) for i in payload.get("item_ids") or []]
    documents = [(str(e), str(i)) for e, i in payload.get("documents") or []]
    changed = bool(payload.get("quickbooks_changed", True))
    try:
        return stock_refresh_items(system=system, item_ids=item_ids, documents=documents, quickbooks_changed=changed)
    except RetryableError as exc:
        retries = int(payload.get("retries") or 0) + 1
        if retries >= settings.JOB_MAX_ATTEMPTS:
            raise PermanentError(f"QuickBooks could not be read after {retries} tries: {exc.message}") from exc
        delay = backoff_seconds(retries, exc.retry_after)
        stock_refresh_request(system=system, item_ids=item_ids, documents=documents, quickbooks_changed=changed,
                              run_after=timezone.now() + timedelta(seconds=delay), retries=retries)
        return f"QuickBooks did not answer ({exc.message}); these items are read again in {delay:.0f} s"


def stock_push_job(job: Job) -> str:
    """One writer per store at a time. Two pushes to one store in two workers could finish in the
    wrong order: the one that computed its quantities first (before an order was marked posted,
    say) would write last, and the newer one, seeing its value already recorded, would skip."""
    store = job_system(job)
    lease = f"stock.push:{store.pk}"
    holder = lease_acquire(lease, seconds=settings.JOB_CLAIM_SECONDS)
    if holder is None:
        job_enqueue(organization=store.organization, system=store, kind="stock.push", payload={"system_id": store.pk},
                    dedupe_key=f"stock.push:{store.pk}", run_after=timezone.now() + PUSH_FOLLOW_DELAY)
        return "another worker is writing this store's quantities; this push follows it"
    try:
        summary = stock_push(store=store)
    finally:
        lease_release(lease, holder)
    if summary.retry:
        raise RetryableError(f"Some quantities were not written and will be retried ({summary}).")
    return str(summary)


def stock_reconcile_job(job: Job) -> str:
    from connector.services.stock_reconcile import stock_reconcile

    return stock_reconcile(system=job_system(job))
