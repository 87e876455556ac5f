"""The GraphQL Admin API subset the connector uses, with real envelopes: `data`, top-level
`errors` (THROTTLED, ACCESS_DENIED, input-size), mutation `userErrors`, and `extensions.cost`
on every answer. Operations are recognised by their root field; arguments come from variables.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from emulators.shopify.http import cost_refund, cost_take
from emulators.shopify.inventory import set_quantities
from emulators.shopify.state import gid, number_of, store, variants

MAX_QUERY_COST = 1000
ROOTS = ("inventorySetQuantities", "webhookSubscriptionCreate", "webhookSubscriptions", "productVariants",
         "locations", "nodes")
SCOPES = {"productVariants": "read_products", "nodes": "read_products", "locations": "read_locations",
          "inventorySetQuantities": "write_inventory"}
VALID_TOPICS = {"ORDERS_CREATE", "ORDERS_UPDATED", "ORDERS_CANCELLED", "ORDERS_PAID", "INVENTORY_LEVELS_UPDATE",
                "PRODUCTS_UPDATE", "APP_UNINSTALLED", "REFUNDS_CREATE", "INVENTORY_ITEMS_UPDATE"}


def root_of(query: str) -> str:
    for name in ROOTS:
        if re.search(rf"\b{name}\s*[({{]", query):
            return name
    return ""


def requested_cost(root: str, variables: dict[str, Any]) -> int:
    """Connections cost about 2 + nodes x fields; mutations 10 (commonly quoted; UNCONFIRMED)."""
    if root == "productVariants":
        return 2 + int(variables.get("first") or 0) * 4
    if root == "nodes":
        return 1 + len(variables.get("ids") or [])
    if root in ("locations", "webhookSubscriptions"):
        return 2 + 50
    return 10


def _cursor(number: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"last_id": number}).encode()).decode()


def _after(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(cursor.encode()))["last_id"])
    except (ValueError, KeyError, TypeError):
        return 0


def product_variants(shop: str, variables: dict[str, Any]) -> tuple[dict[str, Any], int]:
    first = min(int(variables.get("first") or 50), 250)
    start = _after(variables.get("after"))
    wanted_sku = str(variables.get("q") or variables.get("query") or "").removeprefix("sku:") or None
    location = number_of(variables.get("locationId") or "")
    rows = [v for v in variants(shop) if v["id"] > start and (wanted_sku is None or v.get("sku") == wanted_sku)]
    page, more = rows[:first], len(rows) > first
    shop_store = store(shop)
    nodes = []
    for variant in page:
        product = shop_store.get("products", variant["product_id"]) or {}
        level = shop_store.get("levels", f"{variant['inventory_item_id']}:{location}")
        nodes.append({
            "id": gid("ProductVariant", variant["id"]), "legacyResourceId": str(variant["id"]),
            "sku": variant.get("sku") or None, "title": variant["title"], "updatedAt": variant["updated_at"],
            "product": {"id": gid("Product", product.get("id")), "title": product.get("title"),
                        "status": product.get("status", "ACTIVE")},
            "inventoryItem": {
                "id": gid("InventoryItem", variant["inventory_item_id"]), "tracked": variant["tracked"],
                "inventoryLevel": None if level is None else {
                    "quantities": [{"name": "available", "quantity": level["available"]}]},
            },
        })
    page_info = {"hasNextPage": more, "endCursor": _cursor(page[-1]["id"]) if page else None}
    return {"productVariants": {"nodes": nodes, "pageInfo": page_info}}, 2 + len(nodes) * 4


def locations(shop: str) -> tuple[dict[str, Any], int]:
    rows = sorted(store(shop).all("locations"), key=lambda loc: loc["id"])
    nodes = [{"id": gid("Location", row["id"]), "name": row["name"], "isActive": row["active"],
              "fulfillsOnlineOrders": row["fulfills_online_orders"]} for row in rows]
    return {"locations": {"nodes": nodes}}, 2 + len(nodes)


def nodes(shop: str, variables: dict[str, Any]) -> tuple[dict[str, Any], int]:
    shop_store = store(shop)
    out: list[dict[str, Any] | None] = []
    malformed = [i for i in variables.get("ids") or [] if not str(i).startswith("gid://shopify/")]
    if malformed:
        return {"errors": [{"message": f"Invalid global id '{malformed[0]}'",
                            "extensions": {"code": "argumentLiteralsIncompatible"}}]}, 0
    for ident in variables.get("ids") or []:
        variant = shop_store.get("variants", number_of(ident)) if "/ProductVariant/" in str(ident) else None
        out.append(None if variant is None else {
            "id": gid("ProductVariant", variant["id"]),
            "inventoryItem": {"id": gid("InventoryItem", variant["inventory_item_id"])}})
    return {"nodes": out}, 1 + len(out)


def webhook_subscriptions(shop: str) -> tuple[dict[str, Any], int]:
    rows = sorted(store(shop).all("webhooks"), key=lambda w: w["id"])
    return {"webhookSubscriptions": {"nodes": [
        {"id": gid("WebhookSubscription", w["id"]), "topic": w["topic"], "uri": w["uri"]} for w in rows]}}, 2 + len(rows)


def webhook_create(shop: str, variables: dict[str, Any]) -> tuple[dict[str, Any], int]:
    from emulators.shopify.state import next_id

    topic = str(variables.get("topic") or "")
    sub = variables.get("subscription") or variables.get("webhookSubscription") or {}
    uri = str(sub.get("uri") or sub.get("callbackUrl") or "")
    errors = []
    if topic not in VALID_TOPICS:
        errors.append({"field": ["topic"], "message": f"Topic {topic!r} is not valid"})
    if not uri.startswith(("https://", "http://")):  # real Shopify demands https; local demos use http
        errors.append({"field": ["webhookSubscription", "uri"], "message": "Address is invalid"})
    if any(w["topic"] == topic and w["uri"] == uri for w in store(shop).all("webhooks")):
        errors.append({"field": ["webhookSubscription", "uri"], "message": "Address for this topic has already been taken"})
    if errors:
        return {"webhookSubscriptionCreate": {"webhookSubscription": None, "userErrors": errors}}, 10
    number = next_id(shop)
    store(shop).put("webhooks", number, {"id": number, "topic": topic, "uri": uri})
    node = {"id": gid("WebhookSubscription", number), "topic": topic, "uri": uri}
    return {"webhookSubscriptionCreate": {"webhookSubscription": node, "userErrors": []}}, 10


def execute(shop: str, version: str, token: dict[str, Any], query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """One GraphQL request -> the response envelope."""
    from emulators.shopify.http import has_scope

    root = root_of(query)
    if not root:
        return {"errors": [{"message": "Field is not supported by this emulator", "extensions": {"code": "undefinedField"}}]}
    needed = SCOPES.get(root)
    if needed and not has_scope(token, needed):
        return {"data": None, "errors": [{"message": f"Access denied for {root} field. Required access: "
                                          f"`{needed}` access scope.", "extensions": {"code": "ACCESS_DENIED"}}]}
    requested = requested_cost(root, variables)
    if requested > MAX_QUERY_COST:
        return {"errors": [{"message": f"Query cost is {requested}, which exceeds the single query max cost limit "
                                       f"({MAX_QUERY_COST}).",
                            "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": MAX_QUERY_COST}}]}
    allowed, status = cost_take(shop, requested)
    if not allowed:
        return {"errors": [{"message": "Throttled", "extensions": {
                    "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": {"cost": {"requestedQueryCost": requested, "actualQueryCost": None,
                                        "throttleStatus": status}}}
    if root == "productVariants":
        result: Any = product_variants(shop, variables)
    elif root == "locations":
        result = locations(shop)
    elif root == "nodes":
        result = nodes(shop, variables)
    elif root == "webhookSubscriptions":
        result = webhook_subscriptions(shop)
    elif root == "webhookSubscriptionCreate":
        result = webhook_create(shop, variables)
    else:
        result = set_quantities(shop, version, query, variables)
    if "errors" in result[0]:  # a top-level error from the resolver (bad input shape)
        return {**result[0], "extensions": {"cost": {"requestedQueryCost": requested, "actualQueryCost": 0,
                                                     "throttleStatus": cost_refund(shop, requested, status)}}}
    data, actual = result
    status = cost_refund(shop, requested - actual, status)
    return {"data": data, "extensions": {"cost": {"requestedQueryCost": requested, "actualQueryCost": actual,
                                                  "throttleStatus": status}}}

