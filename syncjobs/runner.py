"""Run claimed jobs: call the handler, record the outcome, map errors to retry or stop."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from django.conf import settings

from syncjobs import registry
from syncjobs.inbox_queue import deliveries_queue_planning
from syncjobs.ledger import job_claim_next, job_complete, job_fail, job_retry_later
from syncjobs.models import Job
from syncjobs.outcomes import PermanentError, RetryableError, outcome_message

logger = logging.getLogger("syncjobs")

# How often a draining worker looks for deliveries stored since it last looked. Planning jobs are
# served first, so a delivery waits at most this long plus the job under way.
INBOX_LOOK_SECONDS = 0.1


def job_run(job: Job) -> str:
    """Run one claimed job; return the status it ended in."""
    if not registry.is_known(job.kind):
        job_fail(job, f"No handler for job kind {job.kind!r}; this version of the connector cannot run it.")
        return "failed"
    try:
        result = registry.handler_for(job.kind)(job)
    except RetryableError as exc:
        logger.info("job %s %s will retry: %s", job.pk, job.kind, outcome_message(exc))
        return job_retry_later(job, outcome_message(exc), retry_after=exc.retry_after)
    except PermanentError as exc:
        logger.info("job %s %s failed: %s", job.pk, job.kind, outcome_message(exc))
        job_fail(job, outcome_message(exc))
        return "failed"
    except Exception as exc:  # a bug or a database hiccup: retry with backoff, dead-letter in the end
        logger.exception("job %s %s raised", job.pk, job.kind)
        return job_retry_later(job, f"Unexpected error ({type(exc).__name__}): {exc}")
    job_complete(job, result or "")
    return "succeeded"


def run_due_jobs(*, max_seconds: float | None = None, max_jobs: int | None = None,
                 now: datetime | None = None) -> int:
    """Claim and run due jobs until none is left, the time budget is spent, or max_jobs ran.

    Deliveries stored since the last look get their planning jobs first (syncjobs.inbox_queue).
    """
    budget = settings.JOB_DRAIN_SECONDS if max_seconds is None else max_seconds
    deadline = time.monotonic() + budget
    next_look = 0.0
    ran = 0
    while time.monotonic() < deadline and (max_jobs is None or ran < max_jobs):
        if time.monotonic() >= next_look:
            deliveries_queue_planning()
            next_look = time.monotonic() + INBOX_LOOK_SECONDS
        job = job_claim_next(now=now)
        if job is None:
            if deliveries_queue_planning():
                continue  # stored since the last look
            break
        job_run(job)
        ran += 1
    return ran
