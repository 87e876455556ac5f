"""Read-side queries for the connect pages, the admin and the dashboard.

Everything here only reads. Where the sync engine offers a richer answer (matching's report and
reasons) it is used; otherwise the answer is computed from the Product / ProductLink rows, so the
pages never depend on the engine being deployed in a particular version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from connector.models import ConnectedSystem, Product, ProductLink, SystemRole
from connector.services import matching_report
from connector.services.matching_report import match_counts
from syncjobs.models import Job, JobStatus, StockPushEvent, SyncRun

FAILING = (JobStatus.FAILED, JobStatus.DEAD)


# --------------------------------------------------------------------------- progress
@dataclass(frozen=True)
class Progress:
    """Long work in flight: done of total, how fast, how long to go."""

    key: str
    label: str
    done: int
    total: int
    started_at: datetime | None

    @property
    def percent(self) -> int:
        return min(100, int(self.done * 100 / self.total)) if self.total else 0

    @property
    def rate_per_second(self) -> float:
        if not self.started_at or not self.done:
            return 0.0
        elapsed = max((timezone.now() - self.started_at).total_seconds(), 0.001)
        return self.done / elapsed

    @property
    def seconds_left(self) -> int | None:
        rate = self.rate_per_second
        if not rate or not self.total:
            return None
        return max(0, int((self.total - self.done) / rate))

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "done": self.done, "total": self.total,
                "percent": self.percent, "rate": round(self.rate_per_second, 2),
                "seconds_left": self.seconds_left}


def _kind_label(kind: str) -> str:
    labels = {"products.pull": "Pulling products", "products.match": "Matching products",
              "stock.push": "Pushing stock", "stock.reconcile": "Reconciling stock",
              "orders.poll": "Reading orders", "mappings.import": "Importing SKU mappings"}
    return labels.get(kind, kind.replace(".", " ").replace("_", " ").capitalize())


def progress_for_systems(systems: list[ConnectedSystem]) -> dict[int, list[Progress]]:
    """Unfinished runs and running jobs that report a total, per system id."""
    ids = [system.pk for system in systems]
    result: dict[int, list[Progress]] = {pk: [] for pk in ids}
    for run in SyncRun.objects.filter(system_id__in=ids, finished_at__isnull=True, total__gt=0):
        result[run.system_id].append(Progress(f"run-{run.public_id}", _kind_label(run.kind), run.done,
                                              run.total, run.started_at))
    for job in Job.objects.filter(system_id__in=ids, status=JobStatus.RUNNING, progress_total__gt=0):
        result[job.system_id].append(Progress(f"job-{job.pk}", _kind_label(job.kind), job.progress_done,
                                              job.progress_total, job.started_at))
    return result


# --------------------------------------------------------------------------- health
@dataclass
class SystemHealth:
    system: ConnectedSystem
    failing_jobs: int = 0
    unmatched: int = 0
    products: int = 0
    stock_pushed_at: datetime | None = None
    progress: list[Progress] = field(default_factory=list)

    @property
    def level(self) -> str:
        """ok / warn / bad: the colour of the card."""
        if self.system.status != "active":
            return "bad" if self.system.status == "needs_reconnect" else "off"
        if self.failing_jobs:
            return "bad"
        if self.unmatched or self.stock_stale:
            return "warn"
        return "ok"

    @property
    def stock_age(self) -> timedelta | None:
        return timezone.now() - self.stock_pushed_at if self.stock_pushed_at else None

    @property
    def stock_stale(self) -> bool:
        # QuickBooks pushes on change, so a quiet day is normal; a week with no push while links
        # exist is worth a look.
        age = self.stock_age
        return bool(self.system.is_store and self.products and (age is None or age > timedelta(days=7)))


def unmatched_store_products(systems: QuerySet[ConnectedSystem] | list[ConnectedSystem]) -> QuerySet[Product]:
    return Product.objects.filter(system__in=systems, system__role=SystemRole.STORE, active=True,
                                  link__isnull=True)


def system_health(systems: list[ConnectedSystem]) -> list[SystemHealth]:
    ids = [s.pk for s in systems]
    failing = dict(Job.objects.filter(system_id__in=ids, status__in=FAILING)
                   .values_list("system_id").annotate(n=Count("id")))
    products = dict(Product.objects.filter(system_id__in=ids, active=True)
                    .values_list("system_id").annotate(n=Count("id")))
    unlinked = dict(unmatched_store_products(systems).values_list("system_id").annotate(n=Count("id")))
    pushed = dict(ProductLink.objects.filter(store_product__system_id__in=ids)
                  .values_list("store_product__system_id").annotate(at=Max("last_pushed_at")))
    progress = progress_for_systems(systems)
    health = []
    for system in systems:
        unmatched = unlinked.get(system.pk, 0) if system.is_store else 0
        health.append(SystemHealth(
            system=system, failing_jobs=failing.get(system.pk, 0), products=products.get(system.pk, 0),
            unmatched=match_counts(system).get("unmatched_store", unmatched) if system.is_store else 0,
            stock_pushed_at=pushed.get(system.pk), progress=progress.get(system.pk, []),
        ))
    return health


# --------------------------------------------------------------------------- why not linked
def product_link_reason(product: Product, *, quick: bool = False) -> str:
    """One sentence a bookkeeper can act on: why this product is (not) linked.

    `quick` answers from a few counting queries: list pages ask it for every row, while the
    matching service's explanation reads the whole catalogue's keys for each product."""
    reason = "" if quick else matching_report.product_link_reason(product)
    return reason or _reason_from_rows(product)


def _reason_from_rows(product: Product) -> str:
    if product.system.role == SystemRole.ACCOUNTING:
        used = ProductLink.objects.filter(accounting_product=product).count()
        return f"QuickBooks item sold by {used} store product(s)." if used else "No store product is linked to it."
    link = ProductLink.objects.filter(store_product=product).select_related("accounting_product").first()
    if link is not None:
        return f"Linked to {link.accounting_product} ({link.get_origin_display().lower()})."
    if not product.active:
        return "The product is no longer in the store."
    if product.sku_generated or not product.sku_key:
        return ("It has no SKU in the store, so it cannot match by SKU: give it the same SKU as the "
                "QuickBooks item, or link it by hand.")
    same_store = Product.objects.filter(system=product.system, sku_key=product.sku_key, active=True).count()
    if same_store > 1:
        return f"{same_store} products in this store share SKU {product.sku}: make each SKU unique."
    candidates = Product.objects.filter(organization=product.organization, system__role=SystemRole.ACCOUNTING,
                                        system__status="active", sku_key=product.sku_key, active=True).count()
    if candidates == 0:
        return f"No QuickBooks item has SKU {product.sku}."
    if candidates > 1:
        return f"{candidates} QuickBooks items have SKU {product.sku}: make it unique in QuickBooks."
    return "A QuickBooks item has this SKU; matching has not run since the last pull."


def duplicate_sku_filter() -> Q:
    """Products whose (system, SKU) is shared by another active product."""
    dupes = (Product.objects.filter(active=True).exclude(sku_key="").values("system_id", "sku_key")
             .annotate(n=Count("id")).filter(n__gt=1))
    keys = Q(pk__in=[])
    for row in dupes[:5000]:
        keys |= Q(system_id=row["system_id"], sku_key=row["sku_key"])
    return keys


# --------------------------------------------------------------------------- dashboard
@dataclass(frozen=True)
class HourBucket:
    start: datetime
    pushes: int
    failures: int
    latency_ms: int | None


def stock_push_series(organization_ids: list[int], *, hours: int = 24) -> list[HourBucket]:
    """Stock pushes, failures and mean webhook-to-store latency per hour over the last `hours`."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    first = now - timedelta(hours=hours - 1)
    buckets: dict[datetime, list[int]] = {first + timedelta(hours=i): [] for i in range(hours)}
    counts: dict[datetime, list[int]] = {start: [0, 0] for start in buckets}
    events = StockPushEvent.objects.filter(organization_id__in=organization_ids, created_at__gte=first)
    for created, ok, latency in events.values_list("created_at", "ok", "latency_ms").iterator():
        start = created.replace(minute=0, second=0, microsecond=0)
        if start not in counts:
            continue
        counts[start][0 if ok else 1] += 1
        if ok and latency is not None:
            buckets[start].append(latency)
    return [HourBucket(start, counts[start][0], counts[start][1],
                       int(sum(lat) / len(lat)) if lat else None) for start, lat in buckets.items()]
