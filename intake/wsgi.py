"""A WSGI handler for webhook intake: Django's own, minus the middleware chain and URL resolver.

Webhook senders are machines. They carry no session, cookie or CSRF token and never see a message
or a login page, yet the site's middleware (sessions, authentication, messages, allauth's context,
clickjacking and security headers for browsers) and the resolver's walk through every site route
ran on every delivery. Under a burst that was a large share of a delivery's cost, because every
microsecond of work is paid several times over by the threads queueing for the interpreter lock
(docs/architecture.md, "Webhook intake"). So intake addresses are served by this subclass of
Django's WSGIHandler, which calls the intake view directly. Everything else is Django's: the
request and response objects, the request_started / request_finished signals (database
connections are looked after as for any request), the host check against ALLOWED_HOSTS, and the
mapping of exceptions to 404, 400 and logged 500 answers.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIHandler
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.utils.log import log_response

from intake.views import receive_webhook

INTAKE_PATH_PREFIX = "/webhooks/"
# The two routes of connector/urls.py ("webhook", "webhook-system"), with the uuid converter's pattern.
INTAKE_ADDRESS = re.compile(r"/webhooks/(?P<platform>[^/]+)/"
                      r"(?:(?P<system>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/)?")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class IntakeHandler(WSGIHandler):
    """Serves /webhooks/ addresses: the intake view, without middleware or URL resolution."""

    def load_middleware(self, is_async: bool = False) -> None:
        """No chain to build: get_response calls the view itself."""

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        try:
            response = _respond(request)
        except Exception as exc:  # noqa: BLE001 - Django's own mapping: 404, 400 for bad input, 500 logged
            response = response_for_exception(request, exc)
        response._resource_closers.append(request.close)  # type: ignore[attr-defined] # as Django's own handler
        return finish_intake_response(request, response)


def finish_intake_response(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """What the site's middleware would have added that a webhook sender needs, and the log line
    Django writes for a refused request."""
    if isinstance(response, HttpResponse) and not response.has_header("Content-Length"):
        # As CommonMiddleware does for the site: a length lets the connection be kept alive
        # without chunked encoding.
        response.headers["Content-Length"] = str(len(response.content))
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.status_code >= 400:
        log_response("%s: %s", response.reason_phrase, request.path,
                     response=response, request=request)  # type: ignore[arg-type] # any response is logged
    return response


def _respond(request: HttpRequest) -> HttpResponseBase:
    request.get_host()  # refuses a host outside ALLOWED_HOSTS, as CommonMiddleware does for the site
    address = INTAKE_ADDRESS.fullmatch(request.path_info)
    if address is None:
        raise Http404("No webhook address here")
    system = address["system"]
    return receive_webhook(request, address["platform"], uuid.UUID(system) if system else None)


def with_intake(site: WSGIApp, intake: WSGIApp | None = None) -> WSGIApp:
    """The site's application, with webhook addresses answered by the intake handler."""
    intake = intake or IntakeHandler()

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(INTAKE_PATH_PREFIX):
            return intake(environ, start_response)
        return site(environ, start_response)

    return application
