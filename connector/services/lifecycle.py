"""Lifecycle requests from platforms: an app uninstalled, and privacy (compliance) requests.

Uninstalled: tokens deleted, pending work cancelled, the connection marked disconnected; history
(products, links, documents, logs) is kept for the books.
Privacy: customer data we hold is actually erased (customer links, the customer fields of order
snapshots, stored webhook bodies that carry them); a data request records what we hold so the
merchant can answer it. QuickBooks documents are the merchant's accounting records: untouched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q

from connector.models import ConnectedSystem, CustomerLink, SalesDocument
from connector.platforms.base import PermanentError
from syncjobs.models import Job, LogLevel, SyncLog, WebhookDelivery

REDACTED = "[redacted]"
# Keys whose values identify a person, wherever they sit in an order snapshot.
PERSONAL_KEYS = frozenset({
    "email", "contact_email", "first_name", "last_name", "firstname", "lastname", "name", "full_name",
    "display_name", "phone", "telephone", "company", "address1", "address2", "address_1", "address_2", "city",
    "zip", "postcode", "postal_code", "province", "state", "latitude", "longitude", "username", "buyer_username",
    "customer", "billing_address", "shipping_address", "billing", "shipping_address_lines", "note", "browser_ip",
    "customer_note", "ip_address", "user_id",
})


def redact(value: Any) -> Any:
    """A copy with every personal field emptied, however deep (snapshot layouts differ by platform)."""
    if isinstance(value, dict):
        return {k: (_blank(v) if str(k).lower() in PERSONAL_KEYS else redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def _blank(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _blank(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank(v) for v in value]
    return REDACTED if value not in (None, "") else value


def _mentions(snapshot: Any, needles: set[str]) -> bool:
    text = json.dumps(snapshot, default=str).lower()
    return any(needle and needle in text for needle in needles)


# --------------------------------------------------------------------------- uninstalled
def system_uninstalled(*, system: ConnectedSystem) -> str:
    from connector.services.systems import system_disconnect

    # The platform already revoked our access: nothing to revoke, only to forget.
    system_disconnect(system=system, revoke=False,
                      reason="The app was uninstalled from the store. Install it again to resume syncing.")
    return f"{system.display_name} disconnected: tokens deleted, pending work cancelled, history kept"


def system_uninstalled_job(job: Job) -> str:
    system = ConnectedSystem.objects.filter(pk=(job.payload or {}).get("system_id") or job.system_id).first()
    if system is None:
        return "connection already gone"
    return system_uninstalled(system=system)


# --------------------------------------------------------------------------- privacy
def _documents(store: ConnectedSystem, order_ids: Iterable[str], needles: set[str]) -> list[SalesDocument]:
    ids = [str(i) for i in order_ids if str(i)]
    found = list(SalesDocument.objects.filter(store_system=store, order_external_id__in=ids))
    known = {d.pk for d in found}
    if needles:
        for doc in SalesDocument.objects.filter(store_system=store).exclude(pk__in=known).iterator(chunk_size=500):
            if _mentions(doc.snapshot, needles):
                found.append(doc)
    return found


def _customer_links(store: ConnectedSystem, emails: set[str], documents: list[SalesDocument]) -> list[CustomerLink]:
    """Links of this person, unless another store's orders still rely on them."""
    query = Q(pk__in=[d.customer_link_id for d in documents if d.customer_link_id])
    if emails:
        query |= Q(email_key__in=emails)
    links = CustomerLink.objects.filter(organization_id=store.organization_id).filter(query)
    shared = set(SalesDocument.objects.filter(customer_link__in=links).exclude(store_system=store)
                 .values_list("customer_link_id", flat=True))
    return [link for link in links if link.pk not in shared]


