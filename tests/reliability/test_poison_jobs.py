"""A job that always fails, or always kills its worker, is dead-lettered after N attempts and
does not hold up another organisation's work by more than a minute. Real qcluster processes,
a real sweeper, real SIGKILLs."""

from __future__ import annotations

import json
import time

import pytest

pytestmark = pytest.mark.slow

HANDLERS = ",".join([
    "poison.fail=tests.support.poison:always_fail",
    "poison.kill=tests.support.poison:kill_worker",
    "probe=tests.support.poison:probe",
])
MAX_ATTEMPTS = 3

SETUP = """
from accounts.models import Organization
for slug in ("poisoned", "bystander"):
    Organization.objects.get_or_create(slug=slug, defaults={"name": slug.title()})
"""

ENQUEUE = """
from accounts.models import Organization
from syncjobs.ledger import job_enqueue
org = Organization.objects.get(slug=%r)
job = job_enqueue(organization=org, kind=%r, payload={}, dedupe_key=%r)
print(job.pk)
"""

REPORT = """
import json
from syncjobs.models import Job, JobAttempt
rows = []
for job in Job.objects.filter(kind__in=["poison.fail", "poison.kill", "probe"]):
    rows.append({"id": job.pk, "kind": job.kind, "status": job.status, "attempts": job.attempts,
                 "created": job.created_at.timestamp(),
                 "finished": job.finished_at.timestamp() if job.finished_at else None,
                 "error": job.last_error,
                 "lost": JobAttempt.objects.filter(job=job, outcome="lost").count()})
print(json.dumps(rows))
"""


def _report(stack) -> list[dict]:  # type: ignore[no-untyped-def]
    return json.loads(stack.shell(REPORT).strip().splitlines()[-1])


def test_poison_jobs_are_dead_lettered_and_do_not_starve_another_organisation(make_stack) -> None:  # type: ignore[no-untyped-def]
    stack = make_stack(JOB_EXTRA_HANDLERS=HANDLERS, JOB_MAX_ATTEMPTS=str(MAX_ATTEMPTS), JOB_CLAIM_SECONDS="6",
                       JOB_DRAIN_SECONDS="3")
    stack.shell(SETUP)
    stack.start_web(workers=1)
    stack.start_sweeper(every=1.0)
    stack.start_cluster()
    for index in range(2):
        stack.shell(ENQUEUE % ("poisoned", "poison.kill", f"kill-{index}"))
        stack.shell(ENQUEUE % ("poisoned", "poison.fail", f"fail-{index}"))
    # A bystander's job arrives every few seconds while the poison is being handled.
    started = time.monotonic()
    probes = 0
    while time.monotonic() - started < 45:
        stack.shell(ENQUEUE % ("bystander", "probe", f"probe-{probes}"))
        probes += 1
        time.sleep(4)

    def settled() -> bool:
        rows = _report(stack)
        poison_done = all(r["status"] == "dead" for r in rows if r["kind"].startswith("poison"))
        probes_done = all(r["status"] == "succeeded" for r in rows if r["kind"] == "probe")
        return poison_done and probes_done

    stack.wait_until(settled, timeout=240, interval=3, what="every poison job dead-lettered and every probe run")
    rows = _report(stack)
    for row in rows:
        if row["kind"].startswith("poison"):
            assert row["attempts"] == MAX_ATTEMPTS, row
            assert "Gave up after 3 attempts" in row["error"], row
        if row["kind"] == "poison.kill":
            assert row["lost"] == MAX_ATTEMPTS, "each killed attempt is recorded as lost by the sweeper"
    waits = [r["finished"] - r["created"] for r in rows if r["kind"] == "probe"]
    assert len(waits) == probes
    assert max(waits) <= 60, f"a bystander waited {max(waits):.1f} s behind the poison jobs"
