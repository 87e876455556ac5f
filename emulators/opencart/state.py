"""State of the OpenCart emulator: real OpenCart-shaped tables in a real MariaDB / MySQL database.

OpenCart has no API to emulate (the connector talks to its database), so "the emulator" is the
schema of emulator_schema.py under a per-account table prefix, plus what the store itself would
do to those tables: place an order (lowering stock where `subtract` = 1, pack section 4) and save
a stock edit from the admin. The account registry (account -> prefix, schema flavour) lives in the
emulators app's EmulatorAccount rows so the web server and other processes share it.

Which database: settings / env `OPENCART_TEST_DATABASE_URL` (CI: mysql://root@127.0.0.1:3306/test);
if unset, MariaDB at the local default mysql://root@127.0.0.1:3306/test when it answers. If no
database answers, seeding raises EmulatorDatabaseUnavailable, a unittest.SkipTest, so test
suites skip OpenCart with that reason instead of failing.
"""

from __future__ import annotations

import hashlib
import os
import re
import unittest
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.conf import settings

from connector.env import env_str
from connector.platforms.base import PlatformError
from connector.platforms.opencart.db import open_connection
from connector.platforms.opencart.dsn import parse_dsn
from emulators.control import ControlError
from emulators.money import MoneyError, amount, rate
from emulators.opencart.schema import (
    ORDER_STATUSES,
    columns,
    create_statements,
    table_names,
)
from emulators.opencart.totals import Product, order_totals, stored, unit_tax
from emulators.store import EmulatorStore

PLATFORM = "opencart"
LOCAL_DEFAULT_URL = "mysql://root@127.0.0.1:3306/test"
PREFIX_ROOT = "ocemu"
LANGUAGE_ID = 1
SIZE_OPTION_ID = 1
# Statuses whose arrival subtracts stock with the install defaults (pack 4.2: processing set).
STOCK_STATUSES = frozenset({1, 2, 3, 5, 12})
# OpenCart's own database driver turns strict mode off; inserts leaving NOT NULL columns out rely
# on that, like OpenCart's models do.
SQL_MODE = "NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION"


class EmulatorDatabaseUnavailable(unittest.SkipTest):
    """No MariaDB / MySQL to hold the emulated store (pytest reports a skip with this reason)."""


def database_url() -> str:
    configured = getattr(settings, "OPENCART_TEST_DATABASE_URL", "") or env_str("OPENCART_TEST_DATABASE_URL")
    return configured or LOCAL_DEFAULT_URL


def store(account: str) -> EmulatorStore:
    return EmulatorStore(PLATFORM, account)


def account_config(account: str) -> dict[str, Any]:
    config = store(account).config()
    if not config.get("prefix"):
        raise ControlError(f"Unknown OpenCart account {account!r}")
    return config


def prefix_for(account: str) -> str:
    """`ocemu<namespace>_<account slug>_`. Processes that share one Django database share the
    emulated stores (the demo's web server, workers and seed command; a multi-process test stack),
    so the namespace comes from that database's name. An in-memory test database belongs to one
    process: there the pid keeps concurrent test runs apart, and seeding drops the tables of
    processes that have ended."""
    slug = re.sub(r"[^a-z0-9]+", "_", account.lower()).strip("_")
    if len(slug) > 16:
        slug = f"{slug[:10]}_{hashlib.sha1(account.encode()).hexdigest()[:5]}"
    return f"{PREFIX_ROOT}{_namespace()}_{slug or 'x'}_"


def _namespace() -> str:
    from django.db import connection

    name = str(connection.settings_dict.get("NAME") or "")
    if not name or "memory" in name:
        return str(os.getpid())
    return "h" + hashlib.sha1(name.encode()).hexdigest()[:7]  # a letter first: never taken for a pid


