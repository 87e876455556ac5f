"""QuickBooks entities (v3 JSON, minorversion 75) -> the dataclasses crossing the boundary."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connector.platforms.base import ExternalProduct
from connector.platforms.contracts import AccountingCustomer, AccountingDocument

DOC_ENTITIES = {"invoice": "Invoice", "sales_receipt": "SalesReceipt"}


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 with an offset; tolerates `Z`, `-0700` (legacy webhooks) and 9 fractional digits
    (CloudEvents `time`)."""
    if not value:
        return None
    text = str(value).strip().replace("Z", "+00:00")
    if "." in text:
        head, _, tail = text.partition(".")
        digits = "".join(ch for ch in tail if ch.isdigit())
        rest = tail[len(digits):]
        text = f"{head}.{digits[:6]}{rest}"
    if len(text) >= 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value is not None else 0))
    except InvalidOperation:
        return Decimal(0)


def item_product(item: dict[str, Any]) -> ExternalProduct:
    tracks = bool(item.get("TrackQtyOnHand")) or item.get("Type") == "Inventory"
    qty = item.get("QtyOnHand")
    quantity = int(math.floor(float(qty))) if (tracks and qty is not None) else None
    meta = item.get("MetaData") or {}
    return ExternalProduct(
        external_id=str(item.get("Id") or ""), sku=str(item.get("Sku") or ""), name=str(item.get("Name") or ""),
        tracks_stock=tracks, quantity=quantity, version=str(item.get("SyncToken") or ""),
        updated_at=parse_time(meta.get("LastUpdatedTime")), kind=str(item.get("Type") or ""),
        active=bool(item.get("Active", True)),
        extra={"unit_price": item.get("UnitPrice"), "fully_qualified_name": item.get("FullyQualifiedName", "")},
        raw=item,
    )


def customer(raw: dict[str, Any]) -> AccountingCustomer:
    return AccountingCustomer(
        id=str(raw.get("Id") or ""), display_name=str(raw.get("DisplayName") or ""),
        email=str((raw.get("PrimaryEmailAddr") or {}).get("Address") or ""),
        given_name=str(raw.get("GivenName") or ""), family_name=str(raw.get("FamilyName") or ""),
        active=bool(raw.get("Active", True)),
    )


def line_item_ids(raw: dict[str, Any]) -> tuple[str, ...]:
    ids: list[str] = []
    for line in raw.get("Line") or []:
        ref = ((line.get("SalesItemLineDetail") or {}).get("ItemRef") or {}).get("value")
        if ref and ref != "SHIPPING_ITEM_ID" and str(ref) not in ids:
            ids.append(str(ref))
    return tuple(ids)


def document(doc_type: str, raw: dict[str, Any]) -> AccountingDocument:
    return AccountingDocument(id=str(raw.get("Id") or ""), doc_type=doc_type, doc_number=str(raw.get("DocNumber") or ""),
                              total=decimal(raw.get("TotalAmt")), item_ids=line_item_ids(raw))


def entity_name(doc_type: str) -> str:
    try:
        return DOC_ENTITIES[doc_type]
    except KeyError as exc:
        raise ValueError(f"Unknown document type {doc_type!r}: use 'invoice' or 'sales_receipt'.") from exc
