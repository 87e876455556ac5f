"""One organisation with 10,000 queued jobs does not starve another's work: real workers claim
in turn by organisation, so the bystander's jobs finish within a minute (p95) while the large
backlog is still far from done."""

from __future__ import annotations

import json
import statistics
import time

import pytest

pytestmark = pytest.mark.slow

HANDLERS = "busy=tests.support.poison:busy,probe=tests.support.poison:probe"
BACKLOG = 10_000
PROBES = 20

FLOOD = """
from django.utils import timezone
from accounts.models import Organization
from syncjobs.models import Job, QueueTurn
flood, _ = Organization.objects.get_or_create(slug="flood", defaults={"name": "Flood"})
Organization.objects.get_or_create(slug="bystander", defaults={"name": "Bystander"})
now = timezone.now()
Job.objects.bulk_create([Job(organization=flood, kind="busy", run_after=now) for _ in range(%d)], batch_size=2000)
print(Job.objects.filter(kind="busy").count())
"""

ENQUEUE = """
from accounts.models import Organization
from syncjobs.ledger import job_enqueue
job_enqueue(organization=Organization.objects.get(slug="bystander"), kind="probe", payload={})
"""

REPORT = """
import json
from syncjobs.models import Job
probes = [(j.created_at.timestamp(), j.finished_at.timestamp() if j.finished_at else None)
          for j in Job.objects.filter(kind="probe")]
left = Job.objects.filter(kind="busy", status="pending").count()
print(json.dumps({"probes": probes, "backlog_left": left}))
"""


def test_a_large_backlog_does_not_starve_another_organisation(make_stack) -> None:  # type: ignore[no-untyped-def]
    stack = make_stack(JOB_EXTRA_HANDLERS=HANDLERS)
    assert int(stack.shell(FLOOD % BACKLOG).strip().splitlines()[-1]) == BACKLOG
    stack.start_web(workers=1)
    stack.start_sweeper(every=1.0)
    stack.start_cluster()
    time.sleep(3)  # the workers are busy with the flood before the first probe arrives
    for _ in range(PROBES):
        stack.shell(ENQUEUE)
        time.sleep(0.5)

    def report() -> dict:
        return json.loads(stack.shell(REPORT).strip().splitlines()[-1])

    stack.wait_until(lambda: all(done for _, done in report()["probes"]), timeout=180, interval=2,
                     what="every bystander job to finish")
    final = report()
    waits = sorted(done - created for created, done in final["probes"])
    p95 = waits[int(0.95 * (len(waits) - 1))]
    assert len(waits) == PROBES
    assert p95 < 60, f"p95 wait {p95:.1f} s (median {statistics.median(waits):.1f} s)"
    assert final["backlog_left"] > BACKLOG // 2, "the flood must still be queued: fairness, not an empty queue"
