"""OpenCart client: reads and writes the store's MySQL / MariaDB tables (OpenCart 3.0 and 4.x).

Credentials (ConnectedSystem.credentials, encrypted at rest): `dsn` (mysql://user:pass@host:port/db),
`prefix` (default "oc_"), optional `timezone` (the store's; DATETIME columns are naive, default
UTC) and `language_id` (default: the store's default language).

- Products: `product` + `product_description` in the store language, plus every option value
  (`product_option_value`) as a child with its own stock. SKU = Model (see mapping.py).
- Stock: absolute quantities, one transaction per batch; unknown ids and products that do not
  subtract stock fail alone, everything else commits together.
- Orders: polled by `date_modified` with `order_status_id > 0` (0 = a checkout never confirmed),
  cursor in cursor.py. Each page is read on its own short connection, then yielded, so no
  transaction stays open while the caller posts an order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connector.platforms.base import (
    ExternalOrder,
    ExternalProduct,
    PermanentError,
    StockResult,
    StockUpdate,
)
from connector.platforms.opencart.cursor import Cursor, parse_cursor
from connector.platforms.opencart.db import check_prefix, connection
from connector.platforms.opencart.dsn import Dsn, parse_dsn
from connector.platforms.opencart.mapping import option_from_row, order_from_rows, product_from_row, stamp
from connector.platforms.opencart.schema import Schema, detect_schema, language_id, require_complete

DEFAULT_PREFIX = "oc_"
DEFAULT_LOOKBACK_DAYS = 7
PRODUCTS_PAGE_SIZE = 500
ORDERS_PAGE_SIZE = 100


class OpenCartClient:
    platform = "opencart"

    def __init__(self, system: Any) -> None:
        credentials = system.credentials or {}
        if not credentials.get("dsn"):
            raise PermanentError("This OpenCart connection has no database address. Connect the store again.")
        self.system = system
        self.dsn: Dsn = parse_dsn(str(credentials["dsn"]))
        self.prefix = check_prefix(str(credentials.get("prefix", DEFAULT_PREFIX)))
        try:
            self.tz = ZoneInfo(str(credentials.get("timezone") or "UTC"))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise PermanentError(f"Unknown store time zone {credentials.get('timezone')!r}.") from exc
        self._language_id: int | None = int(credentials["language_id"]) if credentials.get("language_id") else None
        self._schema: Schema | None = None

    # ------------------------------------------------------------------ schema
    def schema(self, conn: Any) -> Schema:
        if self._schema is None:
            schema = detect_schema(conn, self.prefix)
            require_complete(schema, conn)
            self._schema = schema
        return self._schema

    def language(self, conn: Any) -> int:
        if self._language_id is None:
            self._language_id = language_id(conn, self.schema(conn))
        return self._language_id

    # ------------------------------------------------------------------ products
    def iter_products(self) -> Iterator[ExternalProduct]:
        after = 0
        while True:
            with connection(self.dsn) as conn:
                page, options = self._product_page(conn, after)
            for product in page:
                yield product
                yield from options.get(product.external_id, [])
            if len(page) < PRODUCTS_PAGE_SIZE:
                return
            after = int(page[-1].external_id)

    def _product_page(self, conn: Any, after: int) -> tuple[list[ExternalProduct], dict[str, list[ExternalProduct]]]:
        schema, lang = self.schema(conn), self.language(conn)
        master = ", p.master_id" if schema.has("product", "master_id") else ""
        with conn.cursor() as cur:
            cur.execute(
                f"SELECT p.product_id, p.model, p.sku, p.quantity, p.subtract, p.status, p.price, p.date_modified"
                f"{master}, pd.name FROM {schema.table('product')} p LEFT JOIN {schema.table('product_description')} pd "
                "ON pd.product_id = p.product_id AND pd.language_id = %s WHERE p.product_id > %s "
                "ORDER BY p.product_id LIMIT %s", [lang, after, PRODUCTS_PAGE_SIZE])
            products = [product_from_row(row, self.tz) for row in cur.fetchall()]
            options: dict[str, list[ExternalProduct]] = {}
            if products:
                by_id = {p.external_id: p for p in products}
                for row in self._option_rows(cur, schema, lang, [int(i) for i in by_id]):
                    parent = by_id[str(row["product_id"])]
                    options.setdefault(parent.external_id, []).append(
                        option_from_row(row, parent, schema.option_sku_column))
        return products, options

    def _option_rows(self, cur: Any, schema: Schema, lang: int, product_ids: list[int]) -> list[dict[str, Any]]:
        sku = f", pov.`{schema.option_sku_column}`" if schema.option_sku_column else ""
        name_join, name = "", ", '' AS option_name"
        if schema.has("option_value_description"):
            name_join = (f" LEFT JOIN {schema.table('option_value_description')} ovd ON "
                         "ovd.option_value_id = pov.option_value_id AND ovd.language_id = %s")
            name = ", ovd.name AS option_name"
        marks = ",".join(["%s"] * len(product_ids))
        cur.execute(
            f"SELECT pov.product_option_value_id, pov.product_id, pov.quantity, pov.subtract{sku}{name} "
            f"FROM {schema.table('product_option_value')} pov{name_join} WHERE pov.product_id IN ({marks}) "
            "ORDER BY pov.product_id, pov.product_option_value_id",
            ([lang] if name_join else []) + product_ids)
        return list(cur.fetchall())

    # ------------------------------------------------------------------ stock
    def set_stock(self, updates: Sequence[StockUpdate]) -> list[StockResult]:
        from connector.platforms.opencart.stock import set_stock

        return set_stock(self, updates)

    # ------------------------------------------------------------------ orders
    def iter_orders_since(self, cursor: str) -> Iterator[tuple[ExternalOrder, str]]:
        """Orders modified at or after the cursor's second, oldest first by (date_modified, order_id),
        leaving out the orders the cursor already holds for that second (with the same status)."""
        start = parse_cursor(cursor)
        position: Cursor = start
        last: tuple[str, int] | None = None
        while True:
            with connection(self.dsn) as conn:
                if not start.stamp:
                    start = position = Cursor(self._lookback(conn))
                rows = self._order_page(conn, start, last)
                orders = self._orders(conn, rows)
            for row, order in zip(rows, orders, strict=True):
                position = position.after(stamp(row["date_modified"]), int(row["order_id"]),
                                          int(row["order_status_id"]))
                yield order, position.encode()
            if len(rows) < ORDERS_PAGE_SIZE:
                return
            last = (stamp(rows[-1]["date_modified"]), int(rows[-1]["order_id"]))

    def get_order(self, external_id: str) -> ExternalOrder:
        try:
            order_id = int(external_id)
        except (TypeError, ValueError) as exc:
            raise PermanentError(f"{external_id!r} is not an OpenCart order id.") from exc
        with connection(self.dsn) as conn:
            schema = self.schema(conn)
            with conn.cursor() as cur:
                cur.execute(f"SELECT * FROM {schema.table('order')} WHERE order_id = %s", [order_id])
                rows = list(cur.fetchall())
            if not rows:
                raise PermanentError(f"OpenCart has no order {order_id}.", status=404)
            return self._orders(conn, rows)[0]

    def _lookback(self, conn: Any) -> str:
        with conn.cursor() as cur:
            # The database's clock wrote date_modified, so it also measures the look-back.
            cur.execute("SELECT DATE_FORMAT(NOW() - INTERVAL %s DAY, '%%Y-%%m-%%d %%H:%%i:%%s') AS s",
                        [DEFAULT_LOOKBACK_DAYS])
            return str(cur.fetchone()["s"])

    def _order_page(self, conn: Any, start: Cursor, last: tuple[str, int] | None) -> list[dict[str, Any]]:
        schema = self.schema(conn)
        where = ["o.order_status_id > 0", "o.date_modified >= %s"]
        params: list[Any] = [start.stamp]
        if start.seen:
            terms: list[str] = []
            seen_params: list[Any] = []
            for order_id, status_id in start.seen:
                if status_id is None:
                    terms.append("o.order_id = %s")
                    seen_params.append(order_id)
                else:
                    terms.append("(o.order_id = %s AND o.order_status_id = %s)")
                    seen_params += [order_id, status_id]
            where.append(f"NOT (o.date_modified = %s AND ({' OR '.join(terms)}))")
            params += [start.stamp, *seen_params]
        if last is not None:  # keyset paging inside one poll
            where.append("(o.date_modified > %s OR (o.date_modified = %s AND o.order_id > %s))")
            params += [last[0], last[0], last[1]]
        with conn.cursor() as cur:
            cur.execute(f"SELECT o.* FROM {schema.table('order')} o WHERE {' AND '.join(where)} "
                        "ORDER BY o.date_modified, o.order_id LIMIT %s", [*params, ORDERS_PAGE_SIZE])
            return list(cur.fetchall())

    def _orders(self, conn: Any, rows: list[dict[str, Any]]) -> list[ExternalOrder]:
        """Products, ordered options, totals and status names of these orders in four queries."""
        if not rows:
            return []
        schema, lang = self.schema(conn), self.language(conn)
        ids = [int(r["order_id"]) for r in rows]
        marks = ",".join(["%s"] * len(ids))
        products: dict[int, list[dict[str, Any]]] = {}
        totals: dict[int, list[dict[str, Any]]] = {}
        option_skus: dict[int, list[tuple[int, str]]] = {}
        statuses: dict[int, str] = {}
        with conn.cursor() as cur:
            cur.execute(f"SELECT * FROM {schema.table('order_product')} WHERE order_id IN ({marks}) "
                        "ORDER BY order_product_id", ids)
            for row in cur.fetchall():
                products.setdefault(int(row["order_id"]), []).append(row)
            cur.execute(f"SELECT * FROM {schema.table('order_total')} WHERE order_id IN ({marks}) "
                        "ORDER BY sort_order, order_total_id", ids)
            for row in cur.fetchall():
                totals.setdefault(int(row["order_id"]), []).append(row)
            if schema.option_sku_column:
                cur.execute(
                    f"SELECT oo.order_product_id, oo.product_option_value_id, pov.`{schema.option_sku_column}` AS sku "
                    f"FROM {schema.table('order_option')} oo LEFT JOIN {schema.table('product_option_value')} pov "
                    "ON pov.product_option_value_id = oo.product_option_value_id "
                    f"WHERE oo.order_id IN ({marks}) ORDER BY oo.order_option_id", ids)
                for row in cur.fetchall():
                    option_skus.setdefault(int(row["order_product_id"]), []).append(
                        (int(row["product_option_value_id"] or 0), str(row["sku"] or "").strip()))
            if schema.has("order_status"):
                cur.execute(f"SELECT order_status_id, name FROM {schema.table('order_status')} "
                            "WHERE language_id = %s", [lang])
                statuses = {int(r["order_status_id"]): str(r["name"]) for r in cur.fetchall()}
        return [
            order_from_rows(row, products.get(int(row["order_id"]), []), totals.get(int(row["order_id"]), []),
                            tz=self.tz, option_skus=option_skus,
                            status_name=statuses.get(int(row["order_status_id"] or 0), ""))
            for row in rows
        ]
