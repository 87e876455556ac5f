"""An order's money as Shopify computes and reports it (REST Order, reference pack section 3).

- A discount code of a fixed amount is allocated across the line items in proportion to their
  prices (`discount_allocations`, `allocation_method: across`).
- Tax is computed per line on its price after its allocation, and on shipping when shipping is
  taxable, each rounded to the cent; with `taxes_included` the tax is the part of the price
  (price x rate / (1 + rate)) and is not added again.
- subtotal_price = line items - discounts; total_price = subtotal + shipping + tax (when not
  included) + tip (`total_tip_received`).

UNCONFIRMED: Shopify's exact rounding of each line's tax (half up to the cent here) and of the
allocation remainder (to the last line here).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from emulators.money import allocate, cents, text


@dataclass
class Pricing:
    tax_rate: Decimal
    taxes_included: bool
    shipping: Decimal
    shipping_taxable: bool
    discount: Decimal
    discount_code: str
    tip: Decimal
    currency: str


def money_set(value: Decimal, currency: str) -> dict[str, Any]:
    amount = {"amount": text(value), "currency_code": currency}
    return {"shop_money": amount, "presentment_money": amount}


def _tax(base: Decimal, pricing: Pricing) -> Decimal:
    if not pricing.tax_rate:
        return Decimal(0)
    if pricing.taxes_included:
        return cents(base * pricing.tax_rate / (1 + pricing.tax_rate))
    return cents(base * pricing.tax_rate)


def _tax_lines(tax: Decimal, pricing: Pricing) -> list[dict[str, Any]]:
    if not pricing.tax_rate:
        return []
    return [{"title": "Tax", "rate": float(pricing.tax_rate), "price": text(tax),
             "price_set": money_set(tax, pricing.currency), "channel_liable": False}]


def price(line_totals: list[Decimal], pricing: Pricing) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(per line item: its money fields, the order's money fields and shipping lines)."""
    currency = pricing.currency
    allocations = allocate(pricing.discount, line_totals) if pricing.discount else [Decimal(0)] * len(line_totals)
    items, line_tax_total = [], Decimal(0)
    for total, allocated in zip(line_totals, allocations, strict=True):
        tax = _tax(total - allocated, pricing)
        line_tax_total += tax
        items.append({
            "total_discount": "0.00", "tax_lines": _tax_lines(tax, pricing),
            "discount_allocations": [{"amount": text(allocated), "amount_set": money_set(allocated, currency),
                                      "discount_application_index": 0}] if allocated else [],
        })
    shipping_tax = _tax(pricing.shipping, pricing) if pricing.shipping_taxable else Decimal(0)
    line_items_price = sum(line_totals, Decimal(0))
    discounts = sum(allocations, Decimal(0))
    subtotal = line_items_price - discounts
    total_tax = line_tax_total + shipping_tax
    total = subtotal + pricing.shipping + pricing.tip + (Decimal(0) if pricing.taxes_included else total_tax)
    code = pricing.discount_code or "DISCOUNT"
    order = {
        "taxes_included": pricing.taxes_included,
        "total_line_items_price": text(line_items_price), "total_line_items_price_set": money_set(line_items_price, currency),
        "total_discounts": text(discounts), "total_discounts_set": money_set(discounts, currency),
        "subtotal_price": text(subtotal), "subtotal_price_set": money_set(subtotal, currency),
        "total_tax": text(total_tax), "total_tax_set": money_set(total_tax, currency),
        "total_shipping_price_set": money_set(pricing.shipping, currency),
        "total_tip_received": text(pricing.tip),
        "total_price": text(total), "total_price_set": money_set(total, currency),
        "current_subtotal_price": text(subtotal), "current_total_discounts": text(discounts),
        "current_total_tax": text(total_tax), "current_total_price": text(total),
        "tax_lines": _tax_lines(total_tax, pricing),
        "discount_codes": [{"code": code, "amount": text(discounts), "type": "fixed_amount"}] if discounts else [],
        "discount_applications": [{"target_type": "line_item", "type": "discount_code", "value": text(discounts),
                                   "value_type": "fixed_amount", "allocation_method": "across",
                                   "target_selection": "all", "code": code}] if discounts else [],
        "shipping_lines": [{"code": "Standard", "title": "Standard", "source": "shopify",
                            "price": text(pricing.shipping), "discounted_price": text(pricing.shipping),
                            "price_set": money_set(pricing.shipping, currency),
                            "discounted_price_set": money_set(pricing.shipping, currency),
                            "tax_lines": _tax_lines(shipping_tax, pricing) if pricing.shipping_taxable else [],
                            "discount_allocations": [], "is_removed": False}] if pricing.shipping else [],
    }
    return items, order
