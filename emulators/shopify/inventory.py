"""`inventorySetQuantities` as each API version defines it (reference pack section 2.4).

<= 2025-10  compareQuantity per entry unless ignoreCompareQuantity; COMPARE_QUANTITY_* errors.
2026-01     changeFromQuantity (overrides compare*), optional @idempotent(key:).
>= 2026-04  changeFromQuantity required on every entry, compare* removed, @idempotent required.
Which input fields exist at all is the published schema's business (emulators/shopify/schema.py);
this module applies the rules the schema cannot express. Any userError: nothing is written
(all-or-nothing per call). Every level that changed fires `inventory_levels/update`, as a write
through the API does in Shopify.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from graphql import GraphQLError

from emulators.shopify.state import gid, now_iso, number_of, put_level, store

REASONS = {"correction", "cycle_count_available", "damaged", "other", "promotion", "received", "restock",
           "shrinkage", "safety_stock", "quality_control"}
MAX_ENTRIES = 250
LIMIT = 1_000_000_000


def _top_error(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


def _user_error(code: str, field: list[str], message: str) -> dict[str, Any]:
    return {"code": code, "field": field, "message": message}


def _check(shop: str, version: str, data: dict[str, Any]) -> tuple[list[dict[str, Any]], list[tuple[dict, dict]]]:
    """Validate every entry; return (userErrors, [(entry, level)])."""
    shop_store = store(shop)
    errors: list[dict[str, Any]] = []
    name = data.get("name")
    if name not in ("available", "on_hand"):
        errors.append(_user_error("INVALID_NAME", ["input", "name"], "The quantity name must be either 'available' "
                                  "or 'on_hand'."))
    if data.get("reason") not in REASONS:
        errors.append(_user_error("INVALID_REASON", ["input", "reason"], "The specified reason is invalid."))
    new_cas = version >= "2026-01" or version == "unstable"
    required_change_from = version >= "2026-04" or version == "unstable"
    ignore_compare = bool(data.get("ignoreCompareQuantity"))
    items = {v["inventory_item_id"] for v in shop_store.all("variants")}
    seen: set[tuple[int, int]] = set()
    work: list[tuple[dict, dict]] = []
    for index, entry in enumerate(data.get("quantities") or []):
        field = ["input", "quantities", str(index)]
        item, location = number_of(entry.get("inventoryItemId")), number_of(entry.get("locationId"))
        if item not in items:
            errors.append(_user_error("INVALID_INVENTORY_ITEM", [*field, "inventoryItemId"],
                                      "The specified inventory item could not be found."))
            continue
        if shop_store.get("locations", location) is None:
            errors.append(_user_error("INVALID_LOCATION", [*field, "locationId"],
                                      "The specified location could not be found."))
            continue
        if (item, location) in seen:
            errors.append(_user_error("NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR", [*field, "inventoryItemId"],
                                      "The combination of inventoryItemId and locationId must be unique."))
            continue
        seen.add((item, location))
        level = shop_store.get("levels", f"{item}:{location}")
        if level is None:
            errors.append(_user_error("ITEM_NOT_STOCKED_AT_LOCATION", [*field, "locationId"],
                                      "The specified inventory item is not stocked at the location."))
            continue
        quantity = int(entry.get("quantity", 0))
        if quantity > LIMIT or quantity < -LIMIT:
            code = "INVALID_QUANTITY_TOO_HIGH" if quantity > 0 else "INVALID_QUANTITY_TOO_LOW"
            errors.append(_user_error(code, [*field, "quantity"], "The quantity is out of range."))
            continue
        current = level["available"] if name == "available" else level["available"] + level["committed"]
        if new_cas and "changeFromQuantity" in entry:
            expected = entry["changeFromQuantity"]
            if expected is not None and int(expected) != current:
                errors.append(_user_error("CHANGE_FROM_QUANTITY_STALE", [*field, "changeFromQuantity"],
                                          "The changeFromQuantity value does not match persisted value."))
                continue
        elif required_change_from:
            errors.append(_user_error("CHANGE_FROM_QUANTITY_REQUIRED", [*field, "changeFromQuantity"],
                                      "changeFromQuantity is required (null skips the check)."))
            continue
        elif not ignore_compare:
            if entry.get("compareQuantity") is None:
                errors.append(_user_error("COMPARE_QUANTITY_REQUIRED", [*field, "compareQuantity"],
                                          "The compareQuantity argument must be given to each quantity or "
                                          "ignored using ignoreCompareQuantity."))
                continue
            if int(entry["compareQuantity"]) != current:
                errors.append(_user_error("COMPARE_QUANTITY_STALE", [*field, "compareQuantity"],
                                          "The compareQuantity value does not match persisted value."))
                continue
        work.append((entry, level))
    return errors, work


def _apply(shop: str, data: dict[str, Any], work: list[tuple[dict, dict]]) -> dict[str, Any]:
    from emulators.shopify.state import next_id

    changes = []
    for entry, level in work:
        quantity = int(entry["quantity"])
        before_available = level["available"]
        if data["name"] == "available":
            level["available"] = quantity  # on_hand moves by the same delta; committed is untouched
        else:
            level["available"] = quantity - level["committed"]
        delta = level["available"] - before_available
        put_level(shop, level)
        item, location = gid("InventoryItem", level["inventory_item_id"]), gid("Location", level["location_id"])
        on_hand = level["available"] + level["committed"]
        changes.append({"name": "available", "delta": delta, "quantityAfterChange": level["available"],
                        "item": {"id": item}, "location": {"id": location}})
        changes.append({"name": "on_hand", "delta": delta, "quantityAfterChange": on_hand,
                        "item": {"id": item}, "location": {"id": location}})
        if delta:
            level_changed(shop, level)
    return {"id": gid("InventoryAdjustmentGroup", next_id(shop)), "createdAt": now_iso(), "reason": data["reason"],
            "referenceDocumentUri": data.get("referenceDocumentUri"), "changes": changes}


def set_quantities(shop: str, version: str, data: dict[str, Any], key: str | None) -> dict[str, Any]:
    """The mutation's payload; a request Shopify refuses whole raises a GraphQLError."""
    entries = data.get("quantities") or []
    if len(entries) > MAX_ENTRIES:
        raise _top_error(f"The input array size of {len(entries)} is greater than the maximum allowed of "
                         f"{MAX_ENTRIES}.", "MAX_INPUT_SIZE_EXCEEDED")
    new_cas = version >= "2026-01" or version == "unstable"
    if (version >= "2026-04" or version == "unstable") and not key:
        raise _top_error("The @idempotent directive is required for this mutation.", "BAD_REQUEST")
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    shop_store = store(shop)
    key = key if new_cas else None
    if key:
        previous = shop_store.get("idempotency", key)
        if previous is not None:
            if not hmac.compare_digest(previous["digest"], digest):
                return {"inventoryAdjustmentGroup": None, "userErrors": [_user_error(
                    "IDEMPOTENCY_KEY_PARAMETER_MISMATCH", ["key"],
                    "The same idempotency key was used with different parameters.")]}
            return dict(previous["response"])
    errors, work = _check(shop, version, data)
    if errors:
        payload: dict[str, Any] = {"inventoryAdjustmentGroup": None, "userErrors": errors}
    else:
        payload = {"inventoryAdjustmentGroup": _apply(shop, data, work), "userErrors": []}
    if key:
        shop_store.put("idempotency", key, {"digest": digest, "response": payload})
    return payload


def level_changed(shop: str, level: dict[str, Any]) -> None:
    """`inventory_levels/update`: the REST InventoryLevel with `available` after the change."""
    from emulators.shopify.http import webhooks_deliver

    item, location = level["inventory_item_id"], level["location_id"]
    webhooks_deliver(shop, "inventory_levels/update", {
        "inventory_item_id": item, "location_id": location, "available": level["available"],
        "updated_at": level["updated_at"],
        "admin_graphql_api_id": f"gid://shopify/InventoryLevel/{location}?inventory_item_id={item}"})
