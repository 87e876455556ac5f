from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from syncjobs.models import Heartbeat
from syncjobs.sweeper import sweep

pytestmark = pytest.mark.django_db


def test_healthz_is_200_when_database_broker_and_sweeper_are_fine(client):
    sweep()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["broker"] == "ok"


def test_healthz_is_503_when_the_sweeper_has_not_run_recently(client):
    Heartbeat.objects.create(name="sweeper", beat_at=timezone.now() - timedelta(minutes=30))
    response = client.get("/healthz")
    assert response.status_code == 503
    words = response.json()["sweeper"].split()  # "ran 1800 s ago", a second or two more on a busy machine
    assert words[0] == "ran" and 1800 <= int(words[1]) < 1860 and words[2:] == ["s", "ago"]


def test_healthz_is_503_when_the_sweeper_never_ran(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["sweeper"] == "never ran"


def test_healthz_is_503_when_the_broker_does_not_answer(client, settings):
    sweep()
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] != "ok"
