"""A WSGI handler for webhook intake: Django's own, with the middleware a sender needs.

Webhook senders are machines. They carry no session, cookie or CSRF token and never see a
message or a login page, yet the site's middleware (sessions, authentication, messages, allauth's
context, clickjacking headers) did its work on every delivery: under a burst that was a third of a
delivery's cost (docs/benchmarks.md, "Webhook intake"). Intake addresses are therefore served by a
second instance of Django's WSGIHandler whose chain is settings.INTAKE_MIDDLEWARE (security
headers, host and user-agent checks). Everything else is Django's: the request and response
objects, URL resolution, signals (so database connections are looked after as for any request),
and exception handling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

INTAKE_PATH_PREFIX = "/webhooks/"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class IntakeHandler(WSGIHandler):
    """WSGIHandler whose middleware chain is INTAKE_MIDDLEWARE instead of MIDDLEWARE."""

    def load_middleware(self, is_async: bool = False) -> None:
        # Django builds the chain from settings.MIDDLEWARE; it is built once, at start-up, before any
        # request is served, so the setting is swapped only for that moment.
        site_middleware = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.INTAKE_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = site_middleware


def with_intake(site: WSGIApp, intake: WSGIApp | None = None) -> WSGIApp:
    """The site's application, with webhook addresses answered by the intake handler."""
    intake = intake or IntakeHandler()

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(INTAKE_PATH_PREFIX):
            return intake(environ, start_response)
        return site(environ, start_response)

    return application
