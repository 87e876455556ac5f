"""Webhook intake: verify over the raw body, store, answer. Nothing else happens here.

The checks (address, signature, identity) are shared by the two servers that answer webhooks:
this view, which Django calls in a request thread, and intake.asgi, which runs them on
the event loop and awaits the write.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import TYPE_CHECKING

from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from connector.models import ConnectedSystem
from connector.platforms import PLATFORMS, get_platform
from intake.connections import webhook_system
from intake.store import Delivery, delivery_receive, delivery_row

if TYPE_CHECKING:
    from connector.platforms.contracts import WebhookModule

logger = logging.getLogger("intake")
_STORED = b'{"ok": true}'  # the same answer every time: no need to encode it per delivery


@csrf_exempt
def receive_webhook(request: HttpRequest, platform: str, system_uuid: uuid.UUID | None = None) -> HttpResponseBase:
    hooks = webhook_hooks(platform)
    system = None
    if system_uuid is not None:
        system = webhook_system(platform, system_uuid)
        if system is None:
            raise Http404("Unknown connection")
    checked = checked_delivery(request, platform, hooks, system)
    if isinstance(checked, HttpResponseBase):
        return checked
    try:
        delivery_receive(checked)
    except DatabaseError:
        return not_stored(platform)
    return stored()


def webhook_hooks(platform: str) -> WebhookModule:
    hooks = get_platform(platform).webhooks_module() if platform in PLATFORMS else None
    if hooks is None:  # an unknown platform, or one that sends no webhooks (OpenCart)
        raise Http404("No webhook address here")
    return hooks


def checked_delivery(request: HttpRequest, platform: str, hooks: WebhookModule,
                     system: ConnectedSystem | None) -> HttpResponseBase | Delivery:
    """The delivery to store, or the answer to give instead (an early answer, 405, 401)."""
    early = hooks.answer_unverified(request, system)
    if early is not None:
        return early
    if request.method != "POST":
        return HttpResponse(status=405)
    body = request.body
    if not hooks.verify(request, body, system):
        logger.warning("%s webhook refused: bad or missing signature (%d bytes)", platform, len(body))
        return JsonResponse({"error": "invalid signature"}, status=401)
    delivery_id = hooks.delivery_id(request, body) or "sha256:" + hashlib.sha256(body).hexdigest()
    return delivery_row(platform=platform, delivery_id=delivery_id, body=body, headers=request.headers,
                        topic=hooks.topic(request, body), system=system,
                        kept_header_prefixes=hooks.KEPT_HEADERS)


def stored() -> HttpResponse:
    return HttpResponse(_STORED, content_type="application/json")


def not_stored(platform: str) -> HttpResponse:
    # No 2xx without a committed row: the sender will retry.
    logger.exception("%s webhook could not be stored", platform)
    return JsonResponse({"error": "temporarily unavailable"}, status=503)
