"""Change data capture (GET /v3/company/{realmId}/cdc), reference pack section 5.

A response holds at most 1000 objects across all entities, each entity's list ordered by
MetaData.LastUpdatedTime (deleted stubs last). CDC has no upper bound, so a capped answer is
split by moving `changedSince` forward to the earliest "last timestamp" among the entity lists
(every list is complete up to there), minus one second because whether `changedSince` is
inclusive is not documented; repeats are dropped by (entity, Id, LastUpdatedTime).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from connector.platforms.base import ExternalProduct, RetryableError
from connector.platforms.contracts import CdcResult
from connector.platforms.quickbooks.mapping import item_product, line_item_ids, parse_time

if TYPE_CHECKING:
    from connector.platforms.quickbooks.client import QuickBooksClient

logger = logging.getLogger("connector.quickbooks")

CDC_CAP = 1000
ENTITIES = ("Item", "Invoice", "SalesReceipt", "CreditMemo", "RefundReceipt", "Customer")
DOCUMENTS = {"Invoice", "SalesReceipt", "CreditMemo", "RefundReceipt"}
MAX_WINDOWS = 200


def cdc_run(client: QuickBooksClient, *, since: datetime, until: datetime | None = None) -> CdcResult:
    from connector.platforms.quickbooks.client import cdc_lookback_floor

    if since.tzinfo is None:  # naive cursors are UTC
        since = since.replace(tzinfo=UTC)
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    floor = cdc_lookback_floor()
    if since < floor:
        # QuickBooks refuses more than 30 days; older changes need a full item refresh instead.
        logger.warning("quickbooks cdc cursor %s is older than 30 days; starting at %s", since, floor)
        since = floor
    items: dict[str, ExternalProduct] = {}
    deleted: list[str] = []
    doc_items: list[str] = []
    customers: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    cursor, windows = since, 0
    while True:
        windows += 1
        page = client.cdc_page(ENTITIES, cursor)
        total = sum(len(rows) for rows in page.values())
        for entity, rows in page.items():
            for row in rows:
                stamp = str((row.get("MetaData") or {}).get("LastUpdatedTime") or "")
                when = parse_time(stamp)
                key = (entity, str(row.get("Id")), stamp + str(row.get("status") or ""))
                if key in seen or (until is not None and when is not None and when > until):
                    continue
                seen.add(key)
                _collect(entity, row, items, deleted, doc_items, customers)
        if total < CDC_CAP:
            break
        lasts = [t for t in (_last_time(rows) for rows in page.values() if rows) if t is not None]
        following = min(lasts) - timedelta(seconds=1) if lasts else None
        if following is None or following <= cursor or windows >= MAX_WINDOWS:
            raise RetryableError("QuickBooks reported more than 1000 changes within one second; the change "
                                 "feed cannot be split further. A full item refresh will catch up.")
        if until is not None and following > until:
            break
        cursor = following
    for item_id in deleted:
        items.pop(item_id, None)
    return CdcResult(items=tuple(items.values()), deleted_item_ids=tuple(dict.fromkeys(deleted)),
                     document_item_ids=tuple(dict.fromkeys(doc_items)), customer_ids=tuple(dict.fromkeys(customers)),
                     windows=windows)


def _last_time(rows: list[dict[str, Any]]) -> datetime | None:
    stamps = [parse_time((r.get("MetaData") or {}).get("LastUpdatedTime")) for r in rows if r.get("status") != "Deleted"]
    stamps = [s for s in stamps if s is not None]
    return max(stamps) if stamps else None


def _collect(entity: str, row: dict[str, Any], items: dict[str, ExternalProduct], deleted: list[str],
             doc_items: list[str], customers: list[str]) -> None:
    ident = str(row.get("Id") or "")
    if entity == "Item":
        if row.get("status") == "Deleted":
            deleted.append(ident)
            return
        items[ident] = item_product(row)  # later windows and rows are newer
    elif entity in DOCUMENTS and row.get("status") != "Deleted":
        doc_items.extend(line_item_ids(row))
    elif entity == "Customer":
        customers.append(ident)