@contextmanager
def db(dsn: str | None = None) -> Iterator[Any]:
    try:
        conn = open_connection(dsn or database_url())
    except PlatformError as exc:
        raise EmulatorDatabaseUnavailable(f"OpenCart emulator database unavailable: {exc.message} "
                                          "(set OPENCART_TEST_DATABASE_URL)") from exc
    try:
        with conn.cursor() as cur:
            cur.execute("SET SESSION sql_mode = %s", [SQL_MODE])
        yield conn
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()


def table(account_prefix: str, name: str) -> str:
    return f"`{account_prefix}{name}`"


# --------------------------------------------------------------------------- seeding
def seed(account: str, products: list[dict[str, Any]], flavour: str = "3.0") -> str:
    """(Re)create the account's tables and catalogue. 3.0: variants become option values of a
    "Size" option (SKU in the `option_sku` extension column); 4.x: variant products (`master_id`)
    with their own Model. Returns the table prefix."""
    prefix = prefix_for(account)
    with db() as conn, conn.cursor() as cur:
        _drop_stale(cur)
        if _intact(cur, prefix, flavour):
            # Emptying is ten times faster than DDL; ids keep counting up, as in a real shop.
            for name in table_names(prefix):
                cur.execute(f"DELETE FROM `{name}`")
        else:
            for name in table_names(prefix):
                cur.execute(f"DROP TABLE IF EXISTS `{name}`")
            for statement in create_statements(prefix, flavour):
                cur.execute(statement)
        _reference_rows(cur, prefix, account)
        option_value = 0
        for entry in products:
            parent = _insert_product(cur, prefix, flavour, entry)
            variants = entry.get("variants") or []
            if variants and flavour == "3.0":
                cur.execute(f"INSERT INTO {table(prefix, 'product_option')} (product_id, option_id, value, required) "
                            "VALUES (%s, %s, '', 1)", [parent, SIZE_OPTION_ID])
                product_option_id = cur.lastrowid
            for variant in variants:
                if flavour == "4.x":
                    _insert_product(cur, prefix, flavour, variant, master_id=parent)
                    continue
                option_value += 1
                label = _short_name(str(variant.get("name") or ""), str(entry.get("name") or ""))
                cur.execute(f"INSERT INTO {table(prefix, 'option_value_description')} "
                            "(option_value_id, language_id, option_id, name) VALUES (%s, %s, %s, %s)",
                            [option_value, LANGUAGE_ID, SIZE_OPTION_ID, label])
                cur.execute(
                    f"INSERT INTO {table(prefix, 'product_option_value')} (product_option_id, product_id, option_id, "
                    "option_value_id, quantity, subtract, price, price_prefix, points, points_prefix, weight, "
                    "weight_prefix, option_sku) VALUES (%s, %s, %s, %s, %s, %s, 0, '+', 0, '+', 0, '+', %s)",
                    [product_option_id, parent, SIZE_OPTION_ID, option_value, int(variant.get("quantity") or 0),
                     1 if variant.get("tracks_stock", True) else 0, str(variant.get("sku") or "")])
    store(account).ensure_account(prefix=prefix, flavour=flavour)
    return prefix


def _intact(cur: Any, prefix: str, flavour: str) -> bool:
    """The account's tables exist exactly as create_statements() makes them for this flavour (a
    test may have dropped a column or table, changed an engine or added a trigger)."""
    expected = {f"{prefix}{name}": {c.split("`")[1] for c in cols if c.startswith("`")}
                for name, cols in columns(flavour).items()}
    marks = ",".join(["%s"] * len(expected))
    cur.execute("SELECT c.TABLE_NAME AS t, c.COLUMN_NAME AS c, tb.ENGINE AS e FROM information_schema.COLUMNS c "
                "JOIN information_schema.TABLES tb ON tb.TABLE_SCHEMA = c.TABLE_SCHEMA AND tb.TABLE_NAME = c.TABLE_NAME "
                f"WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME IN ({marks})", list(expected))
    found: dict[str, set[str]] = {}
    for row in cur.fetchall():
        if str(row["e"]).lower() != "innodb":
            return False
        found.setdefault(str(row["t"]), set()).add(str(row["c"]))
    if found != expected:
        return False
    cur.execute("SELECT COUNT(*) AS n FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = DATABASE() "
                f"AND EVENT_OBJECT_TABLE IN ({marks})", list(expected))
    return int(cur.fetchone()["n"]) == 0


