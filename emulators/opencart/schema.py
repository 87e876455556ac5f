"""The OpenCart tables the connector touches, with their real column names and types.

3.0: from `install/opencart.sql` of OpenCart 3.0.4.1 (reference pack 2.2, 3.1-3.5).
4.x: the same tables as `system/helper/db_schema.php` of 4.0.2+ shapes them: `product.master_id`,
`variant`, `override`, `rating` added and `viewed` dropped; `order_product.master_id` and
`order_total.extension` added; `order.fax`, `payment_code`, `shipping_code` dropped and
`payment_method` / `shipping_method` holding JSON.

Subset: columns the connector never reads are kept when cheap (so real-shaped rows insert), but
tables it never touches are left out. InnoDB everywhere, so batch transactions can be observed
(3.0's installer uses MyISAM; see schema.Schema.transactional). The emulator adds the common
option-SKU extension column `option_sku` to `product_option_value`.
"""

from __future__ import annotations

FLAVOURS = ("3.0", "4.x")

_TABLES_30: dict[str, list[str]] = {
    "product": [
        "`product_id` int(11) NOT NULL AUTO_INCREMENT", "`model` varchar(64) NOT NULL", "`sku` varchar(64) NOT NULL",
        "`upc` varchar(12) NOT NULL", "`ean` varchar(14) NOT NULL", "`jan` varchar(13) NOT NULL",
        "`isbn` varchar(17) NOT NULL", "`mpn` varchar(64) NOT NULL", "`location` varchar(128) NOT NULL",
        "`quantity` int(4) NOT NULL DEFAULT '0'", "`stock_status_id` int(11) NOT NULL",
        "`image` varchar(255) DEFAULT NULL", "`manufacturer_id` int(11) NOT NULL",
        "`shipping` tinyint(1) NOT NULL DEFAULT '1'", "`price` decimal(15,4) NOT NULL DEFAULT '0.0000'",
        "`points` int(8) NOT NULL DEFAULT '0'", "`tax_class_id` int(11) NOT NULL",
        "`date_available` date NOT NULL", "`weight` decimal(15,8) NOT NULL DEFAULT '0.00000000'",
        "`weight_class_id` int(11) NOT NULL DEFAULT '0'", "`length` decimal(15,8) NOT NULL DEFAULT '0.00000000'",
        "`width` decimal(15,8) NOT NULL DEFAULT '0.00000000'", "`height` decimal(15,8) NOT NULL DEFAULT '0.00000000'",
        "`length_class_id` int(11) NOT NULL DEFAULT '0'", "`subtract` tinyint(1) NOT NULL DEFAULT '1'",
        "`minimum` int(11) NOT NULL DEFAULT '1'", "`sort_order` int(11) NOT NULL DEFAULT '0'",
        "`status` tinyint(1) NOT NULL DEFAULT '0'", "`viewed` int(5) NOT NULL DEFAULT '0'",
        "`date_added` datetime NOT NULL", "`date_modified` datetime NOT NULL", "PRIMARY KEY (`product_id`)",
    ],
    "product_description": [
        "`product_id` int(11) NOT NULL", "`language_id` int(11) NOT NULL", "`name` varchar(255) NOT NULL",
        "`description` text NOT NULL", "`tag` text NOT NULL", "`meta_title` varchar(255) NOT NULL",
        "`meta_description` varchar(255) NOT NULL", "`meta_keyword` varchar(255) NOT NULL",
        "PRIMARY KEY (`product_id`,`language_id`)", "KEY `name` (`name`)",
    ],
    "product_option": [
        "`product_option_id` int(11) NOT NULL AUTO_INCREMENT", "`product_id` int(11) NOT NULL",
        "`option_id` int(11) NOT NULL", "`value` text NOT NULL", "`required` tinyint(1) NOT NULL",
        "PRIMARY KEY (`product_option_id`)",
    ],
    "product_option_value": [
        "`product_option_value_id` int(11) NOT NULL AUTO_INCREMENT", "`product_option_id` int(11) NOT NULL",
        "`product_id` int(11) NOT NULL", "`option_id` int(11) NOT NULL", "`option_value_id` int(11) NOT NULL",
        "`quantity` int(3) NOT NULL", "`subtract` tinyint(1) NOT NULL", "`price` decimal(15,4) NOT NULL",
        "`price_prefix` varchar(1) NOT NULL", "`points` int(8) NOT NULL", "`points_prefix` varchar(1) NOT NULL",
        "`weight` decimal(15,8) NOT NULL", "`weight_prefix` varchar(1) NOT NULL",
        "`option_sku` varchar(64) NOT NULL DEFAULT ''",  # extension column (see module docstring)
        "PRIMARY KEY (`product_option_value_id`)",
    ],
    "option_description": [
        "`option_id` int(11) NOT NULL", "`language_id` int(11) NOT NULL", "`name` varchar(128) NOT NULL",
        "PRIMARY KEY (`option_id`,`language_id`)",
    ],
    "option_value_description": [
        "`option_value_id` int(11) NOT NULL", "`language_id` int(11) NOT NULL", "`option_id` int(11) NOT NULL",
        "`name` varchar(128) NOT NULL", "PRIMARY KEY (`option_value_id`,`language_id`)",
    ],
    "order": [
        "`order_id` int(11) NOT NULL AUTO_INCREMENT", "`invoice_no` int(11) NOT NULL DEFAULT '0'",
        "`invoice_prefix` varchar(26) NOT NULL", "`store_id` int(11) NOT NULL DEFAULT '0'",
        "`store_name` varchar(64) NOT NULL", "`store_url` varchar(255) NOT NULL",
        "`customer_id` int(11) NOT NULL DEFAULT '0'", "`customer_group_id` int(11) NOT NULL DEFAULT '0'",
        "`firstname` varchar(32) NOT NULL", "`lastname` varchar(32) NOT NULL", "`email` varchar(96) NOT NULL",
        "`telephone` varchar(32) NOT NULL", "`fax` varchar(32) NOT NULL", "`custom_field` text NOT NULL",
        "`payment_firstname` varchar(32) NOT NULL", "`payment_lastname` varchar(32) NOT NULL",
        "`payment_company` varchar(60) NOT NULL", "`payment_address_1` varchar(128) NOT NULL",
        "`payment_address_2` varchar(128) NOT NULL", "`payment_city` varchar(128) NOT NULL",
        "`payment_postcode` varchar(10) NOT NULL", "`payment_country` varchar(128) NOT NULL",
        "`payment_country_id` int(11) NOT NULL", "`payment_zone` varchar(128) NOT NULL",
        "`payment_zone_id` int(11) NOT NULL", "`payment_address_format` text NOT NULL",
        "`payment_custom_field` text NOT NULL", "`payment_method` varchar(128) NOT NULL",
        "`payment_code` varchar(128) NOT NULL",
        "`shipping_firstname` varchar(32) NOT NULL", "`shipping_lastname` varchar(32) NOT NULL",
        "`shipping_company` varchar(40) NOT NULL", "`shipping_address_1` varchar(128) NOT NULL",
        "`shipping_address_2` varchar(128) NOT NULL", "`shipping_city` varchar(128) NOT NULL",
        "`shipping_postcode` varchar(10) NOT NULL", "`shipping_country` varchar(128) NOT NULL",
        "`shipping_country_id` int(11) NOT NULL", "`shipping_zone` varchar(128) NOT NULL",
        "`shipping_zone_id` int(11) NOT NULL", "`shipping_address_format` text NOT NULL",
        "`shipping_custom_field` text NOT NULL", "`shipping_method` varchar(128) NOT NULL",
        "`shipping_code` varchar(128) NOT NULL", "`comment` text NOT NULL",
        "`total` decimal(15,4) NOT NULL DEFAULT '0.0000'", "`order_status_id` int(11) NOT NULL DEFAULT '0'",
        "`affiliate_id` int(11) NOT NULL", "`commission` decimal(15,4) NOT NULL", "`marketing_id` int(11) NOT NULL",
        "`tracking` varchar(64) NOT NULL", "`language_id` int(11) NOT NULL", "`currency_id` int(11) NOT NULL",
        "`currency_code` varchar(3) NOT NULL", "`currency_value` decimal(15,8) NOT NULL DEFAULT '1.00000000'",
        "`ip` varchar(40) NOT NULL", "`forwarded_ip` varchar(40) NOT NULL", "`user_agent` varchar(255) NOT NULL",
        "`accept_language` varchar(255) NOT NULL", "`date_added` datetime NOT NULL",
        "`date_modified` datetime NOT NULL", "PRIMARY KEY (`order_id`)",
    ],
    "order_product": [
        "`order_product_id` int(11) NOT NULL AUTO_INCREMENT", "`order_id` int(11) NOT NULL",
        "`product_id` int(11) NOT NULL", "`name` varchar(255) NOT NULL", "`model` varchar(64) NOT NULL",
        "`quantity` int(4) NOT NULL", "`price` decimal(15,4) NOT NULL DEFAULT '0.0000'",
        "`total` decimal(15,4) NOT NULL DEFAULT '0.0000'", "`tax` decimal(15,4) NOT NULL DEFAULT '0.0000'",
        "`reward` int(8) NOT NULL", "PRIMARY KEY (`order_product_id`)", "KEY `order_id` (`order_id`)",
    ],
    "order_option": [
        "`order_option_id` int(11) NOT NULL AUTO_INCREMENT", "`order_id` int(11) NOT NULL",
        "`order_product_id` int(11) NOT NULL", "`product_option_id` int(11) NOT NULL",
        "`product_option_value_id` int(11) NOT NULL DEFAULT '0'", "`name` varchar(255) NOT NULL",
        "`value` text NOT NULL", "`type` varchar(32) NOT NULL", "PRIMARY KEY (`order_option_id`)",
    ],
    "order_total": [
        "`order_total_id` int(10) NOT NULL AUTO_INCREMENT", "`order_id` int(11) NOT NULL",
        "`code` varchar(32) NOT NULL", "`title` varchar(255) NOT NULL",
        "`value` decimal(15,4) NOT NULL DEFAULT '0.0000'", "`sort_order` int(3) NOT NULL",
        "PRIMARY KEY (`order_total_id`)", "KEY `order_id` (`order_id`)",
    ],
    "order_status": [
        "`order_status_id` int(11) NOT NULL AUTO_INCREMENT", "`language_id` int(11) NOT NULL",
        "`name` varchar(32) NOT NULL", "PRIMARY KEY (`order_status_id`,`language_id`)",
    ],
    "order_history": [
        "`order_history_id` int(11) NOT NULL AUTO_INCREMENT", "`order_id` int(11) NOT NULL",
        "`order_status_id` int(11) NOT NULL", "`notify` tinyint(1) NOT NULL DEFAULT '0'",
        "`comment` text NOT NULL", "`date_added` datetime NOT NULL", "PRIMARY KEY (`order_history_id`)",
    ],
    "language": [
        "`language_id` int(11) NOT NULL AUTO_INCREMENT", "`name` varchar(32) NOT NULL",
        "`code` varchar(5) NOT NULL", "`locale` varchar(255) NOT NULL", "`image` varchar(64) NOT NULL",
        "`directory` varchar(32) NOT NULL", "`sort_order` int(3) NOT NULL DEFAULT '0'",
        "`status` tinyint(1) NOT NULL", "PRIMARY KEY (`language_id`)",
    ],
    "setting": [
        "`setting_id` int(11) NOT NULL AUTO_INCREMENT", "`store_id` int(11) NOT NULL DEFAULT '0'",
        "`code` varchar(128) NOT NULL", "`key` varchar(128) NOT NULL", "`value` text NOT NULL",
        "`serialized` tinyint(1) NOT NULL", "PRIMARY KEY (`setting_id`)",
    ],
}

