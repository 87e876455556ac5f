"""Writing stock: absolute quantities, one database transaction per batch (pack 2.3, 4.5).

`product.quantity` for products, `product_option_value.quantity` for option values
(external id `<product_id>:<product_option_value_id>`). The rows are locked and checked first
(SELECT ... FOR UPDATE): an unknown id, a malformed id, or a product whose "Subtract Stock" is No
fails alone; every other update of the batch is written and committed together. A database error
rolls the whole batch back and raises (RetryableError when trying again can help).

Writing the tables bypasses OpenCart's `product` cache; listings may show the old quantity until
that cache expires (UNCONFIRMED, pack 2.3).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from connector.platforms.base import StockResult, StockUpdate
from connector.platforms.opencart.db import connection

if TYPE_CHECKING:
    from connector.platforms.opencart.client import OpenCartClient

INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # `quantity` is a signed INT in product and product_option_value


def parse_target(external_id: str) -> tuple[int, int | None] | None:
    """"28" -> (28, None); "42:5" -> (42, 5); anything else -> None."""
    head, sep, tail = str(external_id).partition(":")
    try:
        product_id = int(head)
        value_id = int(tail) if sep else None
    except ValueError:
        return None
    if product_id <= 0 or (value_id is not None and value_id <= 0):
        return None
    return product_id, value_id


def set_stock(client: OpenCartClient, updates: Sequence[StockUpdate]) -> list[StockResult]:
    results: list[StockResult | None] = [None] * len(updates)
    targets: dict[int, tuple[int, int | None]] = {}
    for index, update in enumerate(updates):
        target = parse_target(update.external_id)
        if target is None:
            results[index] = StockResult(update.external_id, ok=False,
                                         error=f"{update.external_id!r} is not an OpenCart product id.")
        elif not INT_MIN <= int(update.quantity) <= INT_MAX:
            # Would fail the statement, and with it the whole batch's transaction.
            results[index] = StockResult(update.external_id, ok=False,
                                         error=f"Quantity {update.quantity} is out of range for OpenCart.")
        else:
            targets[index] = target
    if targets:
        with connection(client.dsn) as conn:
            schema = client.schema(conn)
            products, values = _lock(conn, schema, targets.values())
            with conn.cursor() as cur:
                for index, (product_id, value_id) in targets.items():
                    update = updates[index]
                    problem = _problem(product_id, value_id, products, values)
                    if problem:
                        results[index] = StockResult(update.external_id, ok=False, error=problem)
                        continue
                    if value_id is None:
                        cur.execute(f"UPDATE {schema.table('product')} SET quantity = %s, date_modified = NOW() "
                                    "WHERE product_id = %s", [int(update.quantity), product_id])
                    else:
                        cur.execute(f"UPDATE {schema.table('product_option_value')} SET quantity = %s "
                                    "WHERE product_option_value_id = %s AND product_id = %s",
                                    [int(update.quantity), value_id, product_id])
                    results[index] = StockResult(update.external_id, ok=True)
            conn.commit()
    return [r for r in results if r is not None]


def _lock(conn: Any, schema: Any, targets: Any) -> tuple[dict[int, int], dict[int, tuple[int, int]]]:
    """subtract flag per product id, (product id, subtract) per option value id, rows locked."""
    product_ids = sorted({p for p, v in targets if v is None})
    value_ids = sorted({v for _, v in targets if v is not None})
    products: dict[int, int] = {}
    values: dict[int, tuple[int, int]] = {}
    with conn.cursor() as cur:
        if product_ids:
            cur.execute(f"SELECT product_id, subtract FROM {schema.table('product')} WHERE product_id IN "
                        f"({','.join(['%s'] * len(product_ids))}) FOR UPDATE", product_ids)
            products = {int(r["product_id"]): int(r["subtract"] or 0) for r in cur.fetchall()}
        if value_ids:
            cur.execute(f"SELECT product_option_value_id, product_id, subtract FROM "
                        f"{schema.table('product_option_value')} WHERE product_option_value_id IN "
                        f"({','.join(['%s'] * len(value_ids))}) FOR UPDATE", value_ids)
            values = {int(r["product_option_value_id"]): (int(r["product_id"]), int(r["subtract"] or 0))
                      for r in cur.fetchall()}
    return products, values


def _problem(product_id: int, value_id: int | None, products: dict[int, int],
             values: dict[int, tuple[int, int]]) -> str:
    if value_id is None:
        if product_id not in products:
            return f"OpenCart has no product {product_id}."
        if not products[product_id]:
            return f"OpenCart product {product_id} does not subtract stock (Subtract Stock = No); quantity not set."
        return ""
    found = values.get(value_id)
    if found is None or found[0] != product_id:
        return f"OpenCart product {product_id} has no option value {value_id}."
    if not found[1]:
        return (f"Option value {value_id} of OpenCart product {product_id} does not subtract stock; "
                "quantity not set.")
    return ""
