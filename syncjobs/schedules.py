"""django-q2 schedules, created or updated after every migrate (idempotent); a periodic kind
that the application no longer lists loses its schedule."""

from __future__ import annotations

from typing import Any

from syncjobs.registry import periodic_jobs

SWEEP_MINUTES = 1
PERIODIC_PREFIX = "periodic "


def ensure_schedules(**_: Any) -> None:
    from django_q.models import Schedule

    wanted = {"sweep jobs": ("syncjobs.tasks.sweep", "", SWEEP_MINUTES)}
    for kind, minutes in periodic_jobs().items():
        wanted[f"{PERIODIC_PREFIX}{kind}"] = ("syncjobs.tasks.enqueue_periodic", repr(kind), minutes)
    for name, (func, args, minutes) in wanted.items():
        Schedule.objects.update_or_create(
            name=name,
            defaults={"func": func, "args": args or None, "schedule_type": Schedule.MINUTES,
                      "minutes": minutes, "repeats": -1},
        )
    Schedule.objects.filter(name__startswith=PERIODIC_PREFIX).exclude(name__in=list(wanted)).delete()
