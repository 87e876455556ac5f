"""The SalesDocument ledger's identities and small shared steps.

request_id and the PrivateNote marker derive from the store connection and the order id alone, so
every attempt, on any worker, computes the same ones; the DocNumber from the prefix option and the
store's order number, shortened deterministically to QuickBooks' 21 characters.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from connector.models import ConnectedSystem, SalesDocument
from syncjobs.models import LogLevel, SyncLog

logger = logging.getLogger("connector.sales")

DOC_NUMBER_MAX = 21
UNPOSTED = ("pending", "held", "failed")  # units of these documents are not in QuickBooks yet


def request_id_for(store: ConnectedSystem, order_external_id: str) -> str:
    digest = hashlib.sha256(f"{store.public_id}:{order_external_id}".encode()).hexdigest()
    return f"sale-{digest[:32]}"


def marker_for(document: SalesDocument) -> str:
    """Put in PrivateNote (not queryable, so found by scanning recent documents when QuickBooks
    numbers documents itself)."""
    return f"[ref {document.request_id}]"


def doc_number_for(prefix: str, order_number: str) -> str:
    number = "".join(order_number.strip().lstrip("#").split())
    if len(prefix) + len(number) <= DOC_NUMBER_MAX:
        return f"{prefix}{number}"
    # Too long: keep the start readable and end with a hash of the whole number, so two long
    # numbers that share a start still get different DocNumbers.
    digest = hashlib.sha256(number.encode()).hexdigest()[:5]
    room = DOC_NUMBER_MAX - len(prefix) - len(digest) - 1
    return f"{prefix}{number[:max(room, 0)]}-{digest}"[:DOC_NUMBER_MAX]


def snapshot_update(document_id: int, **changes: Any) -> SalesDocument:
    """Merge keys into the snapshot under a row lock (short transaction, no HTTP inside)."""
    with transaction.atomic():
        document = SalesDocument.objects.select_for_update().get(pk=document_id)
        document.snapshot = {**(document.snapshot or {}), **changes}
        document.save(update_fields=["snapshot"])
    return document


def sales_log(document: SalesDocument, message: str, *, level: str = LogLevel.INFO, job: Any = None) -> None:
    SyncLog.objects.create(organization_id=document.organization_id, system_id=document.store_system_id,
                           job=job if getattr(job, "pk", None) else None, level=level,
                           subject=f"Order {document.order_number or document.order_external_id}"[:255],
                           message=message)


def stock_notify(*, organization: Any, accounting_product_ids: Iterable[int | None]) -> None:
    """Tell the stock engine that units held back for unposted orders changed for these items."""
    ids = sorted({pk for pk in accounting_product_ids if pk})
    if not ids:
        return
    from connector.services.stock import stock_items_changed

    stock_items_changed(organization=organization, accounting_product_ids=ids)
