"""Webhook addresses are served by the lean intake handler; every other address by the full site."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import signals
from django.db import close_old_connections
from django.test import RequestFactory

from connector import platforms
from connector.models import ConnectedSystem
from connector.wsgi import application
from syncjobs.models import WebhookDelivery
from tests.support.signedhooks.webhooks import sign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def signed_platform(monkeypatch):
    monkeypatch.setitem(platforms.PLATFORMS, "signedhooks", "tests.support.signedhooks")
    platforms.get_platform.cache_clear()
    yield
    platforms.get_platform.cache_clear()


@pytest.fixture(autouse=True)
def keep_the_test_transaction():
    """As Django's test client does: a request must not close the connection holding the test's
    transaction (the handler's request_started / request_finished close obsolete connections)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def system(org):
    return ConnectedSystem.objects.create(organization=org, platform="signedhooks", role="store",
                                          display_name="Hooks", external_account_id="hooks-1")


def call(environ: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    """Through the WSGI application gunicorn and runserver serve (connector.wsgi)."""
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer["status"], answer["headers"] = int(status.split()[0]), dict(headers)

    chunks = application(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return answer["status"], answer["headers"], body


def webhook(system, body: bytes, **extra: str) -> dict[str, Any]:
    return RequestFactory().post(f"/webhooks/signedhooks/{system.public_id}/", data=body,
                                 content_type="application/json", HTTP_X_TEST_SIGNATURE=sign(body),
                                 HTTP_X_TEST_DELIVERY="d-1", **extra).environ


def test_a_signed_delivery_is_stored_through_the_intake_handler(system):
    status, headers, body = call(webhook(system, b'{"id": 1}'))
    assert (status, body) == (200, b'{"ok": true}')
    assert WebhookDelivery.objects.get().body == '{"id": 1}'
    # No browser middleware (sessions, clickjacking) runs; the answer is still typed and sized.
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Content-Length"] == "12"
    assert "X-Frame-Options" not in headers and "Set-Cookie" not in headers and "Vary" not in headers


def test_a_bad_signature_is_refused_by_the_intake_handler(system):
    environ = webhook(system, b'{"id": 1}')
    environ["HTTP_X_TEST_SIGNATURE"] = sign(b'{"id": 2}')
    status, _headers, _body = call(environ)
    assert status == 401 and not WebhookDelivery.objects.exists()


def test_the_intake_handler_still_refuses_a_host_that_is_not_allowed(system):
    status, _headers, _body = call(webhook(system, b'{"id": 1}', HTTP_HOST="evil.example"))
    assert status == 400 and not WebhookDelivery.objects.exists()


def test_an_address_that_is_no_webhook_route_is_a_404(system):
    environ = webhook(system, b"{}")
    environ["PATH_INFO"] = f"/webhooks/signedhooks/{system.public_id}/extra/"
    status, _headers, _body = call(environ)
    assert status == 404 and not WebhookDelivery.objects.exists()


def test_other_addresses_keep_the_full_site_middleware():
    status, headers, body = call(RequestFactory().get("/livez").environ)
    assert (status, body) == (200, b"ok")
    assert headers["X-Frame-Options"] == "DENY"
