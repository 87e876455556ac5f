"""Resolvers of the Admin GraphQL fields the emulator serves, over the shop's stored documents.

Each root field returns plain dicts shaped as the schema's types; a dict value that is callable
takes the field's arguments (`inventoryLevel(locationId:)`, `quantities(names:)`). A connection
answers `nodes`, `edges { cursor node }` and `pageInfo` alike.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

from graphql import GraphQLError

from emulators.shopify.state import gid, number_of, store, variants

QUANTITY_NAMES = ("available", "committed", "damaged", "incoming", "on_hand", "quality_control", "reserved",
                  "safety_stock", "unavailable")
MAX_PAGE = 250


def _cursor(number: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"last_id": number}).encode()).decode()


def _after(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(cursor.encode()))["last_id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise GraphQLError(f"Invalid cursor for current pagination sort: '{cursor}'",
                           extensions={"code": "BAD_REQUEST"}) from exc


def connection(rows: list[dict[str, Any]], args: dict[str, Any], number: Callable[[dict[str, Any]], int]
               ) -> dict[str, Any]:
    """A Relay page over rows sorted by `number` (first/after, last/before, reverse)."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last", extensions={"code": "BAD_REQUEST"})
    if (first or 0) > MAX_PAGE or (last or 0) > MAX_PAGE:
        raise GraphQLError(f"The maximum page size is {MAX_PAGE}.", extensions={"code": "BAD_REQUEST"})
    ordered = sorted(rows, key=number, reverse=bool(args.get("reverse")))
    if args.get("after"):
        after = _after(args["after"])
        ordered = ordered[next((i + 1 for i, r in enumerate(ordered) if number(r) == after), len(ordered)):]
    if args.get("before"):
        before = _after(args["before"])
        ordered = ordered[:next((i for i, r in enumerate(ordered) if number(r) == before), len(ordered))]
    page = ordered[:first] if first is not None else ordered[max(0, len(ordered) - last):]
    more_after = first is not None and len(ordered) > first
    more_before = last is not None and len(ordered) > last
    cursors = [_cursor(number(r)) for r in page]
    return {"nodes": page, "edges": [{"cursor": c, "node": r} for c, r in zip(cursors, page, strict=True)],
            "pageInfo": {"hasNextPage": more_after, "hasPreviousPage": more_before or bool(args.get("after")),
                         "startCursor": cursors[0] if cursors else None, "endCursor": cursors[-1] if cursors else None}}


