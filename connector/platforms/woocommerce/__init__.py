"""WooCommerce: REST API v3 with consumer keys, signed webhooks plus a polling safety net."""

from connector.platforms.base import PlatformSpec

SPEC = PlatformSpec(
    id="woocommerce",
    label="WooCommerce",
    role="store",
    client="connector.platforms.woocommerce.client:WooCommerceClient",
    connect_kind="oauth",
    sku_label="SKU",
    stock_batch_max=100,
    reads_products_by_id=True,
    default_order_statuses=("processing", "completed"),
    webhooks="connector.platforms.woocommerce.webhooks",
    oauth="connector.platforms.woocommerce.oauth",
    connect_form="connector.platforms.woocommerce.forms:KeysForm",
    help_text="Connect through WooCommerce's approval screen, or enter a Read/Write REST API key by hand.",
)
