"""Work that comes back on a timer: each periodic job fans out to the connections that need it."""

from __future__ import annotations

from django.db.models import Q

from connector.models import ConnectedSystem, SystemRole, SystemStatus
from connector.platforms.ratelimit import prune_rate_limits
from syncjobs.ledger import job_enqueue
from syncjobs.models import Job


def _every_active(role: str, kind: str) -> int:
    """`kind` for every active connection of this role (one pending job per connection)."""
    systems = ConnectedSystem.objects.filter(role=role, status=SystemStatus.ACTIVE).filter(~Q(platform=""))
    count = 0
    for system in systems.select_related("organization"):
        job_enqueue(organization=system.organization, system=system, kind=kind,
                    payload={"system_id": system.pk}, dedupe_key=f"{kind}:{system.pk}")
        count += 1
    return count


def stock_reconcile_every_company_job(job: Job) -> str:
    """The change-data-capture reconcile of every QuickBooks company: it recovers missed webhooks."""
    return f"{_every_active(SystemRole.ACCOUNTING, 'stock.reconcile')} companies to reconcile"


def orders_poll_every_store_job(job: Job) -> str:
    """Order polling for every store (and a safety net for stores that send webhooks)."""
    return f"{_every_active(SystemRole.STORE, 'orders.poll')} stores to poll"


def rate_limits_prune_job(job: Job) -> str:
    return f"{prune_rate_limits()} expired rate-limit windows removed"
