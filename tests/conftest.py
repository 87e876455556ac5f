"""Shared fixtures: personas (bookkeeper, client, outsider) and organisations with systems."""

from __future__ import annotations

import os

os.environ.setdefault("CONNECTOR_TESTING", "1")
os.environ.setdefault("CONNECTOR_EMULATORS", "1")

import pytest  # noqa: E402
from django.conf import settings  # noqa: E402


@pytest.fixture(autouse=True)
def _no_doorbell(settings: settings) -> None:  # type: ignore[valid-type]
    """Tests run jobs explicitly; the django-q doorbell stays quiet unless a test rings it."""
    settings.JOB_WAKE_WORKERS = False


@pytest.fixture(autouse=True)
def _own_rate_limits(settings: settings) -> None:  # type: ignore[valid-type]
    """Rate-limit windows and blocks live in Redis when REDIS_URL is set; the database rolls back
    after each test but Redis does not, so each test counts in its own namespace."""
    import uuid

    settings.RATE_LIMIT_NAMESPACE = f"test-{uuid.uuid4().hex[:12]}:"


@pytest.fixture(autouse=True)
def _fresh_webhook_connections() -> None:
    """Each test's connections are new rows (the database rolls back); forget earlier tests' ones."""
    from intake.connections import forget_all

    forget_all()


@pytest.fixture
def org(db):  # type: ignore[no-untyped-def]
    from accounts.models import Organization

    return Organization.objects.create(name="Acme Books", slug="acme")


@pytest.fixture
def other_org(db):  # type: ignore[no-untyped-def]
    from accounts.models import Organization

    return Organization.objects.create(name="Other Co", slug="other")


def _user(django_user_model, email: str, **extra):  # type: ignore[no-untyped-def]
    user = django_user_model.objects.create_user(username=email, email=email, password="correct horse 1", **extra)
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def bookkeeper(db, django_user_model, org):  # type: ignore[no-untyped-def]
    from accounts.models import Membership, Role

    user = _user(django_user_model, "bookkeeper@example.com", is_staff=True)
    Membership.objects.create(user=user, organization=org, role=Role.BOOKKEEPER)
    return user


@pytest.fixture
def client_user(db, django_user_model, org):  # type: ignore[no-untyped-def]
    from accounts.models import Membership, Role

    user = _user(django_user_model, "client@example.com")
    Membership.objects.create(user=user, organization=org, role=Role.OWNER)
    return user


@pytest.fixture
def outsider(db, django_user_model, other_org):  # type: ignore[no-untyped-def]
    from accounts.models import Membership, Role

    user = _user(django_user_model, "outsider@example.com", is_staff=True)
    Membership.objects.create(user=user, organization=other_org, role=Role.BOOKKEEPER)
    return user


@pytest.fixture
def emulator_url(django_db_setup, live_server, settings):  # type: ignore[no-untyped-def]
    """Base URL of a platform's emulator on a real HTTP server; webhooks come back to it too.

    django_db_setup comes first so the session's live server starts after the in-memory test
    database exists and shares its connection (otherwise SQLite table locks break HTTP calls made
    inside an open transaction, e.g. a token refresh under the connection's row lock)."""
    settings.CONNECTOR_PUBLIC_URL = live_server.url
    settings.EMULATOR_WEBHOOK_DELIVERY = "sync"

    def url(platform: str) -> str:
        return f"{live_server.url}/_emulators/{platform}"

    return url
