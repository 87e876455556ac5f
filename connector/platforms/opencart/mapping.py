"""Pure functions: OpenCart database rows -> the connector's dataclasses.

Products (reference pack 2.2): the SKU is `product.model` (required in OpenCart's admin, not
unique); `subtract` = tracks stock; `status` = active. A 4.x variant product (`master_id` > 0) is
its own product with its own Model, whose parent is the master. Option values
(`product_option_value`) keep their own stock and `subtract` flag; core gives them no SKU, so
their SKU comes from an extension column when the database has one (schema.option_sku_column),
else it is empty and the option is listed for mapping by hand.

Orders (pack 3.1-3.6): amounts are stored in the store's default currency and shown to the
shopper multiplied by `currency_value`; we convert to the order currency, rounded to cents.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from connector.platforms.base import ExternalCustomer, ExternalOrder, ExternalProduct, OrderLine, TaxLine

CENT = Decimal("0.01")
# Core order statuses that end an order without a sale (pack 3.5: 7 Canceled, 8 Denied, 10 Failed,
# 14 Expired, 16 Voided). Ids, not names: names are translated and renamed by merchants.
CANCELLED_STATUS_IDS = frozenset({7, 8, 10, 14, 16})
DISCOUNT_CODES = ("coupon", "voucher", "reward", "credit")  # stored negative (pack 3.4)
FEE_CODES = ("handling", "low_order_fee")
CONSUMED_CODES = ("sub_total", "tax", "total")  # reflected by the lines and ExternalOrder.total
RATE_IN_TITLE = re.compile(r"\((-?\d+(?:\.\d+)?)%\)")
CODE_IN_TITLE = re.compile(r"\(([^()]*)\)\s*$")


def dec(value: Any) -> Decimal:
    if value in (None, ""):
        return Decimal("0")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal("0")


def aware(value: Any, tz: ZoneInfo) -> datetime | None:
    """DATETIME columns are naive, written by MySQL's NOW() in the store's time zone."""
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def stamp(value: Any) -> str:
    """A DATETIME as the database prints it: the cursor compares these strings in SQL."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else str(value or "")


# --------------------------------------------------------------------------- products
def option_external_id(product_id: Any, product_option_value_id: Any) -> str:
    return f"{int(product_id)}:{int(product_option_value_id)}"


def product_from_row(row: Mapping[str, Any], tz: ZoneInfo) -> ExternalProduct:
    master = int(row.get("master_id") or 0)
    return ExternalProduct(
        external_id=str(row["product_id"]),
        parent_id=str(master) if master else "",
        sku=str(row.get("model") or "").strip(),
        name=str(row.get("name") or "").strip(),
        tracks_stock=bool(int(row.get("subtract") or 0)),
        quantity=int(row.get("quantity") or 0),
        version=stamp(row.get("date_modified")),
        updated_at=aware(row.get("date_modified"), tz),
        kind="variant" if master else "product",
        active=int(row.get("status") or 0) == 1,
        extra={"sku_column": str(row.get("sku") or "")},
        raw=_jsonable(row),
    )


def option_from_row(row: Mapping[str, Any], product: ExternalProduct, option_sku_column: str) -> ExternalProduct:
    value_name = str(row.get("option_name") or "").strip()
    name = f"{product.name} - {value_name}" if value_name else product.name
    return ExternalProduct(
        external_id=option_external_id(row["product_id"], row["product_option_value_id"]),
        parent_id=product.external_id,
        sku=str(row.get(option_sku_column) or "").strip() if option_sku_column else "",
        name=name,
        tracks_stock=bool(int(row.get("subtract") or 0)),
        quantity=int(row.get("quantity") or 0),
        version=product.version,
        updated_at=product.updated_at,
        kind="option",
        active=product.active,
        extra={"product_option_value_id": int(row["product_option_value_id"])},
        raw=_jsonable(row),
    )


