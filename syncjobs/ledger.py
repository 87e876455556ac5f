"""The job ledger: enqueue (deduplicated), claim (conditional UPDATE), finish, retry, dead-letter.

django-q2's ORM broker may run a task twice and its Redis broker may lose one, so no guarantee
rests on it: every transition here is a conditional UPDATE on the job row, attempts are counted at
claim time (so an attempt that kills its worker still counts), and the sweeper re-enqueues what a
dead worker left behind.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organization
from syncjobs.models import Job, JobAttempt, JobStatus, QueueTurn, WebhookDelivery

logger = logging.getLogger("syncjobs")

BACKOFF_BASE_SECONDS = 10
BACKOFF_CAP_SECONDS = 3600
_NEVER = datetime(2000, 1, 1, tzinfo=UTC)


def backoff_seconds(attempts: int, retry_after: float | None = None, *, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter, never sooner than the platform asked (Retry-After)."""
    draw: float = rng.random() if rng is not None else random.random()
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    delay = ceiling * (0.75 + 0.5 * draw)
    return float(max(delay, retry_after or 0.0))


def job_enqueue(*, organization: Organization | None, kind: str, payload: dict[str, Any] | None = None,
                dedupe_key: str = "", system: models.Model | None = None, run_after: datetime | None = None,
                delivery: WebhookDelivery | None = None, max_attempts: int | None = None) -> Job:
    """Add a job, or return the pending job that already carries the same dedupe key.

    `system` is the connection the work is for (any model instance: the ledger keeps its id)."""
    run_after = run_after or timezone.now()
    system_id = system.pk if system is not None else None
    if not dedupe_key:
        # No key to collide on, so no savepoint either: this runs inside every webhook request,
        # and a failure rolls the delivery back with it.
        if organization is not None:
            queue_turn_ensure(organization.pk)
        job = Job.objects.create(organization=organization, kind=kind, payload=payload or {}, run_after=run_after,
                                 delivery=delivery, system_id=system_id,
                                 max_attempts=max_attempts or settings.JOB_MAX_ATTEMPTS)
        doorbell_ring_after_commit()
        return job
    for _ in range(5):
        try:
            with transaction.atomic():
                if organization is not None:
                    queue_turn_ensure(organization.pk)
                job = Job.objects.create(
                    organization=organization, system_id=system_id, kind=kind, payload=payload or {},
                    dedupe_key=dedupe_key, run_after=run_after, delivery=delivery,
                    max_attempts=max_attempts or settings.JOB_MAX_ATTEMPTS,
                )
        except IntegrityError:
            if not dedupe_key:
                raise  # not a duplicate: the database refused the row
            existing = Job.objects.filter(dedupe_key=dedupe_key, status=JobStatus.PENDING).first()
            if existing is None:
                continue  # it was claimed between our insert and this read: insert again
            if run_after < existing.run_after:
                Job.objects.filter(pk=existing.pk, status=JobStatus.PENDING).update(run_after=run_after)
            doorbell_ring_after_commit()
            return existing
        doorbell_ring_after_commit()
        return job
    raise IntegrityError(f"Could not enqueue {kind} with key {dedupe_key!r}")


_turns_known: set[int] = set()


def queue_turn_ensure(organization_id: int) -> None:
    """Every organisation with work has a turn row; once seen in this process, skip the query."""
    if organization_id in _turns_known:
        return
    QueueTurn.objects.get_or_create(organization_id=organization_id, defaults={"served_at": _NEVER})
    transaction.on_commit(lambda: _turns_known.add(organization_id))


def doorbell_ring_after_commit() -> None:
    """Wake a worker once per transaction, after it commits (never for uncommitted work)."""
    if getattr(connection, "_connector_doorbell", False):
        return
    connection._connector_doorbell = True  # type: ignore[attr-defined]

    def ring() -> None:
        connection._connector_doorbell = False  # type: ignore[attr-defined]
        _doorbell.ring()

    transaction.on_commit(ring)


