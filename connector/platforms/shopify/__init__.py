"""Shopify: GraphQL Admin API, offline tokens, HMAC-signed webhooks."""

from connector.platforms.base import PlatformSpec

SPEC = PlatformSpec(
    id="shopify",
    label="Shopify",
    role="store",
    client="connector.platforms.shopify.client:ShopifyClient",
    connect_kind="oauth",
    sku_label="SKU",
    stock_batch_max=250,
    default_order_statuses=("paid", "partially_paid", "authorized"),
    webhooks="connector.platforms.shopify.webhooks",
    oauth="connector.platforms.shopify.oauth",
    settings_names=("SHOPIFY_CLIENT_ID", "SHOPIFY_CLIENT_SECRET", "SHOPIFY_API_VERSION"),
)