_ADD_4X = {
    "product": ["`master_id` int(11) NOT NULL DEFAULT '0'", "`variant` text NOT NULL", "`override` text NOT NULL",
                "`rating` int(1) NOT NULL DEFAULT '0'"],
    "order_product": ["`master_id` int(11) NOT NULL DEFAULT '0'"],
    "order_total": ["`extension` varchar(255) NOT NULL DEFAULT ''"],
    "order": ["`subscription_id` int(11) NOT NULL DEFAULT '0'", "`transaction_id` varchar(100) NOT NULL DEFAULT ''",
              "`payment_address_id` int(11) NOT NULL DEFAULT '0'", "`shipping_address_id` int(11) NOT NULL DEFAULT '0'",
              "`language_code` varchar(5) NOT NULL DEFAULT 'en-gb'"],
}
_DROP_4X = {"product": ("viewed",), "order": ("fax", "payment_code", "shipping_code")}
# 4.0.2+ stores the chosen methods as JSON: wider columns.
_RETYPE_4X = {"order": {"payment_method": "`payment_method` text NOT NULL",
                        "shipping_method": "`shipping_method` text NOT NULL"}}

# Core order statuses (pack 3.5), English.
ORDER_STATUSES = {1: "Pending", 2: "Processing", 3: "Shipped", 5: "Complete", 7: "Canceled", 8: "Denied",
                  9: "Canceled Reversal", 10: "Failed", 11: "Refunded", 12: "Reversed", 13: "Chargeback",
                  14: "Expired", 15: "Processed", 16: "Voided"}


def columns(flavour: str) -> dict[str, list[str]]:
    if flavour not in FLAVOURS:
        raise ValueError(f"Unknown OpenCart schema flavour {flavour!r}")
    tables = {name: list(cols) for name, cols in _TABLES_30.items()}
    if flavour == "3.0":
        return tables
    for table, dropped in _DROP_4X.items():
        tables[table] = [c for c in tables[table] if not any(c.startswith(f"`{d}`") for d in dropped)]
    for table, retyped in _RETYPE_4X.items():
        tables[table] = [next((new for name, new in retyped.items() if c.startswith(f"`{name}`")), c)
                         for c in tables[table]]
    for table, added in _ADD_4X.items():
        keys = [c for c in tables[table] if c.startswith(("PRIMARY", "KEY"))]
        plain = [c for c in tables[table] if not c.startswith(("PRIMARY", "KEY"))]
        tables[table] = plain + added + keys
    return tables


def create_statements(prefix: str, flavour: str) -> list[str]:
    return [f"CREATE TABLE `{prefix}{name}` (\n  " + ",\n  ".join(cols) +
            "\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci"
            for name, cols in columns(flavour).items()]


def table_names(prefix: str) -> list[str]:
    return [f"{prefix}{name}" for name in _TABLES_30]
