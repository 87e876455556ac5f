"""The connector's job kinds: last success recorded, periodic work fanned out, schedules kept."""

from __future__ import annotations

import pytest
from django_q.models import Schedule

from connector.jobs import JOB_HANDLERS, PERIODIC_JOBS
from connector.models import ConnectedSystem, SystemStatus
from syncjobs.ledger import job_enqueue
from syncjobs.models import Job, JobStatus
from syncjobs.runner import run_due_jobs
from syncjobs.schedules import ensure_schedules
from syncjobs.tasks import enqueue_periodic

pytestmark = pytest.mark.django_db


def _system(org, platform: str, role: str, account: str, **extra) -> ConnectedSystem:  # type: ignore[no-untyped-def]
    return ConnectedSystem.objects.create(organization=org, platform=platform, role=role, display_name=account,
                                          external_account_id=account, **extra)


def test_a_successful_job_records_its_connection_last_success(org) -> None:  # type: ignore[no-untyped-def]
    store = _system(org, "shopify", "store", "s.myshopify.com")
    job_enqueue(organization=org, system=store, kind="stock.push", payload={"system_id": store.pk})
    assert run_due_jobs(max_seconds=10) == 1
    assert Job.objects.get(kind="stock.push").status == JobStatus.SUCCEEDED
    store.refresh_from_db()
    assert store.last_success_at is not None


def test_a_failed_job_records_no_success(org) -> None:  # type: ignore[no-untyped-def]
    store = _system(org, "shopify", "store", "gone.myshopify.com", status=SystemStatus.DISCONNECTED)
    job_enqueue(organization=org, system=store, kind="stock.push", payload={"system_id": store.pk})
    run_due_jobs(max_seconds=10)
    assert Job.objects.get(kind="stock.push").status == JobStatus.FAILED
    store.refresh_from_db()
    assert store.last_success_at is None


def test_the_periodic_reconcile_fans_out_to_every_active_company_only(org, other_org) -> None:  # type: ignore[no-untyped-def]
    active = [_system(org, "quickbooks", "accounting", "111"), _system(other_org, "quickbooks", "accounting", "222")]
    _system(org, "quickbooks", "accounting", "333", status=SystemStatus.NEEDS_RECONNECT)
    _system(org, "shopify", "store", "s.myshopify.com")
    enqueue_periodic("stock.reconcile.every_company")
    enqueue_periodic("stock.reconcile.every_company")  # a second tick while the first waits: one job
    assert Job.objects.filter(kind="stock.reconcile.every_company", status=JobStatus.PENDING).count() == 1
    from syncjobs.ledger import job_claim_next
    from syncjobs.runner import job_run

    job = job_claim_next()
    assert job is not None and job.kind == "stock.reconcile.every_company"  # no organisation: served first
    assert job_run(job) == "succeeded"
    reconciles = Job.objects.filter(kind="stock.reconcile", status=JobStatus.PENDING)
    assert sorted(reconciles.values_list("system_id", flat=True)) == sorted(s.pk for s in active)


def test_the_periodic_poll_fans_out_to_every_active_store(org) -> None:  # type: ignore[no-untyped-def]
    store = _system(org, "woocommerce", "store", "https://shop.example")
    _system(org, "quickbooks", "accounting", "111")
    enqueue_periodic("orders.poll.every_store")
    run_due_jobs(max_seconds=10, max_jobs=1)
    assert list(Job.objects.filter(kind="orders.poll").values_list("system_id", flat=True)) == [store.pk]


def test_every_periodic_kind_has_a_handler_and_a_schedule_and_stale_ones_go() -> None:
    assert set(PERIODIC_JOBS) <= set(JOB_HANDLERS)
    Schedule.objects.create(name="periodic stock.reconcile", func="syncjobs.tasks.enqueue_periodic",
                            args="'stock.reconcile'", schedule_type=Schedule.MINUTES, minutes=15)
    ensure_schedules()
    periodic = dict(Schedule.objects.filter(name__startswith="periodic ").values_list("name", "minutes"))
    assert periodic == {f"periodic {kind}": minutes for kind, minutes in PERIODIC_JOBS.items()}
    assert Schedule.objects.filter(name="sweep jobs", func="syncjobs.tasks.sweep").exists()
