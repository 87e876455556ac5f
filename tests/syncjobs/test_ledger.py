from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from connector.platforms.base import PermanentError, RetryableError
from syncjobs import registry
from syncjobs.ledger import job_claim_next, job_enqueue
from syncjobs.models import Job, JobAttempt, JobStatus
from syncjobs.runner import job_run, run_due_jobs
from syncjobs.sweeper import sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing_kinds(monkeypatch):
    """Register handlers that fail in chosen ways (the ledger under test is real)."""
    calls: list[str] = []

    def retryable(job):
        calls.append("retryable")
        raise RetryableError("QuickBooks answered HTTP 503", retry_after=None)

    def permanent(job):
        calls.append("permanent")
        raise PermanentError("Item SKU-1 has no income account")

    def slow_retry_after(job):
        raise RetryableError("throttled", retry_after=120)

    handlers = {"test.retryable": retryable, "test.permanent": permanent, "test.retry_after": slow_retry_after}
    real = registry.job_handlers()
    monkeypatch.setattr(registry, "job_handlers", lambda: {**real, **handlers})
    return calls


def test_duplicate_enqueue_collapses_to_one_pending_job(org):
    first = job_enqueue(organization=org, kind="noop", dedupe_key="refresh:item:12")
    second = job_enqueue(organization=org, kind="noop", dedupe_key="refresh:item:12")
    assert first.pk == second.pk
    assert Job.objects.filter(status=JobStatus.PENDING).count() == 1


def test_a_new_job_with_the_same_key_is_allowed_once_the_first_is_running(org):
    first = job_enqueue(organization=org, kind="noop", dedupe_key="push:store:1")
    claimed = job_claim_next()
    assert claimed.pk == first.pk
    second = job_enqueue(organization=org, kind="noop", dedupe_key="push:store:1")
    assert second.pk != first.pk


def test_it_runs_a_job_to_completion_and_records_the_attempt(org):
    job = job_enqueue(organization=org, kind="noop")
    assert run_due_jobs(max_seconds=5) == 1
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.attempts == 1
    assert JobAttempt.objects.get(job=job).outcome == "succeeded"


def test_retryable_failure_is_rescheduled_with_growing_delay(org, failing_kinds):
    job = job_enqueue(organization=org, kind="test.retryable")
    delays = []
    for _ in range(3):
        now = timezone.now() + timedelta(days=1) * len(delays)
        claimed = job_claim_next(now=now + timedelta(days=1))
        assert claimed is not None
        before = timezone.now()
        assert job_run(claimed) == JobStatus.PENDING
        claimed.refresh_from_db()
        delays.append((claimed.run_after - before).total_seconds())
    assert delays[0] < delays[1] < delays[2]
    assert job.__class__.objects.get(pk=job.pk).last_error == "QuickBooks answered HTTP 503"


def test_retry_after_is_honoured(org, failing_kinds):
    job_enqueue(organization=org, kind="test.retry_after")
    claimed = job_claim_next()
    job_run(claimed)
    claimed.refresh_from_db()
    assert (claimed.run_after - timezone.now()).total_seconds() >= 119


def test_permanent_failure_stops_with_its_message(org, failing_kinds):
    job = job_enqueue(organization=org, kind="test.permanent")
    run_due_jobs(max_seconds=5)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.last_error == "Item SKU-1 has no income account"
    assert failing_kinds == ["permanent"]


def test_it_dead_letters_after_max_attempts(org, failing_kinds, settings):
    job = job_enqueue(organization=org, kind="test.retryable", max_attempts=3)
    later = timezone.now()
    for _ in range(3):
        later += timedelta(days=1)
        claimed = job_claim_next(now=later)
        job_run(claimed)
    job.refresh_from_db()
    assert job.status == JobStatus.DEAD
    assert "Gave up after 3 attempts" in job.last_error
    assert job_claim_next(now=later + timedelta(days=1)) is None


def test_attempts_that_killed_their_worker_count_towards_dead_letter(org):
    job = job_enqueue(organization=org, kind="noop", max_attempts=2)
    now = timezone.now()
    for _ in range(2):
        claimed = job_claim_next(now=now)
        assert claimed is not None  # ... and the worker dies here: nothing is recorded
        now += timedelta(hours=2)
        sweep(now=now)
        now += timedelta(hours=2)
    job.refresh_from_db()
    assert job.status == JobStatus.DEAD
    assert "worker stopped" in job.last_error
    assert list(JobAttempt.objects.filter(job=job).values_list("outcome", flat=True)) == ["lost", "lost"]


def test_sweeper_requeues_an_expired_claim(org):
    job = job_enqueue(organization=org, kind="noop")
    job_claim_next()
    later = timezone.now() + timedelta(hours=1)
    counts = sweep(now=later)
    job.refresh_from_db()
    assert counts["requeued"] == 1
    assert job.status == JobStatus.PENDING
    assert job.claim_token is None


def test_sweeper_wakes_workers_for_a_pending_job_never_delivered(org, settings, monkeypatch):
    woken: list[int] = []
    monkeypatch.setattr("syncjobs.sweeper.wake_workers", lambda count=1: woken.append(count))
    job_enqueue(organization=org, kind="noop")  # its doorbell was "lost" (wake disabled in tests)
    counts = sweep()
    assert counts["woken"] == 1 and woken == [1]


def test_a_late_worker_cannot_overwrite_the_outcome_of_a_reclaimed_job(org):
    job_enqueue(organization=org, kind="noop")
    first = job_claim_next()
    sweep(now=timezone.now() + timedelta(hours=1))
    second = job_claim_next(now=timezone.now() + timedelta(hours=2))
    assert second.pk == first.pk and second.claim_token != first.claim_token
    from syncjobs.ledger import job_complete

    assert job_complete(first, "late") is False
    assert job_complete(second, "on time") is True


def test_a_busy_organisation_does_not_starve_another(org, other_org):
    for i in range(50):
        job_enqueue(organization=org, kind="noop", dedupe_key=f"busy:{i}")
    job_claim_next()  # the busy organisation is served once
    job_enqueue(organization=other_org, kind="noop")
    nxt = job_claim_next()
    assert nxt.organization_id == other_org.pk
