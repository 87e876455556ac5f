"""The reference pack's order 101 (order.json header and products, order_totals.json) written into
the emulated store's tables as OpenCart would have stored it."""

from __future__ import annotations

from typing import Any

from tests.platforms.opencart.conftest import fixture, sql


def _columns(table: str) -> set[str]:
    return {r["Field"] for r in sql(f"SHOW COLUMNS FROM `{{p}}{table}`")}


def insert_sample_order(*, order_id: int = 101, status_id: int | None = None, date_modified: str | None = None,
                        extra_totals: list[dict[str, Any]] | None = None, currency_value: str | None = None) -> None:
    data = fixture("order.json")["data"]
    columns = _columns("order")
    header = {k: v for k, v in data.items() if k in columns and not isinstance(v, (list, dict))}
    header.update(order_id=order_id, custom_field="", payment_custom_field="", shipping_custom_field="")
    if status_id is not None:
        header["order_status_id"] = status_id
    if date_modified is not None:
        header["date_modified"] = date_modified
    if currency_value is not None:
        header["currency_value"] = currency_value
    sql(f"INSERT INTO `{{p}}order` ({', '.join(f'`{k}`' for k in header)}) VALUES ({', '.join(['%s'] * len(header))})",
        list(header.values()))
    for item in data["products"]:
        # order.json shows amounts incl. and excl. tax; the table holds the excl.-tax unit price,
        # the excl.-tax line total and the tax per unit (pack 3.2).
        sql("INSERT INTO `{p}order_product` (order_id, product_id, name, model, quantity, price, total, tax, reward) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 0)",
            [order_id, item["product_id"], item["name"], item["model"], item["quantity"], item["price_exclude_tax"],
             item["total_exclude_tax"], item["tax"]])
    totals = [t for t in fixture("order_totals.json")] + (extra_totals or [])
    for total in totals:
        sql("INSERT INTO `{p}order_total` (order_id, code, title, value, sort_order) VALUES (%s, %s, %s, %s, %s)",
            [order_id, total["code"], total["title"], total["value"], total["sort_order"]])
