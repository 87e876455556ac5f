"""An order's `order_total` rows as OpenCart's checkout writes them (3.0 catalog/model/extension/
total/*.php run in their default sort order; 4.x is the same arithmetic).

- product prices are before tax; a product line's tax is its unit price x rate times its
  quantity (cart getTaxes), unrounded;
- sub_total (sort 1): the product totals;
- shipping (sort 3): the flat cost, taxed (added into the taxes) when its method has a tax class;
- coupon (sort 4): "F" spread over the products in proportion to their totals, "P" a percentage
  of each; the tax on each product's discount is taken back out of the taxes; a negative row;
- tax (sort 5): one row per rate with what the taxes add up to;
- total (sort 9): everything above, summed.
Values are stored in decimal(15,4) columns: the database keeps 4 places.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PLACES = Decimal("0.0001")


@dataclass
class Product:
    price: Decimal  # unit price before tax
    quantity: int

    @property
    def total(self) -> Decimal:
        return self.price * self.quantity


def stored(value: Decimal) -> Decimal:
    """What a decimal(15,4) column keeps of a value (MySQL rounds half away from zero)."""
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def unit_tax(price: Decimal, rate: Decimal) -> Decimal:
    """order_product.tax: the tax of one unit (catalog/controller/checkout/confirm.php getTax)."""
    return price * rate


def order_totals(products: list[Product], *, rate: Decimal, rate_title: str, shipping: Decimal,
                 shipping_taxable: bool, coupon: tuple[str, str, Decimal] | None,
                 extra: list[tuple[str, str, Decimal, int]]) -> list[tuple[str, str, Decimal, int]]:
    """(code, title, value, sort_order) rows, `total` last. `coupon`: (code, type "F" | "P", amount)."""
    taxes = sum((unit_tax(p.price, rate) * p.quantity for p in products), Decimal(0))
    sub_total = sum((p.total for p in products), Decimal(0))
    rows: list[tuple[str, str, Decimal, int]] = [("sub_total", "Sub-Total", sub_total, 1)]
    running = sub_total
    if shipping:
        rows.append(("shipping", "Flat Shipping Rate", shipping, 3))
        running += shipping
        if shipping_taxable:
            taxes += shipping * rate
    if coupon is not None:
        code, kind, amount = coupon
        if kind == "F":
            amount = min(amount, sub_total)
        discount_total = Decimal(0)
        for product in products:
            if not sub_total:
                break
            discount = amount * (product.total / sub_total) if kind == "F" else product.total / 100 * amount
            taxes -= discount * rate
            discount_total += discount
        if discount_total > 0:
            rows.append(("coupon", f"Coupon ({code})", -discount_total, 4))
            running -= discount_total
    if taxes > 0:
        rows.append(("tax", rate_title, taxes, 5))
        running += taxes
    for code, title, value, sort_order in extra:
        rows.append((code, title, value, sort_order))
        running += value
    rows.sort(key=lambda row: row[3])
    rows.append(("total", "Total", max(Decimal(0), running), 9))
    return [(code, title, stored(value), sort_order) for code, title, value, sort_order in rows]