def mapped(page: dict[str, Any], node: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """A page of stored rows turned into the schema's nodes, in `nodes` and `edges` alike."""
    nodes_ = [node(row) for row in page["nodes"]]
    return {**page, "nodes": nodes_,
            "edges": [{"cursor": e["cursor"], "node": n} for e, n in zip(page["edges"], nodes_, strict=True)]}


# --------------------------------------------------------------------------- inventory
def level_node(shop: str, level: dict[str, Any]) -> dict[str, Any]:
    item, location = level["inventory_item_id"], level["location_id"]

    def quantities(info: Any, names: list[str], **_: Any) -> list[dict[str, Any]]:
        unknown = [n for n in names if n not in QUANTITY_NAMES]
        if unknown:
            raise GraphQLError(f"Invalid quantity name: {unknown[0]}", extensions={"code": "INVALID_QUANTITY_NAME"})
        values = {"available": level["available"], "committed": level["committed"],
                  "on_hand": level["available"] + level["committed"]}
        return [{"id": f"gid://shopify/InventoryQuantity/{location}?inventory_item_id={item}&name={name}",
                 "name": name, "quantity": values.get(name, 0), "updatedAt": level["updated_at"]} for name in names]

    return {"id": f"gid://shopify/InventoryLevel/{location}?inventory_item_id={item}",
            "quantities": quantities, "updatedAt": level["updated_at"], "createdAt": level["updated_at"],
            "location": location_node(store(shop).get("locations", location) or {"id": location}),
            "item": {"id": gid("InventoryItem", item)}}


def inventory_item_node(shop: str, variant: dict[str, Any]) -> dict[str, Any]:
    item = variant["inventory_item_id"]

    def inventory_level(info: Any, locationId: str, **_: Any) -> dict[str, Any] | None:  # noqa: N803 (GraphQL's name)
        level = store(shop).get("levels", f"{item}:{number_of(locationId)}")
        return None if level is None else level_node(shop, level)

    return {"id": gid("InventoryItem", item), "legacyResourceId": str(item), "tracked": variant["tracked"],
            "sku": variant.get("sku") or None, "inventoryLevel": inventory_level,
            "createdAt": variant["updated_at"], "updatedAt": variant["updated_at"]}


# --------------------------------------------------------------------------- variants
def variant_node(shop: str, variant: dict[str, Any]) -> dict[str, Any]:
    product = store(shop).get("products", variant["product_id"]) or {}
    title = variant["title"]

    def inventory_quantity(info: Any, **_: Any) -> int | None:
        """The sum of `available` over the variant's locations (asked for only when selected)."""
        if not variant["tracked"]:
            return None
        return sum(int(lv.get("available") or 0) for lv in store(shop).all("levels")
                   if lv.get("inventory_item_id") == variant["inventory_item_id"])

    return {
        "__typename": "ProductVariant",
        "id": gid("ProductVariant", variant["id"]), "legacyResourceId": str(variant["id"]),
        "sku": variant.get("sku") or None, "title": title, "price": variant["price"],
        "displayName": f"{product.get('title', '')} - {title}", "updatedAt": variant["updated_at"],
        "createdAt": variant["updated_at"], "inventoryQuantity": inventory_quantity,
        "product": {"id": gid("Product", product.get("id")), "legacyResourceId": str(product.get("id")),
                    "title": product.get("title"), "status": product.get("status", "ACTIVE")},
        "inventoryItem": inventory_item_node(shop, variant),
    }


SEARCH_TERM = re.compile(r'(\w+):("([^"]*)"|\S+)')


def _matches(variant: dict[str, Any], query: str) -> bool:
    """Shopify's search syntax for the fields the emulator indexes (sku, id); other terms filter
    nothing here (UNCONFIRMED how each is matched by Shopify's search)."""
    for name, raw, quoted in SEARCH_TERM.findall(query or ""):
        value = quoted if raw.startswith('"') else raw
        if name == "sku" and (variant.get("sku") or "") != value:
            return False
        if name == "id" and str(variant["id"]) != str(number_of(value)):
            return False
    return True


def product_variants(shop: str, args: dict[str, Any]) -> dict[str, Any]:
    rows = [v for v in variants(shop) if _matches(v, str(args.get("query") or ""))]
    return mapped(connection(rows, args, lambda v: int(v["id"])), lambda v: variant_node(shop, v))


def nodes(shop: str, ids: list[str]) -> list[dict[str, Any] | None]:
    malformed = [i for i in ids if not str(i).startswith("gid://shopify/")]
    if malformed:
        raise GraphQLError(f"Invalid global id '{malformed[0]}'", extensions={"code": "argumentLiteralsIncompatible"})
    out: list[dict[str, Any] | None] = []
    for ident in ids:
        variant = store(shop).get("variants", number_of(ident)) if "/ProductVariant/" in ident else None
        out.append(None if variant is None else variant_node(shop, variant))
    return out


# --------------------------------------------------------------------------- locations, webhooks
def location_node(row: dict[str, Any]) -> dict[str, Any]:
    return {"__typename": "Location", "id": gid("Location", row["id"]), "legacyResourceId": str(row["id"]),
            "name": row.get("name"), "isActive": row.get("active"),
            "fulfillsOnlineOrders": row.get("fulfills_online_orders")}


def locations(shop: str, args: dict[str, Any]) -> dict[str, Any]:
    rows = store(shop).all("locations")
    if not args.get("includeInactive"):  # Shopify lists active locations unless asked
        rows = [r for r in rows if r.get("active")]
    return mapped(connection(rows, args, lambda r: int(r["id"])), location_node)


def webhook_node(row: dict[str, Any]) -> dict[str, Any]:
    return {"__typename": "WebhookSubscription", "id": gid("WebhookSubscription", row["id"]),
            "legacyResourceId": str(row["id"]), "topic": row["topic"], "uri": row["uri"], "format": "JSON",
            "includeFields": [], "filter": None, "apiVersion": None}


def webhook_subscriptions(shop: str, args: dict[str, Any]) -> dict[str, Any]:
    rows = store(shop).all("webhooks")
    if args.get("topics"):
        rows = [r for r in rows if r["topic"] in args["topics"]]
    if args.get("uri"):
        rows = [r for r in rows if r["uri"] == args["uri"]]
    return mapped(connection(rows, args, lambda r: int(r["id"])), webhook_node)


def webhook_create(shop: str, topic: str, subscription: dict[str, Any]) -> dict[str, Any]:
    from emulators.shopify.state import next_id

    uri = str(subscription.get("uri") or subscription.get("callbackUrl") or "")
    errors = []
    # Shopify wants https (or pubsub:// / arn:aws:events:); the emulator also takes http so a local
    # demo can subscribe its own http address.
    if not uri.startswith(("https://", "http://")):
        errors.append({"field": ["webhookSubscription", "uri"], "message": "Address is invalid"})
    if any(w["topic"] == topic and w["uri"] == uri for w in store(shop).all("webhooks")):
        errors.append({"field": ["webhookSubscription", "uri"], "message": "Address for this topic has already been taken"})
    if errors:
        return {"webhookSubscription": None, "userErrors": errors}
    number = next_id(shop)
    row = {"id": number, "topic": topic, "uri": uri}
    store(shop).put("webhooks", number, row)
    return {"webhookSubscription": webhook_node(row), "userErrors": []}
