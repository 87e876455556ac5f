"""Store a verified delivery and enqueue its planning job, in one transaction."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import IntegrityError, transaction

from connector.models import ConnectedSystem
from syncjobs.ledger import job_enqueue
from syncjobs.models import WebhookDelivery

# Headers worth keeping for parsing and audit; never Authorization or cookies.
_KEPT_HEADER_PREFIXES = ("x-shopify-", "x-wc-", "intuit-", "x-ebay-", "ce-", "content-type", "user-agent",
                         "x-request-id")


def kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if k.lower().startswith(_KEPT_HEADER_PREFIXES)}


def delivery_receive(*, platform: str, delivery_id: str, body: bytes, headers: Mapping[str, str],
                     topic: str, system: ConnectedSystem | None) -> tuple[WebhookDelivery, bool]:
    """Return (delivery, created). A repeated delivery id is acknowledged without a second row."""
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                platform=platform, delivery_id=delivery_id, system=system,
                organization=system.organization if system else None, topic=topic[:120],
                headers=kept_headers(headers), body=body.decode("utf-8", errors="replace"),
            )
            job_enqueue(organization=delivery.organization, system=system, kind="webhook.plan",
                        payload={"delivery_id": delivery.pk}, delivery=delivery)
    except IntegrityError:
        existing = WebhookDelivery.objects.filter(platform=platform, delivery_id=delivery_id).first()
        if existing is None:
            raise
        return existing, False
    return delivery, True