class _Doorbell:
    """Rings at most once per interval per process, and always once more after the last request.

    A burst of webhooks needs one wake-up, not one broker message each: a woken worker drains
    every due job. The trailing ring guarantees that work committed just after a ring is never
    left waiting for the sweeper. One thread per process does the ringing, so a request only sets
    a flag (with the ORM broker a ring is a database write, and it was made in the request), and
    that thread keeps its database connection instead of opening one per ring.
    """

    def __init__(self) -> None:
        self._wanted = threading.Event()
        self._lock = threading.Lock()
        self._pid: int | None = None  # the ringer thread belongs to the process that started it

    def ring(self) -> None:
        self._wanted.set()
        if self._pid != os.getpid():
            self._start()

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            threading.Thread(target=self._run, name="doorbell", daemon=True).start()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()  # a ring from now on is answered by the next wake-up
            try:
                wake_workers()
            finally:
                close_old_connections()  # this thread serves no request: age its connection here
            time.sleep(settings.JOB_DOORBELL_INTERVAL_SECONDS)


_doorbell = _Doorbell()


def wake_workers(count: int = 1) -> None:
    if getattr(settings, "JOB_WAKE_WORKERS", True) is False:
        return
    from django_q.tasks import async_task

    for _ in range(count):
        try:
            async_task("syncjobs.tasks.run_due_jobs", task_name="run due jobs", save=False)
        except Exception:  # noqa: BLE001 - the sweeper re-rings; a lost doorbell loses no job
            logger.warning("Could not reach the task broker; the sweeper will wake the workers")


def job_claim_next(*, now: datetime | None = None) -> Job | None:
    """Claim the next due job, serving the organisation that waited longest first.

    Platform-wide jobs (no organisation: planning a webhook delivery) go first: they are short and
    everything else waits on them. Then one index probe per organisation in turn order finds the
    first one with due work, so the cost does not grow with the length of anyone's backlog.
    Plain SQL on purpose: this runs once per job and the ORM's query compilation cost more than
    the queries themselves.
    """
    now = now or timezone.now()
    ops = connection.ops
    at = ops.adapt_datetimefield_value(now)
    job_table, turn_table = Job._meta.db_table, QueueTurn._meta.db_table
    due = f"SELECT id FROM {job_table} WHERE status = 'pending' AND run_after <= %s"  # noqa: S608
    with connection.cursor() as cursor:
        for _ in range(10):
            org_id: int | None = None
            cursor.execute(f"{due} AND organization_id IS NULL ORDER BY run_after, id LIMIT 1", [at])
            row = cursor.fetchone()
            if row is None:
                cursor.execute(
                    f"SELECT t.organization_id FROM {turn_table} t WHERE EXISTS ("  # noqa: S608
                    f"{due} AND organization_id = t.organization_id) ORDER BY t.served_at, t.organization_id LIMIT 1",
                    [at],
                )
                turn = cursor.fetchone()
                org_id = turn[0] if turn else _organization_without_turn(now)
                if org_id is None:
                    return None
                cursor.execute(f"{due} AND organization_id = %s ORDER BY run_after, id LIMIT 1", [at, org_id])
                row = cursor.fetchone()
                if row is None:
                    continue
            token = uuid.uuid4()
            token_db = Job._meta.get_field("claim_token").get_db_prep_value(token, connection)
            until = ops.adapt_datetimefield_value(now + timedelta(seconds=settings.JOB_CLAIM_SECONDS))
            cursor.execute(
                f"UPDATE {job_table} SET status = 'running', claim_token = %s, attempts = attempts + 1, "  # noqa: S608
                "claimed_until = %s, started_at = %s WHERE id = %s AND status = 'pending'",
                [token_db, until, at, row[0]],
            )
            if cursor.rowcount != 1:
                continue  # another worker won this one
            if org_id is not None:
                cursor.execute(f"UPDATE {turn_table} SET served_at = %s WHERE organization_id = %s", [at, org_id])  # noqa: S608
            return Job.objects.get(pk=row[0])
    return None


