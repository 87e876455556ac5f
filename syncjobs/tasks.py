"""django-q2 entry points. Thin on purpose: they only call the ledger and the sweeper."""

from __future__ import annotations

from syncjobs.ledger import job_enqueue
from syncjobs.runner import run_due_jobs as _run_due_jobs
from syncjobs.sweeper import sweep as _sweep


def run_due_jobs() -> int:
    return _run_due_jobs()


def sweep() -> dict[str, int]:
    return _sweep()


def enqueue_periodic(kind: str) -> int:
    """A periodic kind's job (settings.JOB_REGISTRY's PERIODIC_JOBS); one pending at a time."""
    job_enqueue(organization=None, kind=kind, dedupe_key=f"periodic:{kind}")
    return 1
