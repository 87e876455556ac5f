"""Which OpenCart tables and columns this database has, detected from information_schema.

We never trust a version number: OpenCart stores none in the database. The flavour is decided by
columns that only one line of releases has (reference pack sections 2.2, 3.1, 3.2, 3.4):

| check                                   | 3.0 (and 2.x) | 4.x |
|---|---|---|
| `product.master_id` (variant -> master)  | absent        | present |
| `order_total.extension`                 | absent        | present |
| `order.shipping_code` / `payment_code`  | present       | absent from 4.0.2 (the method JSON in `shipping_method` carries the code) |

Option values (`product_option_value`) have no SKU in core; an extension column `option_sku`
or `sku` on that table, when present, is used as the option's SKU (see docs/opencart.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connector.platforms.base import PermanentError

# The tables the connector reads or writes; missing ones mean a wrong prefix or not OpenCart.
REQUIRED_TABLES = ("product", "product_description", "product_option_value", "order", "order_product",
                   "order_option", "order_total")
OPTIONAL_TABLES = ("option_value_description", "order_status", "setting", "language")
OPTION_SKU_COLUMNS = ("option_sku", "sku")


@dataclass(frozen=True)
class Schema:
    prefix: str
    columns: dict[str, frozenset[str]] = field(default_factory=dict)
    engines: dict[str, str] = field(default_factory=dict)

    def table(self, name: str) -> str:
        """The real, back-quoted table name (prefix validated by db.check_prefix)."""
        return f"`{self.prefix}{name}`"

    def has(self, table: str, column: str = "") -> bool:
        cols = self.columns.get(table)
        return cols is not None and (not column or column in cols)

    @property
    def flavour(self) -> str:
        return "4.x" if self.has("product", "master_id") or self.has("order_total", "extension") else "3.0"

    @property
    def option_sku_column(self) -> str:
        for name in OPTION_SKU_COLUMNS:
            if self.has("product_option_value", name):
                return name
        return ""

    @property
    def transactional(self) -> bool:
        """OpenCart 3.0's installer creates MyISAM tables, which ignore transactions (UNCONFIRMED for
        every release: stores converted to InnoDB are common). Reported on the connect page."""
        return all(self.engines.get(t, "InnoDB").lower() != "myisam" for t in ("product", "product_option_value"))

    @property
    def missing(self) -> list[str]:
        return [t for t in REQUIRED_TABLES if t not in self.columns]


def detect_schema(conn: Any, prefix: str) -> Schema:
    """One query over information_schema for every table with this prefix."""
    wanted = {f"{prefix}{t}": t for t in (*REQUIRED_TABLES, *OPTIONAL_TABLES)}
    columns: dict[str, set[str]] = {}
    engines: dict[str, str] = {}
    with conn.cursor() as cur:
        placeholders = ",".join(["%s"] * len(wanted))
        cur.execute(
            "SELECT c.TABLE_NAME AS t, c.COLUMN_NAME AS c, tb.ENGINE AS e FROM information_schema.COLUMNS c "
            "JOIN information_schema.TABLES tb ON tb.TABLE_SCHEMA = c.TABLE_SCHEMA AND tb.TABLE_NAME = c.TABLE_NAME "
            f"WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME IN ({placeholders})",
            list(wanted),
        )
        for row in cur.fetchall():
            table = wanted.get(row["t"])
            if table is None:  # case-insensitive table names on some servers
                continue
            columns.setdefault(table, set()).add(str(row["c"]).lower())
            engines[table] = str(row["e"] or "")
    return Schema(prefix=prefix, columns={k: frozenset(v) for k, v in columns.items()}, engines=engines)


def other_prefixes(conn: Any) -> list[str]:
    """Prefixes under which this database does hold OpenCart tables (for the 'wrong prefix' hint)."""
    with conn.cursor() as cur:
        cur.execute("SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                    "AND TABLE_NAME LIKE %s", ["%product_option_value"])
        names = [str(row["t"]) for row in cur.fetchall()]
    return sorted(name[: -len("product_option_value")] for name in names)


def require_complete(schema: Schema, conn: Any) -> None:
    missing = schema.missing
    if not missing:
        return
    if len(missing) == len(REQUIRED_TABLES):
        found = other_prefixes(conn)
        hint = (f" This database has OpenCart tables with the prefix {', '.join(repr(p) for p in found)}."
                if found else " This database has no OpenCart tables at all.")
        raise PermanentError(f"No OpenCart tables start with the prefix {schema.prefix!r}.{hint}",
                             code="wrong_prefix")
    names = ", ".join(f"{schema.prefix}{t}" for t in missing)
    raise PermanentError(f"The store database lacks the tables {names}. Is this a complete OpenCart 3.0 or 4.x "
                         "database?", code="missing_tables")


def language_id(conn: Any, schema: Schema) -> int:
    """The store's default language (setting `config_language` -> `language.code`), else the
    lowest language that has product names."""
    with conn.cursor() as cur:
        if schema.has("setting") and schema.has("language"):
            cur.execute(
                f"SELECT l.language_id AS id FROM {schema.table('setting')} s JOIN {schema.table('language')} l "
                "ON l.code = s.`value` WHERE s.store_id = 0 AND s.`key` IN ('config_language', "
                "'config_language_catalog') ORDER BY s.`key` LIMIT 1")
            row = cur.fetchone()
            if row:
                return int(row["id"])
        cur.execute(f"SELECT MIN(language_id) AS id FROM {schema.table('product_description')}")
        row = cur.fetchone()
    return int(row["id"]) if row and row["id"] is not None else 1