def _short_name(name: str, parent: str) -> str:
    return name[len(parent):].strip(" -") or name if parent and name.startswith(parent) else name


def _insert_product(cur: Any, prefix: str, flavour: str, entry: dict[str, Any], master_id: int = 0) -> int:
    names = ["model", "sku", "quantity", "subtract", "status", "price", "stock_status_id", "manufacturer_id",
               "tax_class_id"]
    values: list[Any] = [str(entry.get("sku") or ""), "", int(entry.get("quantity") or 0),
                         1 if entry.get("tracks_stock", True) else 0, int(entry.get("status", 1)),
                         str(entry.get("price") or "10.0000"), 7, 0, 0]
    if flavour == "4.x":
        names.append("master_id")
        values.append(master_id)
    placeholders = ", ".join(["%s"] * len(values)) + ", CURDATE(), NOW(), NOW()"
    cur.execute(f"INSERT INTO {table(prefix, 'product')} ({', '.join(names)}, date_available, date_added, "
                f"date_modified) VALUES ({placeholders})", values)
    product_id = int(cur.lastrowid)
    cur.execute(f"INSERT INTO {table(prefix, 'product_description')} (product_id, language_id, name, description, "
                "tag, meta_title, meta_description, meta_keyword) VALUES (%s, %s, %s, '', '', %s, '', '')",
                [product_id, LANGUAGE_ID, str(entry.get("name") or ""), str(entry.get("name") or "")])
    return product_id


def _reference_rows(cur: Any, prefix: str, account: str) -> None:
    cur.execute(f"INSERT INTO {table(prefix, 'language')} (language_id, name, code, locale, image, directory, "
                "sort_order, status) VALUES (%s, 'English', 'en-gb', 'en-gb,en', 'gb.png', 'english', 1, 1)",
                [LANGUAGE_ID])
    cur.executemany(f"INSERT INTO {table(prefix, 'setting')} (store_id, code, `key`, `value`, serialized) "
                    "VALUES (0, 'config', %s, %s, 0)",
                    [("config_language", "en-gb"), ("config_name", account), ("config_order_status_id", "1")])
    cur.executemany(f"INSERT INTO {table(prefix, 'order_status')} (order_status_id, language_id, name) "
                    "VALUES (%s, %s, %s)", [(i, LANGUAGE_ID, n) for i, n in ORDER_STATUSES.items()])
    cur.execute(f"INSERT INTO {table(prefix, 'option_description')} (option_id, language_id, name) "
                "VALUES (%s, %s, 'Size')", [SIZE_OPTION_ID, LANGUAGE_ID])


