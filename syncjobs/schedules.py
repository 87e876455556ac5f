"""django-q2 schedules, created or updated after every migrate (idempotent)."""

from __future__ import annotations

from typing import Any

from syncjobs.registry import PERIODIC_JOBS

SWEEP_MINUTES = 1


def ensure_schedules(**_: Any) -> None:
    from django_q.models import Schedule

    wanted = {"sweep jobs": ("syncjobs.tasks.sweep", "", SWEEP_MINUTES)}
    for kind, (_role, minutes) in PERIODIC_JOBS.items():
        wanted[f"periodic {kind}"] = ("syncjobs.tasks.enqueue_periodic", repr(kind), minutes)
    for name, (func, args, minutes) in wanted.items():
        Schedule.objects.update_or_create(
            name=name,
            defaults={"func": func, "args": args or None, "schedule_type": Schedule.MINUTES,
                      "minutes": minutes, "repeats": -1},
        )