# --------------------------------------------------------------------------- orders
def order_from_rows(order: Mapping[str, Any], products: Iterable[Mapping[str, Any]],
                    totals: Iterable[Mapping[str, Any]], *, tz: ZoneInfo,
                    option_skus: Mapping[int, list[tuple[int, str]]] | None = None,
                    status_name: str = "") -> ExternalOrder:
    """`option_skus`: order_product_id -> [(product_option_value_id, sku)] of the options ordered."""
    rate = dec(order.get("currency_value")) or Decimal("1")
    totals = sorted(totals, key=lambda t: (int(t.get("sort_order") or 0), int(t.get("order_total_id") or 0)))
    tax_rows = [t for t in totals if t.get("code") == "tax"]
    lines: list[OrderLine] = [_product_line(p, rate, tax_rows, (option_skus or {}).get(int(p["order_product_id"])))
                              for p in products]
    unrecognised: list[str] = []
    for total in totals:
        code = str(total.get("code") or "")
        title = str(total.get("title") or code)
        amount = _money(total.get("value"), rate)
        if code == "shipping":
            lines.append(OrderLine(kind="shipping", name=title, quantity=Decimal("1"), unit_price=amount,
                                   total=amount, code=shipping_code(order)))
        elif code in DISCOUNT_CODES:
            lines.append(OrderLine(kind="discount", name=title, quantity=Decimal("1"), unit_price=amount,
                                   total=amount, code=_code_in_title(title) if code != "credit" else code))
        elif code in FEE_CODES:
            lines.append(OrderLine(kind="fee", name=title, quantity=Decimal("1"), unit_price=amount,
                                   total=amount, code=code))
        elif code not in CONSUMED_CODES:
            # An extension's total (e.g. a payment fee): kept as a line so the lines still add up
            # to the total, and named so the log says what needs a mapping.
            unrecognised.append(f"{code}: {title} {amount}")
            lines.append(OrderLine(kind="other", name=title, quantity=Decimal("1"), unit_price=amount,
                                   total=amount, code=code))
    _shipping_tax(lines, tax_rows, rate)
    status_id = int(order.get("order_status_id") or 0)
    created = aware(order.get("date_added"), tz)
    updated = aware(order.get("date_modified"), tz) or created
    if created is None or updated is None:
        raise ValueError(f"OpenCart order {order.get('order_id')} has no date_added")
    customer_id = int(order.get("customer_id") or 0)
    return ExternalOrder(
        external_id=str(order["order_id"]),
        number=str(order["order_id"]),
        status=status_name or str(status_id),
        created_at=created,
        updated_at=updated,
        currency=str(order.get("currency_code") or ""),
        customer=ExternalCustomer(
            first_name=str(order.get("firstname") or "").strip(),
            last_name=str(order.get("lastname") or "").strip(),
            email=str(order.get("email") or "").strip(),
            company=str(order.get("payment_company") or "").strip(),
            external_id=str(customer_id) if customer_id else "",
        ),
        lines=tuple(lines),
        total=_money(order.get("total"), rate),
        taxes_included=False,  # OpenCart stores prices and totals excluding tax (pack 3.2)
        cancelled=status_id in CANCELLED_STATUS_IDS,
        financial_status=status_name,
        unrecognised=tuple(unrecognised),
        raw={"order": _jsonable(order), "totals": [_jsonable(t) for t in totals]},
    )


def shipping_code(order: Mapping[str, Any]) -> str:
    """3.0: `shipping_code` ("flat.flat"); 4.0.2+: the code inside the `shipping_method` JSON."""
    if order.get("shipping_code"):
        return str(order["shipping_code"])
    method = order.get("shipping_method")
    if isinstance(method, str) and method.startswith("{"):
        try:
            return str((json.loads(method) or {}).get("code") or "")
        except ValueError:
            return ""
    return ""


def _product_line(row: Mapping[str, Any], rate: Decimal, tax_rows: list[Mapping[str, Any]],
                  options: list[tuple[int, str]] | None) -> OrderLine:
    quantity = Decimal(int(row.get("quantity") or 0))
    price = _money(row.get("price"), rate)
    # `tax` is per unit (pack 3.2); it is one sum over every rate, so a line names its rate only
    # when the order has a single tax row.
    tax = _money(dec(row.get("tax")) * quantity, rate)
    taxes = (_tax_line(tax, price * quantity, tax_rows),) if tax else ()
    sku, external_id = str(row.get("model") or "").strip(), str(row.get("product_id") or "")
    for value_id, option_sku in options or []:
        if option_sku:  # the ordered option value's own SKU, when the store has that column
            sku, external_id = option_sku, option_external_id(row["product_id"], value_id)
            break
    return OrderLine(kind="product", name=str(row.get("name") or ""), quantity=quantity, unit_price=price,
                     total=_money(row.get("total"), rate), sku=sku, external_product_id=external_id, taxes=taxes)


def _tax_line(amount: Decimal, base: Decimal, tax_rows: list[Mapping[str, Any]]) -> TaxLine:
    if len(tax_rows) == 1:
        title = str(tax_rows[0].get("title") or "Tax")
        match = RATE_IN_TITLE.search(title)
        if match:
            return TaxLine(name=title, rate=Decimal(match.group(1)) / 100, amount=amount)
        return TaxLine(name=title, rate=(amount / base).quantize(Decimal("0.0001")) if base else Decimal("0"),
                       amount=amount)
    return TaxLine(name="Tax", rate=(amount / base).quantize(Decimal("0.0001")) if base else Decimal("0"),
                   amount=amount)


def _shipping_tax(lines: list[OrderLine], tax_rows: list[Mapping[str, Any]], rate: Decimal) -> None:
    """Tax rows minus the line taxes = tax on shipping (and fees): put it on the shipping line so
    the order's tax is exactly what OpenCart charged."""
    total_tax = sum((_money(t.get("value"), rate) for t in tax_rows), Decimal("0"))
    line_tax = sum((t.amount for line in lines for t in line.taxes), Decimal("0"))
    rest = total_tax - line_tax
    if not rest:
        return
    for index, line in enumerate(lines):
        if line.kind == "shipping":
            taxed = _tax_line(rest, line.total, tax_rows)
            lines[index] = OrderLine(kind=line.kind, name=line.name, quantity=line.quantity,
                                     unit_price=line.unit_price, total=line.total, sku=line.sku,
                                     external_product_id=line.external_product_id, taxes=(taxed,), code=line.code)
            return


def _code_in_title(title: str) -> str:
    """"Coupon (SAVE10)" -> "SAVE10" (core titles put the code in brackets)."""
    match = CODE_IN_TITLE.search(title)
    return match.group(1).strip() if match else ""


def _money(value: Any, rate: Decimal) -> Decimal:
    return (dec(value) * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def _jsonable(row: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, datetime):
            out[key] = stamp(value)
        elif isinstance(value, Decimal):
            out[key] = str(value)
        elif isinstance(value, (bytes, bytearray)):
            out[key] = value.decode("utf-8", "replace")
        else:
            out[key] = value
    return out
