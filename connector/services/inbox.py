"""Planning: turn one stored webhook delivery into domain jobs.

Runs as the "webhook.plan" job, never in the request. Parsing happens here (the platform's
webhooks.parse), each event becomes deduplicated work, and the delivery is marked processed.
Running it twice is harmless: every job it enqueues carries a dedupe key or merges ids, and a
delivery already planned is left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from django.db.models import Q
from django.utils import timezone

from connector.models import ConnectedSystem, Product, ProductLink, SystemStatus
from connector.platforms import get_platform
from connector.platforms.base import PermanentError, WebhookEvent
from syncjobs.ledger import job_enqueue
from syncjobs.models import DeliveryStatus, Job, WebhookDelivery

logger = logging.getLogger("connector.inbox")

Planner = Callable[[WebhookDelivery, ConnectedSystem, WebhookEvent], str]


def _systems(delivery: WebhookDelivery, event: WebhookEvent) -> list[ConnectedSystem]:
    """The connection(s) an event is for. QuickBooks posts every company to one address, so the
    realm names it; several organisations may have connected the same company."""
    # Privacy requests still concern a disconnected store (shop/redact comes 48 hours after uninstall).
    keep_disconnected = event.kind.startswith("compliance.") or event.kind == "account.deleted"
    if delivery.system is not None:
        usable = keep_disconnected or delivery.system.status != SystemStatus.DISCONNECTED
        return [delivery.system] if usable else []
    if not event.account:
        return []
    systems = ConnectedSystem.objects.filter(platform=delivery.platform, external_account_id=event.account)
    if not keep_disconnected:
        systems = systems.exclude(status=SystemStatus.DISCONNECTED)
    return list(systems.select_related("organization"))


# --------------------------------------------------------------------------- one planner per kind
def _items(delivery: WebhookDelivery, system: ConnectedSystem, event: WebhookEvent) -> str:
    from connector.services.stock import stock_refresh_request

    stock_refresh_request(system=system, item_ids=event.object_ids)
    return f"refresh items {', '.join(event.object_ids)}"


def _document(delivery: WebhookDelivery, system: ConnectedSystem, event: WebhookEvent) -> str:
    from connector.services.stock import stock_refresh_request

    stock_refresh_request(system=system, documents=[(event.object_type, i) for i in event.object_ids])
    return f"re-read the items of {event.object_type} {', '.join(event.object_ids)}"


def _product(delivery: WebhookDelivery, system: ConnectedSystem, event: WebhookEvent) -> str:
    if system.spec.reads_products_by_id:
        for ident in event.object_ids:
            job_enqueue(organization=system.organization, system=system, kind="products.pull",
                        payload={"system_id": system.pk, "product_ids": [ident]},
                        dedupe_key=f"products.pull:{system.pk}:{ident}")
        return f"re-read product {', '.join(event.object_ids)}"
    # The platform cannot read one product by id: one (deduplicated) full pull catches it.
    job_enqueue(organization=system.organization, system=system, kind="products.pull",
                payload={"system_id": system.pk}, dedupe_key=f"products.pull:{system.pk}")
    return "pull the catalogue again"


def _stock_edited(delivery: WebhookDelivery, system: ConnectedSystem, event: WebhookEvent) -> str:
    """A stock edit made in the store: recorded as drift, never pushed anywhere and never
    overwritten until QuickBooks next changes for the item. Our own writes echo back here: a
    quantity equal to the one we pushed is not drift."""
    observed = event.data.get("available", event.data.get("quantity"))
    if observed is None:
        return "stock edit without a quantity: ignored"
    observed = int(observed)
    ids = [str(i) for i in event.object_ids]
    extra_ids = [str(event.data.get("inventory_item_id") or "")] + ids
    products = Product.objects.filter(system=system).filter(
        Q(external_id__in=ids) | Q(extra__inventory_item_id__in=[i for i in extra_ids if i]))
    notes = []
    for product in products.select_related("link"):
        link: ProductLink | None = getattr(product, "link", None)
        if link is None or link.last_pushed_quantity is None or observed == link.last_pushed_quantity:
            Product.objects.filter(pk=product.pk).update(quantity=observed, observed_quantity=None,
                                                         drift_detected_at=None)
            notes.append(f"{product.sku}: {observed} (no drift)")
            continue
        Product.objects.filter(pk=product.pk).update(observed_quantity=observed, drift_detected_at=event.occurred_at
                                                     or timezone.now())
        notes.append(f"{product.sku}: store shows {observed}, we published {link.last_pushed_quantity} (drift)")
    return "; ".join(notes) or "stock edit for a product we do not know: ignored"


def _order(delivery: WebhookDelivery, system: ConnectedSystem, event: WebhookEvent) -> str:
    for order_id in event.object_ids:
        job_enqueue(organization=system.organization, system=system, kind="orders.ingest",
                    payload={"system_id": system.pk, "order_id": str(order_id)},
                    dedupe_key=f"orders.ingest:{system.pk}:{order_id}")
    return f"ingest order {', '.join(event.object_ids)}"


def _uninstalled(delivery: WebhookDelivery, system: ConnectedSystem, event: WebhookEvent) -> str:
    job_enqueue(organization=system.organization, system=system, kind="system.uninstalled",
                payload={"system_id": system.pk}, dedupe_key=f"system.uninstalled:{system.pk}")
    return "disconnect: the app was uninstalled"


def _compliance(delivery: WebhookDelivery, system: ConnectedSystem, event: WebhookEvent) -> str:
    # The request's details stay in the stored delivery (ids only in job payloads).
    job_enqueue(organization=system.organization, system=system, kind="compliance.request",
                payload={"system_id": system.pk, "delivery_id": delivery.pk, "kind": event.kind},
                dedupe_key=f"compliance.request:{delivery.pk}:{event.kind}")
    return f"privacy request {event.kind}"


def _customers(delivery: WebhookDelivery, system: ConnectedSystem, event: WebhookEvent) -> str:
    """A QuickBooks customer renamed, deactivated or merged: re-read the linked ones."""
    job_enqueue(organization=system.organization, system=system, kind="customers.refresh",
                payload={"system_id": system.pk, "customer_ids": list(event.object_ids)},
                dedupe_key=f"customers.refresh:{system.pk}:{','.join(sorted(event.object_ids))[:180]}")
    return f"re-read customer {', '.join(event.object_ids)}"


PLANNERS: Mapping[str, Planner] = {
    "item.changed": _items,
    "item.deleted": _items,
    "document.changed": _document,
    "product.changed": _product,
    "stock.edited": _stock_edited,
    "order.changed": _order,
    "customer.changed": _customers,
    "app.uninstalled": _uninstalled,
    "compliance.customer_data_request": _compliance,
    "compliance.customer_redact": _compliance,
    "compliance.shop_redact": _compliance,
    "account.deleted": _compliance,
}


# --------------------------------------------------------------------------- the job
def delivery_events(delivery: WebhookDelivery) -> list[WebhookEvent]:
    hooks = get_platform(delivery.platform).webhooks_module()
    if hooks is None:
        raise ValueError(f"{delivery.platform} sends no webhooks")
    return list(hooks.parse(delivery.body.encode("utf-8"), dict(delivery.headers or {}), delivery.system))


def delivery_plan(*, delivery: WebhookDelivery) -> str:
    try:
        events = delivery_events(delivery)
    except (ValueError, KeyError, TypeError) as exc:
        _finish(delivery, DeliveryStatus.UNPARSEABLE, f"Could not read this delivery: {exc}")
        return "unreadable delivery recorded"
    notes: list[str] = []
    planned = False
    for event in events:
        planner = PLANNERS.get(event.kind)
        if planner is None:
            notes.append(f"{event.kind}: nothing to do")
            continue
        systems = _systems(delivery, event)
        if not systems:
            notes.append(f"{event.kind}: no active connection for account {event.account or '?'}; ignored")
            continue
        for system in systems:
            notes.append(planner(delivery, system, event))
            planned = True
    note = "; ".join(notes) or "no events"
    _finish(delivery, DeliveryStatus.PLANNED if planned else DeliveryStatus.IGNORED, note)
    return note


def _finish(delivery: WebhookDelivery, status: str, note: str) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=status, note=note[:4000],
                                                          processed_at=timezone.now())


def delivery_plan_job(job: Job) -> str:
    delivery_id = (job.payload or {}).get("delivery_id")
    delivery = WebhookDelivery.objects.select_related("system").filter(pk=delivery_id).first()
    if delivery is None:
        raise PermanentError("The webhook delivery to plan no longer exists.")
    if delivery.status not in (DeliveryStatus.RECEIVED, DeliveryStatus.QUEUED):
        return f"already {delivery.get_status_display().lower()}"
    return delivery_plan(delivery=delivery)