def _organization_without_turn(now: datetime) -> int | None:
    """Due work of an organisation without a turn row (enqueued around the ledger): give it one."""
    org_id = (
        Job.objects.filter(status=JobStatus.PENDING, run_after__lte=now, organization__isnull=False,
                           organization__queue_turn__isnull=True)
        .order_by("run_after", "id").values_list("organization_id", flat=True).first()
    )
    if org_id is not None:
        QueueTurn.objects.get_or_create(organization_id=org_id, defaults={"served_at": _NEVER})
    return org_id


def _owned(job: Job) -> Any:
    return Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, claim_token=job.claim_token)


def _close_attempt(job: Job, outcome: str, message: str) -> None:
    """One row per finished attempt (an attempt that killed its worker is recorded by the sweeper)."""
    now = timezone.now()
    JobAttempt.objects.bulk_create(
        [JobAttempt(job_id=job.pk, number=job.attempts, started_at=job.started_at or now, finished_at=now,
                    outcome=outcome, message=message[:2000])],
        ignore_conflicts=True,  # the sweeper may already have recorded this attempt as lost
    )


def job_complete(job: Job, result: str = "") -> bool:
    done = _owned(job).update(status=JobStatus.SUCCEEDED, finished_at=timezone.now(), result=result[:2000],
                              claim_token=None, claimed_until=None, last_error="")
    _close_attempt(job, "succeeded", result)
    return bool(done)


def job_fail(job: Job, message: str) -> bool:
    """Permanent failure: stop, and say why in words the bookkeeper can act on."""
    done = _owned(job).update(status=JobStatus.FAILED, finished_at=timezone.now(), last_error=message,
                              claim_token=None, claimed_until=None)
    _close_attempt(job, "failed", message)
    return bool(done)


def job_retry_later(job: Job, message: str, *, retry_after: float | None = None,
                    now: datetime | None = None) -> str:
    """Retryable failure: back off, or dead-letter once the attempts are used up."""
    now = now or timezone.now()
    if job.attempts >= job.max_attempts:
        _owned(job).update(status=JobStatus.DEAD, finished_at=now, claim_token=None, claimed_until=None,
                           last_error=f"Gave up after {job.attempts} attempts. Last error: {message}")
        _close_attempt(job, "dead", message)
        return JobStatus.DEAD
    run_after = now + timedelta(seconds=backoff_seconds(job.attempts, retry_after))
    try:
        with transaction.atomic():
            _owned(job).update(status=JobStatus.PENDING, run_after=run_after, claim_token=None,
                               claimed_until=None, last_error=message)
    except IntegrityError:
        # A newer job with the same key is already waiting and will do the same work.
        _owned(job).update(status=JobStatus.CANCELLED, finished_at=now, claim_token=None, claimed_until=None,
                           last_error=f"Superseded by a newer identical job. Last error: {message}")
        _close_attempt(job, "superseded", message)
        return JobStatus.CANCELLED
    _close_attempt(job, "retry", message)
    return JobStatus.PENDING


def job_progress(job: Job, *, done: int, total: int) -> None:
    Job.objects.filter(pk=job.pk).update(progress_done=done, progress_total=total)


def job_retry_now(*, job: Job) -> Job:
    """A person asked to retry a failed or dead-lettered job: give it a fresh set of attempts."""
    if job.status not in (JobStatus.FAILED, JobStatus.DEAD, JobStatus.CANCELLED):
        return job
    return job_enqueue(organization=job.organization, kind=job.kind, payload=job.payload,
                       dedupe_key=job.dedupe_key, system=job.system, delivery=job.delivery)


def job_cancel_for_system(*, system: models.Model, reason: str) -> int:
    return Job.objects.filter(system_id=system.pk, status=JobStatus.PENDING).update(
        status=JobStatus.CANCELLED, finished_at=timezone.now(), last_error=reason
    )


def due_jobs_exist(now: datetime | None = None) -> bool:
    return Job.objects.filter(status=JobStatus.PENDING, run_after__lte=now or timezone.now()).exists()


def jobs_failing(organization: Organization) -> Any:
    return Job.objects.filter(organization=organization).filter(Q(status=JobStatus.FAILED) | Q(status=JobStatus.DEAD))
