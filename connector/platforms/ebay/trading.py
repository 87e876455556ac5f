"""Trading API XML (reference pack sections 3.1, 4.1, 7.2): request bodies we send and the parts
of the responses we read. Pure functions, no HTTP.

Namespace `urn:ebay:apis:eBLBaseComponents` on every element. Responses are parsed with the
standard library's ElementTree (no external entities are resolved); documents carrying a DOCTYPE
are refused outright, as eBay never sends one.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

NS = "urn:ebay:apis:eBLBaseComponents"
Q = f"{{{NS}}}"
COMPATIBILITY_LEVEL = "1349"
MAX_REVISE_ENTRIES = 4  # ReviseInventoryStatus accepts 1-4 InventoryStatus nodes
PAGE_SIZE = 200  # EntriesPerPage maximum

# Warning 21917091: "Requested StartPrice and Quantity revision is redundant" (KB 1525) = success.
REDUNDANT_REVISION = "21917091"
# Invalid or expired token (931: Auth token is invalid; 21916984: IAF token supplied is invalid;
# 21917053: token expired — the last two as widely reported, UNCONFIRMED in the pack).
TOKEN_ERRORS = frozenset({"931", "21916984", "21917053", "16110"})
# Usage limits: retry later (pack 7.2).
LIMIT_ERRORS = frozenset({"518", "18000", "21919144"})


class TradingXMLError(ValueError):
    """The body is not a Trading response we can read."""


@dataclass(frozen=True)
class TradingError:
    code: str
    short: str
    long: str
    severity: str  # Error | Warning
    classification: str  # RequestError | SystemError
    parameters: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        return self.long or self.short or f"eBay error {self.code}"


@dataclass(frozen=True)
class RevisedStatus:
    item_id: str
    sku: str
    quantity: int | None


@dataclass(frozen=True)
class ReviseResult:
    ack: str
    revised: tuple[RevisedStatus, ...]
    errors: tuple[TradingError, ...]


@dataclass(frozen=True)
class StatusEntry:
    """One InventoryStatus to send: ItemID for a single listing, ItemID + SKU for a variation."""

    item_id: str
    sku: str = ""
    quantity: int = 0


@dataclass(frozen=True)
class Variation:
    sku: str
    title: str
    quantity: int
    sold: int

    @property
    def available(self) -> int:
        return max(0, self.quantity - self.sold)


@dataclass(frozen=True)
class Listing:
    item_id: str
    title: str
    sku: str
    listing_type: str
    quantity: int
    sold: int
    variations: tuple[Variation, ...] = field(default_factory=tuple)

    @property
    def available(self) -> int:
        """Quantity - QuantitySold (pack 4.3); QuantityAvailable is not sent for every listing type."""
        return max(0, self.quantity - self.sold)

    @property
    def fixed_price(self) -> bool:
        return self.listing_type in ("FixedPriceItem", "StoresFixedPrice")


# --------------------------------------------------------------------------- building
def _element(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    child = ET.SubElement(parent, name)
    if text is not None:
        child.text = text
    return child


def _serialise(root: ET.Element) -> bytes:
    root.set("xmlns", NS)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def revise_inventory_status_request(entries: Sequence[StatusEntry], message_id: str = "") -> bytes:
    if not 1 <= len(entries) <= MAX_REVISE_ENTRIES:
        raise ValueError(f"ReviseInventoryStatus takes 1 to {MAX_REVISE_ENTRIES} entries, not {len(entries)}")
    root = ET.Element("ReviseInventoryStatusRequest")
    for entry in entries:
        status = _element(root, "InventoryStatus")
        if entry.item_id:
            _element(status, "ItemID", entry.item_id)
        if entry.sku:
            _element(status, "SKU", entry.sku)
        _element(status, "Quantity", str(int(entry.quantity)))
    if message_id:
        _element(root, "MessageID", message_id)
    _element(root, "ErrorLanguage", "en_US")
    _element(root, "WarningLevel", "High")
    return _serialise(root)


def get_my_ebay_selling_request(page: int, per_page: int = PAGE_SIZE) -> bytes:
    root = ET.Element("GetMyeBaySellingRequest")
    active = _element(root, "ActiveList")
    _element(active, "Include", "true")
    pagination = _element(active, "Pagination")
    _element(pagination, "EntriesPerPage", str(per_page))
    _element(pagination, "PageNumber", str(page))
    _element(root, "ErrorLanguage", "en_US")
    _element(root, "WarningLevel", "High")
    return _serialise(root)


# --------------------------------------------------------------------------- parsing
def parse(body: bytes) -> ET.Element:
    upper = body.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise TradingXMLError("eBay's answer carries a DOCTYPE; refused")
    try:
        # Without a DTD there are no entities to expand or resolve: the attacks defusedxml guards
        # against need one, and it was refused above.
        return ET.fromstring(body)  # noqa: S314
    except ET.ParseError as exc:
        raise TradingXMLError(f"eBay's answer is not XML ({exc})") from exc


def _text(node: ET.Element | None, path: str, default: str = "") -> str:
    if node is None:
        return default
    found = node.find(_qualify(path))
    return (found.text or "").strip() if found is not None and found.text is not None else default


def _qualify(path: str) -> str:
    return "/".join(Q + part for part in path.split("/"))


def _int(value: str, default: int = 0) -> int:
    try:
        return int(Decimal(value))
    except (InvalidOperation, ValueError):
        return default


def ack(root: ET.Element) -> str:
    return _text(root, "Ack")


def errors(root: ET.Element) -> tuple[TradingError, ...]:
    found = []
    for node in root.findall(_qualify("Errors")):
        found.append(TradingError(
            code=_text(node, "ErrorCode"), short=_text(node, "ShortMessage"), long=_text(node, "LongMessage"),
            severity=_text(node, "SeverityCode") or "Error", classification=_text(node, "ErrorClassification"),
            parameters=tuple((p.findtext(_qualify("Value")) or "").strip()
                             for p in node.findall(_qualify("ErrorParameters"))),
        ))
    return tuple(found)


def blocking_errors(root: ET.Element) -> tuple[TradingError, ...]:
    return tuple(e for e in errors(root) if e.severity != "Warning")


def revise_result(root: ET.Element) -> ReviseResult:
    revised = tuple(
        RevisedStatus(item_id=_text(node, "ItemID"), sku=_text(node, "SKU"),
                      quantity=_int(_text(node, "Quantity"), 0) if _text(node, "Quantity") else None)
        for node in root.findall(_qualify("InventoryStatus"))
    )
    return ReviseResult(ack=ack(root), revised=revised, errors=errors(root))


def _listing(node: ET.Element) -> Listing:
    variations = tuple(
        Variation(sku=_text(v, "SKU"), title=_text(v, "VariationTitle"), quantity=_int(_text(v, "Quantity")),
                  sold=_int(_text(v, "SellingStatus/QuantitySold")))
        for v in node.findall(_qualify("Variations/Variation"))
    )
    return Listing(
        item_id=_text(node, "ItemID"), title=_text(node, "Title"), sku=_text(node, "SKU"),
        listing_type=_text(node, "ListingType") or "FixedPriceItem", quantity=_int(_text(node, "Quantity")),
        sold=_int(_text(node, "SellingStatus/QuantitySold")), variations=variations,
    )


def active_listings(root: ET.Element) -> tuple[list[Listing], int]:
    """GetMyeBaySelling: (the page's listings, total pages)."""
    active = root.find(_qualify("ActiveList"))
    if active is None:
        return [], 0
    listings = [_listing(item) for item in active.findall(_qualify("ItemArray/Item"))]
    pages = _int(_text(active, "PaginationResult/TotalNumberOfPages"), 1)
    return listings, pages


def iter_items(root: ET.Element, path: str = "InventoryStatus") -> Iterator[ET.Element]:
    yield from root.findall(_qualify(path))


def names_item(error: TradingError, keys: Iterable[str]) -> bool:
    """Does the error name this item (ItemID or SKU among its parameters or in its text)?"""
    wanted = {k for k in keys if k}
    if wanted & set(error.parameters):
        return True
    return any(f'"{k}"' in error.long or f"({k})" in error.long for k in wanted)


def as_dict(node: ET.Element) -> dict[str, Any]:
    """A small element as a dict of its children's text (for logs and tests)."""
    return {child.tag.removeprefix(Q): (child.text or "").strip() for child in node}
