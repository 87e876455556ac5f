from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from syncjobs.ledger import job_claim_next, job_enqueue
from syncjobs.models import Job, JobStatus


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_job_exactly_one_wins(org):
    if connection.vendor != "postgresql":
        pytest.skip("the claim race runs on PostgreSQL (set DATABASE_URL); SQLite serialises writers anyway")
    for round_no in range(20):
        job = job_enqueue(organization=org, kind="noop", dedupe_key=f"race:{round_no}")
        barrier = threading.Barrier(2)
        winners: list[int] = []

        def worker() -> None:
            try:
                barrier.wait()
                claimed = job_claim_next()
                if claimed is not None:
                    winners.append(claimed.pk)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert winners == [job.pk], f"round {round_no}: {winners}"
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING and job.attempts == 1
        Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED)


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_enqueues_leave_one_pending_job(org):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for truly concurrent writers (set DATABASE_URL)")
    barrier = threading.Barrier(8)
    ids: list[int] = []

    def producer() -> None:
        try:
            barrier.wait()
            ids.append(job_enqueue(organization=org, kind="noop", dedupe_key="item:42").pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=producer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 1
    assert Job.objects.filter(dedupe_key="item:42", status=JobStatus.PENDING).count() == 1
