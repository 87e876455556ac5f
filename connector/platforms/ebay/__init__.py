"""eBay: the SKU is the listing's Custom Label; orders are polled from the Fulfillment API."""

from connector.platforms.base import PlatformSpec

SPEC = PlatformSpec(
    id="ebay",
    label="eBay",
    role="store",
    client="connector.platforms.ebay.client:EbayClient",
    connect_kind="oauth",
    sku_label="Custom Label",
    stock_batch_max=4,
    default_order_statuses=("PAID",),
    webhooks="connector.platforms.ebay.webhooks",
    oauth="connector.platforms.ebay.oauth",
    settings_names=("EBAY_CLIENT_ID", "EBAY_CLIENT_SECRET", "EBAY_RUNAME", "EBAY_ENVIRONMENT",
                    "EBAY_VERIFICATION_TOKEN"),
)