def _drop_stale(cur: Any) -> None:
    """Drop emulator tables left by processes on this machine that no longer run."""
    cur.execute("SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                "AND TABLE_NAME LIKE %s", [f"{PREFIX_ROOT}%"])
    for name in [str(r["t"]) for r in cur.fetchall()]:
        match = re.match(rf"^{PREFIX_ROOT}(\d+)_", name)
        if match and int(match.group(1)) != os.getpid() and not _alive(int(match.group(1))):
            cur.execute(f"DROP TABLE IF EXISTS `{name}`")


def _alive(pid: int) -> bool:
    host = parse_dsn(database_url()).host
    if host not in ("127.0.0.1", "localhost", "::1"):
        return True  # another machine's processes: leave their tables alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --------------------------------------------------------------------------- reading
def products(account: str) -> list[dict[str, Any]]:
    """Products and option values as the control API's `state` shows them (Model as `sku`)."""
    config = account_config(account)
    prefix, flavour = config["prefix"], config.get("flavour", "3.0")
    master = "p.master_id" if flavour == "4.x" else "0"
    with db() as conn, conn.cursor() as cur:
        cur.execute(f"SELECT p.product_id, {master} AS master_id, p.model, p.subtract, p.quantity, pd.name "
                    f"FROM {table(prefix, 'product')} p LEFT JOIN {table(prefix, 'product_description')} pd "
                    "ON pd.product_id = p.product_id AND pd.language_id = %s ORDER BY p.product_id", [LANGUAGE_ID])
        rows = [{"id": str(r["product_id"]), "parent_id": str(r["master_id"] or ""), "sku": r["model"],
                 "name": r["name"] or "", "tracks_stock": bool(r["subtract"]), "quantity": int(r["quantity"])}
                for r in cur.fetchall()]
        names = {row["id"]: row["name"] for row in rows}
        cur.execute(f"SELECT pov.product_option_value_id, pov.product_id, pov.option_sku, pov.subtract, pov.quantity, "
                    f"ovd.name FROM {table(prefix, 'product_option_value')} pov LEFT JOIN "
                    f"{table(prefix, 'option_value_description')} ovd ON ovd.option_value_id = pov.option_value_id "
                    "AND ovd.language_id = %s ORDER BY pov.product_option_value_id", [LANGUAGE_ID])
        rows += [{"id": f"{r['product_id']}:{r['product_option_value_id']}", "parent_id": str(r["product_id"]),
                  "sku": r["option_sku"], "name": f"{names.get(str(r['product_id']), '')} - {r['name'] or ''}",
                  "tracks_stock": bool(r["subtract"]), "quantity": int(r["quantity"])} for r in cur.fetchall()]
    return rows


def orders(account: str) -> list[dict[str, Any]]:
    prefix = account_config(account)["prefix"]
    with db() as conn, conn.cursor() as cur:
        cur.execute(f"SELECT order_id, email, order_status_id, date_modified, total, currency_code "
                    f"FROM {table(prefix, 'order')} ORDER BY order_id")
        found = list(cur.fetchall())
        cur.execute(f"SELECT order_id, code, title, value, sort_order FROM {table(prefix, 'order_total')} "
                    "ORDER BY order_id, sort_order, order_total_id")
        rows: dict[int, list[dict[str, Any]]] = {}
        for r in cur.fetchall():
            rows.setdefault(int(r["order_id"]), []).append({"code": r["code"], "title": r["title"],
                                                            "value": str(r["value"]), "sort_order": r["sort_order"]})
        cur.execute(f"SELECT op.order_id, op.model, op.quantity, pov.option_sku FROM {table(prefix, 'order_product')} op "
                    f"LEFT JOIN {table(prefix, 'order_option')} oo ON oo.order_product_id = op.order_product_id "
                    f"LEFT JOIN {table(prefix, 'product_option_value')} pov "
                    "ON pov.product_option_value_id = oo.product_option_value_id ORDER BY op.order_product_id")
        lines: dict[int, list[dict[str, Any]]] = {}
        for r in cur.fetchall():
            lines.setdefault(int(r["order_id"]), []).append({"sku": r["option_sku"] or r["model"], "qty": int(r["quantity"])})
    return [{"id": str(o["order_id"]), "number": str(o["order_id"]), "email": o["email"],
             "status_id": int(o["order_status_id"]), "date_modified": str(o["date_modified"]),
             "lines": lines.get(int(o["order_id"]), []),
             # As the store keeps them: oc_order.total (4 places) and its order_total rows.
             "total": str(o["total"]), "currency": o["currency_code"],
             "status": ORDER_STATUSES.get(int(o["order_status_id"]), "Missing Orders"),
             "totals": rows.get(int(o["order_id"]), [])} for o in found]


# --------------------------------------------------------------------------- the store's own writes
def _resolve(cur: Any, prefix: str, flavour: str, sku: str) -> dict[str, Any]:
    """A Model (product) or an option SKU -> what an order line of it needs."""
    master = "p.master_id" if flavour == "4.x" else "0"
    cur.execute(f"SELECT p.product_id, {master} AS master_id, p.model, p.price, pd.name FROM {table(prefix, 'product')} p "
                f"LEFT JOIN {table(prefix, 'product_description')} pd ON pd.product_id = p.product_id "
                "AND pd.language_id = %s WHERE p.model = %s ORDER BY p.product_id LIMIT 1", [LANGUAGE_ID, sku])
    row = cur.fetchone()
    if row:
        return {**row, "option": None}
    cur.execute(f"SELECT pov.*, p.model, p.price AS base_price, pd.name, ovd.name AS value_name "
                f"FROM {table(prefix, 'product_option_value')} pov JOIN {table(prefix, 'product')} p "
                "ON p.product_id = pov.product_id "
                f"LEFT JOIN {table(prefix, 'product_description')} pd ON pd.product_id = p.product_id "
                "AND pd.language_id = %s "
                f"LEFT JOIN {table(prefix, 'option_value_description')} ovd ON ovd.option_value_id = pov.option_value_id "
                "AND ovd.language_id = %s WHERE pov.option_sku = %s LIMIT 1", [LANGUAGE_ID, LANGUAGE_ID, sku])
    option = cur.fetchone()
    if not option:
        raise ControlError(f"No product with Model or option SKU {sku!r}")
    sign = Decimal(-1) if option["price_prefix"] == "-" else Decimal(1)
    return {"product_id": option["product_id"], "master_id": 0, "model": option["model"], "name": option["name"],
            "price": Decimal(option["base_price"]) + sign * Decimal(option["price"]), "option": option}


def place_order(account: str, lines: list[dict[str, Any]], customer: dict[str, Any] | None,
                extras: dict[str, Any]) -> int:
    """What checkout confirmation does (catalog/model/checkout/order.php addOrder + addOrderHistory):
    the order with its products, options and totals, a history row, and stock lowered where
    `subtract` = 1 when the status is in the processing set."""
    config = account_config(account)
    prefix, flavour = config["prefix"], config.get("flavour", "3.0")
    customer = customer or {}
    status_id = int(extras.get("order_status_id", 1))
    pricing = order_pricing(extras)
    tax_rate, shipping = pricing["rate"], pricing["shipping"]
    with db() as conn, conn.cursor() as cur:
        resolved = []
        for line in lines:
            qty = int(line.get("qty") or line.get("quantity") or 0)
            if qty <= 0:
                raise ControlError("Every line needs a positive qty")
            resolved.append((_resolve(cur, prefix, flavour, str(line.get("sku") or "")), qty))
        first, last = str(customer.get("first_name") or ""), str(customer.get("last_name") or "")
        header: dict[str, Any] = {
            "invoice_prefix": "INV-2026-00", "store_name": account, "store_url": "https://shop.example.com/",
            "firstname": first, "lastname": last, "email": str(customer.get("email") or ""),
            "payment_firstname": first, "payment_lastname": last,
            "payment_company": str(customer.get("company") or ""), "shipping_firstname": first,
            "shipping_lastname": last, "order_status_id": status_id, "language_id": LANGUAGE_ID,
            "currency_id": 2, "currency_code": str(extras.get("currency") or "USD"),
            "currency_value": str(extras.get("currency_value") or "1.00000000"), "ip": "203.0.113.10",
        }
        if flavour == "4.x":
            header["payment_method"] = '{"name":"Cash On Delivery","code":"cod.cod"}'
            header["shipping_method"] = '{"name":"Flat Shipping Rate","code":"flat.flat"}'
        else:
            header.update(payment_method="Cash On Delivery", payment_code="cod", shipping_method="Flat Shipping Rate",
                          shipping_code="flat.flat")
        cur.execute(f"INSERT INTO {table(prefix, 'order')} ({', '.join(header)}, date_added, date_modified) "
                    f"VALUES ({', '.join(['%s'] * len(header))}, NOW(), NOW())", list(header.values()))
        order_id = int(cur.lastrowid)
        for item, qty in resolved:
            price = Decimal(item["price"])
            extra_cols = ", master_id" if flavour == "4.x" else ""
            cur.execute(f"INSERT INTO {table(prefix, 'order_product')} (order_id, product_id, name, model, quantity, "
                        f"price, total, tax, reward{extra_cols}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 0"
                        f"{', %s' if extra_cols else ''})",
                        [order_id, item["product_id"], item["name"] or "", item["model"], qty, price, price * qty,
                         stored(unit_tax(price, tax_rate))] + ([item["master_id"]] if extra_cols else []))
            option = item["option"]
            if option:
                cur.execute(f"INSERT INTO {table(prefix, 'order_option')} (order_id, order_product_id, product_option_id, "
                            "product_option_value_id, name, value, type) VALUES (%s, %s, %s, %s, 'Size', %s, 'select')",
                            [order_id, cur.lastrowid, option["product_option_id"], option["product_option_value_id"],
                             option["value_name"] or ""])
        extra = [(str(e["code"]), str(e.get("title") or e["code"]), Decimal(str(e["value"])), int(e.get("sort_order") or 6))
                 for e in extras.get("totals") or []]
        totals = order_totals([Product(Decimal(item["price"]), qty) for item, qty in resolved], rate=tax_rate,
                              rate_title=f"VAT ({(tax_rate * 100).normalize():f}%)", shipping=shipping,
                              shipping_taxable=pricing["shipping_taxable"], coupon=pricing["coupon"], extra=extra)
        grand = totals[-1][2]
        for code, title, value, sort_order in totals:
            ext = ", extension" if flavour == "4.x" else ""
            cur.execute(f"INSERT INTO {table(prefix, 'order_total')} (order_id, code, title, value, sort_order{ext}) "
                        f"VALUES (%s, %s, %s, %s, %s{', %s' if ext else ''})",
                        [order_id, code, title, value, sort_order] + (["opencart"] if ext else []))
        cur.execute(f"UPDATE {table(prefix, 'order')} SET total = %s WHERE order_id = %s", [grand, order_id])
        if status_id:
            cur.execute(f"INSERT INTO {table(prefix, 'order_history')} (order_id, order_status_id, notify, comment, "
                        "date_added) VALUES (%s, %s, 0, '', NOW())", [order_id, status_id])
        if status_id in STOCK_STATUSES:
            for item, qty in resolved:
                _subtract(cur, prefix, item, qty)
    return order_id


def order_pricing(extras: dict[str, Any]) -> dict[str, Any]:
    """The money inputs of a checkout from a control request; what OpenCart has no place for is
    refused with the reason."""
    if extras.get("prices_include_tax"):
        raise ControlError("OpenCart stores product prices before tax: prices_include_tax is not an OpenCart setting")
    if extras.get("tip") not in (None, "", 0, "0"):
        raise ControlError("OpenCart's checkout has no tips (add an order_total row through `totals` instead)")
    raw_coupon = extras.get("coupon") or {}
    try:
        if not isinstance(raw_coupon, dict):
            raise ControlError("coupon must be an object {code, amount, type}")
        kind = str(raw_coupon.get("type") or "F")
        if kind not in ("F", "P"):
            raise ControlError("coupon type is F (fixed) or P (percent), as OpenCart's coupon form")
        coupon = None
        if raw_coupon:
            coupon = (str(raw_coupon.get("code") or "COUPON"), kind, amount(raw_coupon.get("amount"), "coupon.amount"))
        elif extras.get("discount") not in (None, "", 0, "0"):
            coupon = (str(extras.get("discount_code") or "DISCOUNT"), "F", amount(extras["discount"], "discount"))
        return {"rate": rate(extras.get("tax_rate")), "shipping": amount(extras.get("shipping"), "shipping"),
                "shipping_taxable": bool(extras.get("shipping_taxable", False)), "coupon": coupon}
    except MoneyError as exc:
        raise ControlError(str(exc)) from exc


def _subtract(cur: Any, prefix: str, item: dict[str, Any], qty: int) -> None:
    """pack 4.1: product (and 4.x master) quantity -= qty where subtract = 1; same for the option
    value. A negative qty restocks."""
    for product_id in {int(item["product_id"]), int(item.get("master_id") or 0)} - {0}:
        cur.execute(f"UPDATE {table(prefix, 'product')} SET quantity = quantity - %s WHERE product_id = %s "
                    "AND subtract = 1", [qty, product_id])
    if item["option"]:
        cur.execute(f"UPDATE {table(prefix, 'product_option_value')} SET quantity = quantity - %s "
                    "WHERE product_option_value_id = %s AND subtract = 1",
                    [qty, item["option"]["product_option_value_id"]])


def change_status(account: str, order_id: int, status_id: int) -> dict[str, Any]:
    """addOrderHistory (pack 4.1): entering the processing set subtracts stock, leaving it (e.g. to
    7 Canceled) restocks the same amounts; date_modified moves either way."""
    config = account_config(account)
    prefix, flavour = config["prefix"], config.get("flavour", "3.0")
    master = "op.master_id" if flavour == "4.x" else "0"
    with db() as conn, conn.cursor() as cur:
        cur.execute(f"SELECT order_status_id FROM {table(prefix, 'order')} WHERE order_id = %s FOR UPDATE", [order_id])
        row = cur.fetchone()
        if row is None:
            raise ControlError(f"No order {order_id}")
        old = int(row["order_status_id"])
        cur.execute(f"SELECT op.product_id, {master} AS master_id, op.quantity, oo.product_option_value_id "
                    f"FROM {table(prefix, 'order_product')} op LEFT JOIN {table(prefix, 'order_option')} oo "
                    "ON oo.order_product_id = op.order_product_id WHERE op.order_id = %s", [order_id])
        items = [({"product_id": r["product_id"], "master_id": r["master_id"],
                   "option": {"product_option_value_id": r["product_option_value_id"]}
                   if r["product_option_value_id"] else None}, int(r["quantity"])) for r in cur.fetchall()]
        sign = (status_id in STOCK_STATUSES) - (old in STOCK_STATUSES)
        for item, qty in items if sign else []:
            _subtract(cur, prefix, item, sign * qty)
        cur.execute(f"UPDATE {table(prefix, 'order')} SET order_status_id = %s, date_modified = NOW() "
                    "WHERE order_id = %s", [status_id, order_id])
        cur.execute(f"INSERT INTO {table(prefix, 'order_history')} (order_id, order_status_id, notify, comment, "
                    "date_added) VALUES (%s, %s, 0, '', NOW())", [order_id, status_id])
    return {"id": str(order_id), "order_status_id": status_id}


def set_quantity(account: str, sku: str, quantity: int) -> dict[str, Any]:
    """A stock edit saved in OpenCart's admin (product form or option value)."""
    config = account_config(account)
    prefix, flavour = config["prefix"], config.get("flavour", "3.0")
    with db() as conn, conn.cursor() as cur:
        item = _resolve(cur, prefix, flavour, sku)
        if item["option"]:
            value_id = item["option"]["product_option_value_id"]
            cur.execute(f"UPDATE {table(prefix, 'product_option_value')} SET quantity = %s "
                        "WHERE product_option_value_id = %s", [quantity, value_id])
            cur.execute(f"UPDATE {table(prefix, 'product')} SET date_modified = NOW() WHERE product_id = %s",
                        [item["product_id"]])
            return {"id": f"{item['product_id']}:{value_id}", "sku": sku, "quantity": quantity}
        cur.execute(f"UPDATE {table(prefix, 'product')} SET quantity = %s, date_modified = NOW() "
                    "WHERE product_id = %s", [quantity, item["product_id"]])
        return {"id": str(item["product_id"]), "sku": sku, "quantity": quantity}


def dsn_for(account: str) -> str:
    account_config(account)
    return database_url()
