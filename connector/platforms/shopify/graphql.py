"""GraphQL Admin API documents the connector sends (and the emulator answers).

Kept as plain text so the emulator and the tests can refer to the exact operations. Every
document names its operation; the emulator dispatches on the root field.
Reference: https://shopify.dev/docs/api/admin-graphql/2025-10
"""

from __future__ import annotations

from django.conf import settings

# Relay pages of variants: one row per sellable unit. 100 nodes keep the requested cost (5 points
# per node, one per object selected, plus 2 for the connection) well under the 1000-point ceiling.
VARIANTS_PAGE_SIZE = 100

VARIANTS_QUERY = """
query ConnectorVariants($first: Int!, $after: String, $locationId: ID!) {
  productVariants(first: $first, after: $after, sortKey: ID) {
    nodes {
      id
      sku
      title
      updatedAt
      product { id title status }
      inventoryItem {
        id
        tracked
        inventoryLevel(locationId: $locationId) { quantities(names: ["available"]) { name quantity } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
""".strip()

# Which inventory item belongs to each variant (when a StockUpdate arrives without it).
VARIANT_ITEMS_QUERY = """
query ConnectorVariantItems($ids: [ID!]!) {
  nodes(ids: $ids) { ... on ProductVariant { id inventoryItem { id } } }
}
""".strip()

LOCATIONS_QUERY = """
query ConnectorLocations {
  locations(first: 50) { nodes { id name isActive fulfillsOnlineOrders } }
}
""".strip()

_SET_QUANTITIES_BODY = """
    inventoryAdjustmentGroup {
      id
      changes { name delta quantityAfterChange item { id } location { id } }
    }
    userErrors { code field message }
"""

# <= 2025-10: compareQuantity / ignoreCompareQuantity, no idempotency directive.
SET_QUANTITIES_MUTATION = (
    "mutation ConnectorSetQuantities($input: InventorySetQuantitiesInput!) {\n"
    "  inventorySetQuantities(input: $input) {" + _SET_QUANTITIES_BODY + "  }\n}"
)

# >= 2026-01: changeFromQuantity per entry and @idempotent (mandatory from 2026-04).
SET_QUANTITIES_IDEMPOTENT_MUTATION = (
    "mutation ConnectorSetQuantities($input: InventorySetQuantitiesInput!, $key: String!) {\n"
    "  inventorySetQuantities(input: $input) @idempotent(key: $key) {" + _SET_QUANTITIES_BODY + "  }\n}"
)

# inventorySetQuantities takes at most 250 entries (the general input-array limit).
SET_QUANTITIES_MAX = 250

WEBHOOK_SUBSCRIPTIONS_QUERY = """
query ConnectorWebhookSubscriptions {
  webhookSubscriptions(first: 100) { nodes { id topic uri } }
}
""".strip()

WEBHOOK_CREATE_MUTATION = """
mutation ConnectorWebhookCreate($topic: WebhookSubscriptionTopic!, $subscription: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $subscription) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}
""".strip()


def api_version() -> str:
    return settings.SHOPIFY_API_VERSION


def version_at_least(version: str, floor: str) -> bool:
    """API versions are YYYY-MM strings (compare as text); "unstable" is newer than any."""
    if version == "unstable":
        return True
    return version >= floor


def uses_change_from(version: str) -> bool:
    """2026-01 introduced changeFromQuantity and @idempotent; 2026-04 made both mandatory.

    We opt in from 2026-01 so the same code is correct before and after the 2026-04 cut-over.
    """
    return version_at_least(version, "2026-01")


def gid(kind: str, number: int | str) -> str:
    return f"gid://shopify/{kind}/{number}"


def gid_number(value: str) -> str:
    """`gid://shopify/Order/450789469` -> `450789469`; numbers pass through."""
    tail = str(value).rsplit("/", 1)[-1]
    return tail.split("?", 1)[0]
