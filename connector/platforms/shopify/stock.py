"""Writing stock: GraphQL `inventorySetQuantities` on the `available` quantity.

Version semantics (reference pack section 2.4, GraphQL Admin API inventorySetQuantities):
- up to 2025-10: each entry carries `compareQuantity`, or the input sets `ignoreCompareQuantity:
  true`. QuickBooks is the source of truth, so a plain push is a blind absolute set; an update
  whose `extra["compare_quantity"]` is given is a compare-and-set instead.
- from 2026-01: `changeFromQuantity` per entry (an integer, or explicit null = no check) and the
  `@idempotent(key:)` directive; both mandatory from 2026-04, `compareQuantity` removed.

Shopify writes nothing when a call returns userErrors (all-or-nothing per call; UNCONFIRMED for
partial cases, so we assume it): entries named by an error fail, the others are sent again
without them, so one bad item never blocks the rest.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connector.platforms.base import PermanentError, StockResult, StockUpdate, batched
from connector.platforms.shopify import graphql as gql

if TYPE_CHECKING:
    from connector.platforms.shopify.client import ShopifyClient

RETRYABLE_CODES = {"COMPARE_QUANTITY_STALE", "CHANGE_FROM_QUANTITY_STALE", "IDEMPOTENCY_CONCURRENT_REQUEST"}
MAX_ROUNDS = 3


@dataclass(frozen=True)
class Entry:
    index: int
    update: StockUpdate
    item_id: str
    location_id: str

    @property
    def compare(self) -> int | None:
        value = self.update.extra.get("compare_quantity")
        return None if value is None else int(value)


def set_stock(client: ShopifyClient, updates: Sequence[StockUpdate]) -> list[StockResult]:
    results: dict[int, StockResult] = {}
    entries = _resolve(client, updates, results)
    # One entry per inventory item and location: Shopify refuses duplicates in one input. An
    # earlier update of the same item is superseded and shares the outcome of the later one.
    latest: dict[tuple[str, str], Entry] = {}
    superseded: dict[int, tuple[str, str]] = {}
    for entry in entries:
        key = (entry.item_id, entry.location_id)
        if key in latest:
            superseded[latest[key].index] = key
        latest[key] = entry
    unique = sorted(latest.values(), key=lambda e: e.index)
    # Compare-and-set and blind sets cannot share one 2025-10 input (ignoreCompareQuantity is per call).
    for group in (
        [e for e in unique if e.compare is None], [e for e in unique if e.compare is not None]
    ):
        for batch in batched(group, gql.SET_QUANTITIES_MAX):
            results.update(_send(client, list(batch)))
    for index, key in superseded.items():
        outcome = results[latest[key].index]
        results[index] = StockResult(updates[index].external_id, ok=outcome.ok, error=outcome.error,
                                     retryable=outcome.retryable)
    return [results[i] for i in range(len(updates))]


def _resolve(client: ShopifyClient, updates: Sequence[StockUpdate], results: dict[int, StockResult]) -> list[Entry]:
    """Inventory item per update: from `extra` (what iter_products returned), else looked up."""
    missing = sorted({variant_gid(u.external_id) for u in updates if not u.extra.get("inventory_item_id")} - {""})
    found: dict[str, str] = {}
    for chunk in batched(missing, gql.SET_QUANTITIES_MAX):
        data = client.graphql(gql.VARIANT_ITEMS_QUERY, {"ids": list(chunk)})
        for node in data.get("nodes") or []:
            if node and node.get("inventoryItem"):
                found[str(node["id"])] = str(node["inventoryItem"]["id"])
    location = ""
    entries = []
    for index, update in enumerate(updates):
        item_id = str(update.extra.get("inventory_item_id") or found.get(variant_gid(update.external_id), ""))
        if not item_id:
            results[index] = StockResult(update.external_id, ok=False,
                                         error="Shopify has no such variant any more (deleted?).")
            continue
        location = str(update.extra.get("location_id") or location or client.location_id)
        entries.append(Entry(index, update, item_id, location))
    return entries


def variant_gid(external_id: str) -> str:
    """Variant GID for a lookup; REST's numeric ids are accepted. Anything else cannot be a
    variant (Shopify would refuse the whole query for one malformed GID)."""
    if external_id.startswith("gid://shopify/ProductVariant/"):
        return external_id
    return gql.gid("ProductVariant", external_id) if external_id.isdigit() else ""


def _input(client: ShopifyClient, batch: list[Entry]) -> tuple[str, dict[str, Any]]:
    change_from = gql.uses_change_from(client.version)
    quantities = []
    for entry in batch:
        row: dict[str, Any] = {"inventoryItemId": entry.item_id, "locationId": entry.location_id,
                               "quantity": int(entry.update.quantity)}
        if change_from:
            row["changeFromQuantity"] = entry.compare  # explicit null: no check (2026-04 requires the key)
        elif entry.compare is not None:
            row["compareQuantity"] = entry.compare
        quantities.append(row)
    data: dict[str, Any] = {
        "name": "available",
        "reason": "correction",
        "referenceDocumentUri": f"gid://quickbooks-connector/StockSync/{client.system.public_id}",
        "quantities": quantities,
    }
    if change_from:
        # A fresh key per call: an absolute set is safe to repeat, and a key reused later for the
        # same values would return the cached result instead of writing.
        return gql.SET_QUANTITIES_IDEMPOTENT_MUTATION, {"input": data, "key": str(uuid.uuid4())}
    data["ignoreCompareQuantity"] = all(entry.compare is None for entry in batch)
    return gql.SET_QUANTITIES_MUTATION, {"input": data}


def _entry_index(field: Any) -> int | None:
    """`["input", "quantities", "3", "locationId"]` -> 3."""
    if isinstance(field, list) and len(field) >= 3 and field[1] == "quantities":
        try:
            return int(field[2])
        except (TypeError, ValueError):
            return None
    return None


def _send(client: ShopifyClient, batch: list[Entry]) -> dict[int, StockResult]:
    results: dict[int, StockResult] = {}
    pending = batch
    for _round in range(MAX_ROUNDS):
        if not pending:
            break
        query, variables = _input(client, pending)
        payload = client.graphql(query, variables).get("inventorySetQuantities")
        if payload is None:
            raise PermanentError("Shopify answered inventorySetQuantities without a payload")
        errors = payload.get("userErrors") or []
        if not errors:
            results.update({e.index: StockResult(e.update.external_id, ok=True) for e in pending})
            return results
        rejected: set[int] = set()
        for error in errors:
            position = _entry_index(error.get("field"))
            code = str(error.get("code") or "")
            text = f"{error.get('message') or 'Refused'} ({code})" if code else str(error.get("message") or "Refused")
            targets = [pending[position]] if position is not None and position < len(pending) else pending
            for entry in targets:
                rejected.add(entry.index)
                results[entry.index] = StockResult(entry.update.external_id, ok=False, error=text,
                                                   retryable=code in RETRYABLE_CODES)
        pending = [e for e in pending if e.index not in rejected]
    for entry in pending:  # still unwritten after MAX_ROUNDS: let the engine try again later
        results[entry.index] = StockResult(entry.update.external_id, ok=False, retryable=True,
                                           error="Shopify did not apply this update; it will be retried.")
    return results
