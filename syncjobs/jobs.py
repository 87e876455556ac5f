"""Handlers that belong to the ledger itself."""

from __future__ import annotations

from syncjobs.models import Job


def noop(job: Job) -> str:
    return "nothing to do"
