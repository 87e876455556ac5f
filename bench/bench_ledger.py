"""10,000 no-op jobs enqueued, claimed and completed through the ledger by one worker, versus the
same number of plain INSERT + UPDATE statements on the same database."""

from __future__ import annotations

import os

from bench.common import BenchResult, fresh_database, timed

JOBS = int(os.environ.get("BENCH_LEDGER_JOBS", "10000"))


def _through_ledger(org: object) -> int:
    from syncjobs.ledger import job_enqueue
    from syncjobs.runner import run_due_jobs

    for i in range(JOBS):
        job_enqueue(organization=org, kind="noop", dedupe_key=f"bench:{i}")  # type: ignore[arg-type]
    return run_due_jobs(max_seconds=3600)


def _plain_statements(org: object) -> None:
    from django.db import connection
    from django.utils import timezone

    from syncjobs.models import Job

    table = Job._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        for i in range(JOBS):
            cursor.execute(
                f"INSERT INTO {table} (organization_id, kind, payload, dedupe_key, status, attempts, max_attempts, "  # noqa: S608
                "run_after, last_error, result, progress_done, progress_total, created_at) "
                "VALUES (%s, 'noop', '{}', %s, 'pending', 0, 5, %s, '', '', 0, 0, %s)",
                [org.pk, f"plain:{i}", now, now],  # type: ignore[attr-defined]
            )
            job_id = cursor.lastrowid if connection.vendor != "postgresql" else None
            if job_id is None:
                cursor.execute(f"SELECT id FROM {table} WHERE dedupe_key = %s", [f"plain:{i}"])  # noqa: S608
                job_id = cursor.fetchone()[0]
            cursor.execute(f"UPDATE {table} SET status = 'succeeded' WHERE id = %s", [job_id])  # noqa: S608


def run() -> list[BenchResult]:
    from django.conf import settings

    settings.JOB_WAKE_WORKERS = False
    results = []
    with fresh_database("ledger") as vendor:
        from accounts.models import Organization

        org = Organization.objects.create(name="Bench", slug="bench")
        ledger_seconds, ran = timed(lambda: _through_ledger(org))
        assert ran == JOBS, f"ran {ran} of {JOBS}"
        plain_seconds, _ = timed(lambda: _plain_statements(org))
        results.append(BenchResult(f"ledger: {JOBS} no-op jobs, one worker ({vendor})", ledger_seconds,
                                   plain_seconds, note=f"{JOBS / ledger_seconds:.0f} jobs/s"))
    return results
