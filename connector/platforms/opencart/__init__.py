"""OpenCart: read and written through the store's MySQL / MariaDB database; the SKU is Model."""

from connector.platforms.base import PlatformSpec

SPEC = PlatformSpec(
    id="opencart",
    label="OpenCart",
    role="store",
    client="connector.platforms.opencart.client:OpenCartClient",
    connect_kind="database",
    sku_label="Model",
    stock_batch_max=500,
    default_order_statuses=("Processing", "Complete", "Shipped"),
    webhooks="",
    oauth="",
    emulator_urls="connector.platforms.opencart.emulator",
)
