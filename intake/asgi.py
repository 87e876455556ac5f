"""Webhook intake on an event loop: the ASGI application gunicorn serves with uvicorn's worker.

Under a burst, a thread-per-request server spent more on handing the interpreter lock between
its threads than on the deliveries: every waiting request held a thread, and each of them had to
be woken once its row was written (docs/architecture.md, "Webhook intake"). Here a delivery is
read, checked and answered on the loop, and only its row goes to a thread: the process's one
intake writer, which writes whatever rows were handed in meanwhile in one statement
(intake.group_commit.AsyncGroupCommit). The checks are the intake view's own
(intake.views.checked_delivery), and nothing is answered 2xx before its row committed.

The loop runs a delivery itself only when nothing in it can block: a platform whose checks are
local (WebhookModule.CHECKS_ARE_LOCAL) and, for an address naming a connection, a connection
this process remembers. Everything else (the first delivery to a connection, eBay's key lookups,
WooCommerce's key hand-over, and every page of the site) is served by the WSGI application in a
pool of threads, exactly as under the threaded server.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.handlers.asgi import ASGIRequest
from django.core.handlers.exception import response_for_exception
from django.http import HttpResponse, HttpResponseBase

from connector.models import ConnectedSystem
from connector.platforms import PLATFORMS, get_platform
from intake.connections import remembered_webhook_system
from intake.store import delivery_receive_async
from intake.views import checked_delivery, not_stored, stored
from intake.wsgi import INTAKE_ADDRESS, INTAKE_PATH_PREFIX, finish_intake_response

if TYPE_CHECKING:
    from connector.platforms.contracts import WebhookModule

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ClientGone(Exception):
    """The sender disconnected before its body was read."""


class AsyncIntake:
    """Answers the webhook deliveries it can on the loop; hands everything else to `site`."""

    def __init__(self, site: ASGIApp) -> None:
        self.site = site

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = _loop_route(scope) if scope["type"] == "http" else None
        if route is None:
            await self.site(scope, receive, send)
            return
        platform, hooks, system = route
        response: HttpResponseBase
        try:
            request = ASGIRequest(scope, io.BytesIO(await _read_body(receive)))
        except ClientGone:
            return  # nothing to answer, and nothing was stored
        except RequestDataTooBig as exc:
            request = ASGIRequest(scope, io.BytesIO())
            response = response_for_exception(request, exc)
        else:
            response = await _respond(request, platform, hooks, system)
        await _send_response(send, finish_intake_response(request, response))


def _loop_route(scope: Scope) -> tuple[str, WebhookModule, ConnectedSystem | None] | None:
    """(platform, its webhooks module, connection or None) when the delivery can be answered on the loop."""
    path = scope["path"]
    if not path.startswith(INTAKE_PATH_PREFIX) or settings.FORCE_SCRIPT_NAME or scope.get("root_path"):
        return None
    address = INTAKE_ADDRESS.fullmatch(path)
    if address is None or address["platform"] not in PLATFORMS:
        return None
    platform = address["platform"]
    hooks = get_platform(platform).webhooks_module()
    if hooks is None or not hooks.CHECKS_ARE_LOCAL:
        return None
    if address["system"] is None:
        return platform, hooks, None
    system = remembered_webhook_system(platform, uuid.UUID(address["system"]))
    return None if system is None else (platform, hooks, system)


async def _respond(request: ASGIRequest, platform: str, hooks: WebhookModule,
                   system: ConnectedSystem | None) -> HttpResponseBase:
    try:
        request.get_host()  # refuses a host outside ALLOWED_HOSTS, as the threaded intake does
        checked = checked_delivery(request, platform, hooks, system)
    except Exception as exc:  # noqa: BLE001 - Django's own mapping: 400 for bad input, 500 logged
        return response_for_exception(request, exc)
    if isinstance(checked, HttpResponseBase):
        return checked
    try:
        await delivery_receive_async(checked)
    except Exception:  # noqa: BLE001 - DatabaseError or the writer's own failure: not stored either way
        return not_stored(platform)
    return stored()


async def _read_body(receive: Receive) -> bytes:
    """The whole body, refusing one larger than Django would accept before it is all in memory."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send_response(send: Send, response: HttpResponseBase) -> None:
    headers = [(name.encode("latin1"), value.encode("latin1")) for name, value in response.items()]
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    body = response.content if isinstance(response, HttpResponse) else b""
    await send({"type": "http.response.body", "body": body})
    response.close()
