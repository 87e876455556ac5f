"""/healthz: the database answers, the broker answers, and the sweeper ran recently."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from syncjobs.models import Heartbeat, Job, JobStatus

SWEEPER_STALE_AFTER = timedelta(minutes=5)


def _check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy; say which
        return False, type(exc).__name__


def _check_broker() -> tuple[bool, str]:
    if not settings.REDIS_URL:
        return _check_database()  # the ORM broker lives in the database
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
        return True, "ok"
    except Exception as exc:  # noqa: BLE001
        return False, type(exc).__name__


def livez(request: HttpRequest) -> HttpResponse:
    """Liveness only (the process answers); no database or broker check, for load balancers."""
    return HttpResponse("ok", content_type="text/plain")


def healthz(request: HttpRequest) -> JsonResponse:
    db_ok, db_detail = _check_database()
    broker_ok, broker_detail = _check_broker()
    sweeper_ok, sweeper_detail, backlog = False, "never ran", None
    if db_ok:
        beat = Heartbeat.objects.filter(name="sweeper").values_list("beat_at", flat=True).first()
        if beat is not None:
            age = timezone.now() - beat
            sweeper_ok = age < SWEEPER_STALE_AFTER
            sweeper_detail = f"ran {int(age.total_seconds())} s ago"
        backlog = Job.objects.filter(status=JobStatus.PENDING, run_after__lte=timezone.now()).count()
    healthy = db_ok and broker_ok and sweeper_ok
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", "database": db_detail, "broker": broker_detail,
         "sweeper": sweeper_detail, "due_jobs": backlog},
        status=200 if healthy else 503,
    )
