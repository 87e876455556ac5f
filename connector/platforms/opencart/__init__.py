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
    connect_form="connector.platforms.opencart.connect:OpenCartConnectForm",
    help_text="Connects to the shop's MySQL / MariaDB database (OpenCart 3.0 or 4.x): the host, database, "
              "user, password and table prefix from OpenCart's config.php.",
)