def compliance_erase(*, store: ConnectedSystem, order_ids: Iterable[str] = (), emails: Iterable[str] = (),
                     identifiers: Iterable[str] = (), whole_store: bool = False) -> dict[str, int]:
    mails = {e.strip().lower() for e in emails if e and e.strip()}
    needles = mails | {str(i).strip().lower() for i in identifiers if str(i).strip()}
    documents = list(SalesDocument.objects.filter(store_system=store)) if whole_store else \
        _documents(store, order_ids, needles)
    links = _customer_links(store, mails, documents) if (mails or documents) else []
    with transaction.atomic():
        for doc in documents:
            SalesDocument.objects.filter(pk=doc.pk).update(snapshot=redact(doc.snapshot or {}), customer_link=None)
        erased_links = CustomerLink.objects.filter(pk__in=[link.pk for link in links]).delete()[0]
        deliveries = WebhookDelivery.objects.filter(system=store)
        if not whole_store:
            match = Q(pk__in=[])
            for needle in needles:
                match |= Q(body__icontains=needle)
            deliveries = deliveries.filter(match)
        erased_bodies = deliveries.update(body="{}", headers={}, note="Body erased after a privacy request.")
    return {"documents": len(documents), "customer_links": erased_links, "deliveries": erased_bodies}


def compliance_report(*, store: ConnectedSystem, order_ids: Iterable[str], emails: Iterable[str]) -> str:
    mails = {e.strip().lower() for e in emails if e and e.strip()}
    documents = _documents(store, order_ids, mails)
    links = CustomerLink.objects.filter(organization_id=store.organization_id, email_key__in=mails)
    orders = ", ".join(sorted(d.order_number or d.order_external_id for d in documents)) or "none"
    names = ", ".join(sorted({link.display_name for link in links})) or "none"
    return (f"We hold {len(documents)} orders of this customer from {store.display_name} (orders: {orders}) with "
            f"the name, email and addresses the store sent, and {links.count()} customer matches to QuickBooks "
            f"(QuickBooks customers: {names}). QuickBooks holds the invoices and sales receipts themselves.")


def compliance_request(*, store: ConnectedSystem, delivery: WebhookDelivery, kind: str) -> str:
    from connector.services.inbox import delivery_events

    events = [e for e in delivery_events(delivery) if e.kind == kind]
    if not events:  # carried out before (the request's own body is erased with the rest)
        return f"{kind}: already carried out"
    data: dict[str, Any] = dict(events[0].data)
    customer = data.get("customer") or {}
    emails = [str(customer.get("email") or "")]
    order_ids = [str(i) for i in (data.get("orders_to_redact") or data.get("orders_requested") or [])]
    identifiers = [str(data.get(k) or "") for k in ("username", "userId", "eiasToken")]
    if kind == "compliance.customer_data_request":
        message = compliance_report(store=store, order_ids=order_ids, emails=emails)
        SyncLog.objects.create(organization_id=store.organization_id, system=store, level=LogLevel.WARNING,
                               subject="Customer data request", message=message)
        return message
    counts = compliance_erase(store=store, order_ids=order_ids, emails=emails, identifiers=identifiers,
                              whole_store=kind == "compliance.shop_redact")
    message = (f"Privacy request ({kind.split('.')[-1].replace('_', ' ')}): erased customer details from "
               f"{counts['documents']} orders, {counts['customer_links']} customer matches and "
               f"{counts['deliveries']} stored notifications.")
    SyncLog.objects.create(organization_id=store.organization_id, system=store, level=LogLevel.INFO,
                           subject="Privacy request", message=message)
    return message


def compliance_request_job(job: Job) -> str:
    payload = job.payload or {}
    store = ConnectedSystem.objects.filter(pk=payload.get("system_id") or job.system_id).first()
    delivery = WebhookDelivery.objects.filter(pk=payload.get("delivery_id")).first()
    if store is None or delivery is None:
        raise PermanentError("The connection or the stored request is gone; nothing left to erase.")
    return compliance_request(store=store, delivery=delivery, kind=str(payload.get("kind") or ""))
