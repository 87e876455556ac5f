"""QuickBooks webhooks: verification, identity and parsing (protocol: base.WebhookModule).

Reference pack section 6: `intuit-signature` = base64(HMAC-SHA256(verifier token, raw body)),
the same for the legacy `eventNotifications` body and the CloudEvents array (which must be
accepted as `application/cloudevents+json` too, and may mix realms: UNCONFIRMED, so every event
carries its own realm). Whether a sale also fires an Item event is UNCONFIRMED: sales documents
become `document.changed` so the planner re-reads the items they reference.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings

from connector.platforms.base import WebhookEvent
from connector.platforms.quickbooks.mapping import parse_time

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from connector.models import ConnectedSystem


# Signature, id and topic come from the request alone, so intake may run them on its event loop.
CHECKS_ARE_LOCAL = True
# Headers the planner reads later (and support reads in the admin); intake keeps only these.
KEPT_HEADERS = ("intuit-", "ce-")
DOCUMENTS = {"invoice": "Invoice", "salesreceipt": "SalesReceipt", "creditmemo": "CreditMemo",
             "refundreceipt": "RefundReceipt"}
CE_OPERATIONS = {"created": "Create", "updated": "Update", "deleted": "Delete", "merged": "Merge",
                 "voided": "Void", "emailed": "Emailed"}


def signature(body: bytes, token: str) -> str:
    return base64.b64encode(hmac.new(token.encode(), body, hashlib.sha256).digest()).decode()


def signature_is_valid(body: bytes, received: str, token: str) -> bool:
    if not token or not received:
        return False  # no verifier token configured: nothing can be trusted
    return hmac.compare_digest(signature(body, token).encode(), received.strip().encode())


def answer_unverified(request: HttpRequest, system: ConnectedSystem | None) -> HttpResponse | None:
    return None


def verify(request: HttpRequest, body: bytes, system: ConnectedSystem | None) -> bool:
    return signature_is_valid(body, request.headers.get("intuit-signature", ""),
                              settings.QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN or "")


def delivery_id(request: HttpRequest, body: bytes) -> str:
    """CloudEvents: the events' ids joined (the same ids come back on a retry). Legacy: "" so the
    intake uses a hash of the body (Intuit resends the same bytes)."""
    if _top_level(body) != "[":
        return ""  # only an array can carry event ids: no need to parse the body in the request
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return ""
    if isinstance(payload, list):
        ids = sorted(str(e.get("id")) for e in payload if isinstance(e, dict) and e.get("id"))
        if ids:
            joined = ",".join(ids)
            return "ce:" + (joined if len(joined) <= 200 else hashlib.sha256(joined.encode()).hexdigest())
    return ""


def topic(request: HttpRequest, body: bytes) -> str:
    """A label for the stored delivery, from the body's first character; parsing, later, decides
    whether the body is readable at all."""
    return {"[": "cloudevents", "{": "eventNotifications"}.get(_top_level(body), "")


def _top_level(body: bytes) -> str:
    return body.lstrip(b" \t\r\n")[:1].decode("ascii", errors="replace")


def _event(entity: str, operation: str, realm: str, ident: str, when: Any, extra: dict[str, Any]) -> WebhookEvent | None:
    name = entity.lower()
    data = {"entity": entity, "operation": operation, **extra}
    occurred = parse_time(when)
    if name == "item":
        kind = "item.deleted" if operation == "Delete" else "item.changed"
        return WebhookEvent(kind=kind, account=realm, object_type="Item", object_ids=(ident,), occurred_at=occurred,
                            data=data)
    if name in DOCUMENTS:
        return WebhookEvent(kind="document.changed", account=realm, object_type=DOCUMENTS[name], object_ids=(ident,),
                            occurred_at=occurred, data=data)
    if name == "customer":
        return WebhookEvent(kind="customer.changed", account=realm, object_type="Customer", object_ids=(ident,),
                            occurred_at=occurred, data=data)
    return None  # other entities (Vendor, Account...) are not used by the connector


def _events(entity: str, operation: str, realm: str, ident: str, when: Any,
            extra: dict[str, Any]) -> list[WebhookEvent]:
    """One event; an Item merge also retires the item merged away (`deleted_id`)."""
    event = _event(entity, operation, realm, ident, when, extra)
    if event is None:
        return []
    if event.object_type == "Item" and extra.get("deleted_id"):
        return [event, _event(entity, "Delete", realm, str(extra["deleted_id"]), when, extra)]  # type: ignore[list-item]
    return [event]


def parse(body: bytes, headers: Mapping[str, str], system: ConnectedSystem | None) -> list[WebhookEvent]:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"The QuickBooks notification is not JSON ({exc}).") from exc
    if isinstance(payload, list):
        return _parse_cloudevents(payload)
    if isinstance(payload, dict) and isinstance(payload.get("eventNotifications"), list):
        return _parse_legacy(payload["eventNotifications"])
    raise ValueError("The QuickBooks notification is neither an eventNotifications object nor a CloudEvents array.")


def _parse_legacy(notifications: list[Any]) -> list[WebhookEvent]:
    events: list[WebhookEvent] = []
    for notification in notifications:
        if not isinstance(notification, dict) or not notification.get("realmId"):
            raise ValueError("A QuickBooks notification lacks its realmId.")
        realm = str(notification["realmId"])
        entities = (notification.get("dataChangeEvent") or {}).get("entities")
        if not isinstance(entities, list):
            raise ValueError(f"The QuickBooks notification for company {realm} has no entity list.")
        for entity in entities:
            if not isinstance(entity, dict) or not entity.get("name") or not entity.get("id"):
                raise ValueError(f"A QuickBooks change for company {realm} lacks the entity name or id.")
            extra = {}
            deleted = entity.get("deletedId") or entity.get("deletedID")  # Intuit's table vs the Java SDK
            if deleted:
                extra["deleted_id"] = str(deleted)
            events.extend(_events(str(entity["name"]), str(entity.get("operation") or ""), realm, str(entity["id"]),
                                  entity.get("lastUpdated"), extra))
    return events


def _parse_cloudevents(items: list[Any]) -> list[WebhookEvent]:
    events: list[WebhookEvent] = []
    for item in items:
        if not isinstance(item, dict):
            raise ValueError("A CloudEvents entry from QuickBooks is not an object.")
        kind, realm, ident = str(item.get("type") or ""), str(item.get("intuitaccountid") or ""), \
            str(item.get("intuitentityid") or "")
        parts = kind.split(".")
        if len(parts) < 3 or parts[0] != "qbo" or not realm or not ident:
            raise ValueError(f"A CloudEvents entry from QuickBooks lacks its type, company or entity id ({kind!r}).")
        operation = CE_OPERATIONS.get(parts[2], parts[2].capitalize())
        data = item.get("data") if isinstance(item.get("data"), dict) else {}
        extra: dict[str, Any] = {"event_id": str(item.get("id") or "")}
        if data.get("deletedid") or data.get("deletedId"):
            extra["deleted_id"] = str(data.get("deletedid") or data.get("deletedId"))
        events.extend(_events(parts[1], operation, realm, ident, item.get("time"), extra))
    return events
