"""An order's totals computed as WooCommerce's checkout computes them (WC_Cart_Totals, WC_Tax,
WC_Discounts and the WC_Item_Totals trait in WooCommerce core), for one tax rate.

Everything is worked in cents, unrounded where WooCommerce keeps it unrounded:
- item subtotals (before coupons) and totals (after) carry their tax from WC_Tax::calc_tax: with
  "prices entered with tax" the tax is price x (rate / (1 + rate)) taken out of the price, else
  price x rate added; taxes rounded to 6 decimals (wc_get_rounding_precision);
- line taxes rounded to the cent by wc_round_tax_total: half down when prices include tax, half
  up otherwise (WC_TAX_ROUNDING_MODE); item totals rounded half up before they are summed
  (round_item_subtotal), as with the default "round tax at subtotal level" off;
- coupons apply before tax, on the price as entered (so on the gross when prices include tax),
  the largest line first: fixed_cart per unit rounded down then cent by cent, percent floored per
  line then the remainder cent by cent (WC_Discounts); the tax inside a discount is its
  discount_tax;
- shipping is entered before tax and taxed on top when taxable; a fee (a tip) is a fee line,
  not taxed;
- total = round(items + fees + shipping + the taxes as each line rounded them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

ONE = Decimal(1)
PRECISION = Decimal("0.000001")  # WC_ROUNDING_PRECISION = 6


@dataclass
class Line:
    price: Decimal  # line price in cents, as entered (quantity x unit price)
    quantity: int
    subtotal: Decimal = Decimal(0)
    subtotal_tax: Decimal = Decimal(0)
    subtotal_taxes: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)
    total: Decimal = Decimal(0)
    total_tax: Decimal = Decimal(0)
    taxes: Decimal = Decimal(0)


@dataclass
class Coupon:
    code: str
    kind: str  # "fixed_cart" | "percent"
    amount: Decimal  # currency units, or the percentage


@dataclass
class Totals:
    lines: list[Line]
    inclusive: bool
    rate: Decimal  # percent, as WooCommerce stores a rate (20 for 20 %)
    coupon_discount: Decimal = Decimal(0)  # cents, before tax
    coupon_tax: Decimal = Decimal(0)
    shipping: Decimal = Decimal(0)
    shipping_tax: Decimal = Decimal(0)
    fees: list[tuple[str, Decimal]] = field(default_factory=list)
    items_tax: Decimal = Decimal(0)
    total: Decimal = Decimal(0)


def _round(value: Decimal, places: Decimal, mode: str) -> Decimal:
    return value.quantize(places, rounding=mode)


def calc_tax(price: Decimal, rate: Decimal, inclusive: bool) -> Decimal:
    """WC_Tax::calc_inclusive_tax / calc_exclusive_tax for one non-compound rate."""
    if not rate:
        return Decimal(0)
    if inclusive:
        the_rate = (rate / 100) / (ONE + rate / 100)
        tax = price - (price - the_rate * price)
    else:
        tax = price * (rate / 100)
    return _round(tax, PRECISION, ROUND_HALF_UP)


def _round_line_tax(value: Decimal, inclusive: bool) -> Decimal:
    return _round(value, ONE, ROUND_HALF_DOWN if inclusive else ROUND_HALF_UP)


def _round_item(value: Decimal) -> Decimal:
    return _round(value, ONE, ROUND_HALF_UP)


def _remainder(lines: list[Line], amount: Decimal) -> Decimal:
    """WC_Discounts::apply_coupon_remainder: one cent per unit, in line order, until done."""
    given = Decimal(0)
    for line in lines:
        for _unit in range(line.quantity):
            if line.price - line.discount <= 0:
                break
            line.discount += 1
            given += 1
            if given >= amount:
                return given
    return given


def _fixed_cart(lines: list[Line], amount: Decimal) -> Decimal:
    open_lines = [line for line in lines if _round_item(line.price - line.discount) > 0]
    count = sum(line.quantity for line in open_lines)
    if not count or amount <= 0:
        return Decimal(0)
    per_unit = (amount / count).to_integral_value(rounding=ROUND_FLOOR)
    if per_unit <= 0:
        return _remainder(open_lines, amount)
    given = Decimal(0)
    for line in open_lines:
        discount = min(line.price - line.discount, per_unit * line.quantity)
        line.discount += discount
        given += discount
    if 0 < given < amount:
        given += _fixed_cart(lines, amount - given)
    return given


def _percent(lines: list[Line], percent: Decimal) -> Decimal:
    given = base = Decimal(0)
    for line in lines:
        price = _round_item(line.price)
        discount = (price * percent / 100).to_integral_value(rounding=ROUND_FLOOR)
        discount = _round(min(line.price - line.discount, discount), ONE, ROUND_HALF_DOWN)
        line.discount += discount
        given += discount
        base += price
    whole = _round(base * percent / 100, ONE, ROUND_HALF_DOWN)  # WC_DISCOUNT_ROUNDING_MODE
    if given < whole:
        given += _remainder(lines, whole - given)
    return given


def compute(prices: list[tuple[Decimal, int]], *, rate_percent: Decimal, inclusive: bool, coupon: Coupon | None,
            shipping: Decimal, shipping_taxable: bool, fees: list[tuple[str, Decimal]]) -> Totals:
    """`prices`: (unit price as entered, quantity) per line; amounts in currency units."""
    lines = [Line(price=_round(unit * quantity * 100, Decimal("0.0001"), ROUND_HALF_UP), quantity=quantity)
             for unit, quantity in prices]
    out = Totals(lines=lines, inclusive=inclusive, rate=rate_percent)
    for line in lines:
        line.subtotal_taxes = calc_tax(line.price, rate_percent, inclusive)
        line.subtotal_tax = _round_line_tax(line.subtotal_taxes, inclusive)
        line.subtotal = line.price - line.subtotal_taxes if inclusive else line.price
    if coupon is not None:
        ordered = sorted(lines, key=lambda line: line.price, reverse=True)  # WC_Discounts::sort_by_price
        cents = _round(coupon.amount * 100, Decimal("0.0001"), ROUND_HALF_UP)
        _fixed_cart(ordered, cents) if coupon.kind == "fixed_cart" else _percent(ordered, coupon.amount)
        for line in lines:
            discount_tax = calc_tax(line.discount, rate_percent, inclusive)
            out.coupon_tax += discount_tax
            out.coupon_discount += line.discount - discount_tax if inclusive else line.discount
    merged = Decimal(0)
    for line in lines:
        line.total = line.price - line.discount
        line.taxes = calc_tax(line.total, rate_percent, inclusive)
        line.total_tax = _round_line_tax(line.taxes, inclusive)
        merged += line.total_tax
        if inclusive:
            line.total -= line.taxes
    out.items_tax = merged
    out.shipping = _round(shipping * 100, Decimal("0.0001"), ROUND_HALF_UP)
    out.shipping_tax = _round_item(calc_tax(shipping, rate_percent, False) * 100) if shipping_taxable else Decimal(0)
    out.fees = [(name, _round(value * 100, Decimal("0.0001"), ROUND_HALF_UP)) for name, value in fees]
    items_total = sum((_round_item(line.total) for line in lines), Decimal(0))
    fees_total = sum((value for _, value in out.fees), Decimal(0))
    out.total = _round_item(items_total + fees_total + out.shipping + merged + out.shipping_tax)
    return out


def units(cents: Decimal) -> Decimal:
    return cents / 100


def money(cents: Decimal) -> str:
    """A REST money string: wc_format_decimal(value, 2), rounding half up."""
    return str(_round(cents / 100, Decimal("0.01"), ROUND_HALF_UP))


def raw(cents: Decimal) -> str:
    """An unrounded amount as WooCommerce stores it (line `taxes[].total` and `.subtotal`)."""
    value = (cents / 100).normalize()
    return format(value, "f") if value else "0"


def summary(totals: Totals) -> dict[str, Any]:
    return {"items_tax": money(totals.items_tax), "shipping_tax": money(totals.shipping_tax),
            "total": money(totals.total), "discount": money(totals.coupon_discount),
            "discount_tax": money(totals.coupon_tax)}
