"""django-q2 entry points. Thin on purpose: they only call the ledger and the sweeper."""

from __future__ import annotations

from django.db.models import Q

from connector.models import ConnectedSystem, SystemStatus
from syncjobs.ledger import job_enqueue
from syncjobs.registry import PERIODIC_JOBS
from syncjobs.runner import run_due_jobs as _run_due_jobs
from syncjobs.sweeper import sweep as _sweep


def run_due_jobs() -> int:
    return _run_due_jobs()


def sweep() -> dict[str, int]:
    return _sweep()


def enqueue_periodic(kind: str) -> int:
    """Enqueue `kind` for every active system of the role it needs (deduplicated per system)."""
    role, _minutes = PERIODIC_JOBS[kind]
    systems = ConnectedSystem.objects.filter(role=role, status=SystemStatus.ACTIVE).filter(~Q(platform=""))
    count = 0
    for system in systems.select_related("organization"):
        job_enqueue(organization=system.organization, system=system, kind=kind,
                    payload={"system_id": system.pk}, dedupe_key=f"{kind}:{system.pk}")
        count += 1
    return count
