"""QuickBooks Online: the accounting side and the only source of stock."""

from connector.platforms.base import PlatformSpec

SPEC = PlatformSpec(
    id="quickbooks",
    label="QuickBooks Online",
    role="accounting",
    client="connector.platforms.quickbooks.client:QuickBooksClient",
    connect_kind="oauth",
    webhooks="connector.platforms.quickbooks.webhooks",
    oauth="connector.platforms.quickbooks.oauth",
    settings_names=("QUICKBOOKS_CLIENT_ID", "QUICKBOOKS_CLIENT_SECRET", "QUICKBOOKS_ENVIRONMENT",
                    "QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN"),
    stock_batch_max=30,
)
