"""An order's lines -> QuickBooks document lines, or the plain reasons the order must wait.

Nothing is guessed: a SKU without a linked QuickBooks item, a fee without a fee item, a tax the
mapping does not name, or a line the store platform could not classify holds the order with a
message that says what to fix. Amounts are taken as the store reported them, never recomputed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from connector.models import ConnectedSystem, Product, ProductLink
from connector.options import ConnectionOptions
from connector.platforms.base import ExternalOrder, OrderLine, TaxLine

SHIPPING_ITEM = "SHIPPING_ITEM_ID"  # QuickBooks' own shipping line (reference pack 3.4)
US_TAXABLE, US_NOT_TAXABLE = "TAX", "NON"  # pseudo codes of US companies (Automated Sales Tax)
CENT = Decimal("0.01")


@dataclass
class BuiltLines:
    lines: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    total_tax: Decimal = Decimal(0)
    item_ids: list[str] = field(default_factory=list)
    items: dict[int, Product | None] = field(default_factory=dict)  # product line index -> linked item


def sku_key(sku: str) -> str:
    return sku.strip().casefold()


def linked_items(store: ConnectedSystem, lines: Iterable[OrderLine]) -> dict[int, Product | None]:
    """For each product line (by index), the linked QuickBooks Product, found by the store
    product's id first and its SKU second, in two queries whatever the number of lines."""
    wanted = [(i, line) for i, line in enumerate(lines) if line.kind == "product"]
    ids = {line.external_product_id for _, line in wanted if line.external_product_id}
    skus = {sku_key(line.sku) for _, line in wanted if line.sku.strip()}
    links = ProductLink.objects.filter(store_product__system=store).select_related("store_product",
                                                                                   "accounting_product")
    by_id: dict[str, Product] = {}
    by_sku: dict[str, list[Product]] = {}
    for link in links.filter(store_product__external_id__in=ids) if ids else []:
        by_id[link.store_product.external_id] = link.accounting_product
    for link in links.filter(store_product__sku_key__in=skus) if skus else []:
        by_sku.setdefault(link.store_product.sku_key, []).append(link.accounting_product)
    found: dict[int, Product | None] = {}
    for index, line in wanted:
        item = by_id.get(line.external_product_id)
        if item is None:
            candidates = {p.pk: p for p in by_sku.get(sku_key(line.sku), [])}
            item = next(iter(candidates.values())) if len(candidates) == 1 else None  # two items: never guess
        found[index] = item
    return found


def _rate_keys(rate: Decimal) -> list[str]:
    """A rate as stores write it: 0.06, 6, 6%."""
    percent = (rate * 100) if rate < 1 else rate
    fraction = rate if rate < 1 else rate / 100
    return [_plain(fraction), _plain(percent), f"{_plain(percent)}%"]


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def tax_code(taxes: tuple[TaxLine, ...], mapping: Mapping[str, str]) -> tuple[str, str]:
    """(TaxCode id, problem). An empty mapping means a US company: TAX / NON pseudo codes."""
    charged = [t for t in taxes if t.amount or t.rate]
    if not mapping:
        return (US_TAXABLE if charged else US_NOT_TAXABLE), ""
    folded = {k.strip().casefold(): v for k, v in mapping.items()}
    if not charged:
        return folded.get("none") or folded.get("exempt") or US_NOT_TAXABLE, ""
    combined = " + ".join(t.name for t in charged).casefold()
    if combined in folded:
        return folded[combined], ""
    codes = set()
    for tax in charged:
        code = folded.get(tax.name.strip().casefold()) or next(
            (folded[k] for k in _rate_keys(tax.rate) if k in folded), "")
        if not code:
            return "", (f"The tax '{tax.name}' ({_plain(tax.rate * 100 if tax.rate < 1 else tax.rate)}%) has no "
                        "QuickBooks tax code in this store's tax mapping; add it and retry the order.")
        codes.add(code)
    if len(codes) > 1:
        return "", (f"The taxes {combined!r} map to different QuickBooks tax codes, but a line carries one; add a "
                    f"mapping for '{' + '.join(t.name for t in charged)}' and retry the order.")
    return codes.pop(), ""


def _money(value: Decimal) -> float:
    return float(value.quantize(CENT))


def _sales_line(*, item_id: str, line: OrderLine, code: str, inclusive: bool, description: str = "") -> dict[str, Any]:
    """Amount is the net amount; with tax-inclusive prices QuickBooks also takes the gross as
    TaxInclusiveAmt and the net unit price (QuickBooks API reference, SalesItemLineDetail)."""
    tax = sum((t.amount for t in line.taxes), Decimal(0))
    gross = line.total
    net = gross - tax if inclusive else gross
    quantity = line.quantity or Decimal(1)
    detail: dict[str, Any] = {"ItemRef": {"value": item_id}, "Qty": float(quantity),
                              "UnitPrice": float((net / quantity).quantize(Decimal("0.0000001"))),
                              "TaxCodeRef": {"value": code}}
    if inclusive:
        detail["TaxInclusiveAmt"] = _money(gross)
    return {"DetailType": "SalesItemLineDetail", "Amount": _money(net), "Description": description or line.name,
            "SalesItemLineDetail": detail}


def lines_build(*, order: ExternalOrder, store: ConnectedSystem, options: ConnectionOptions) -> BuiltLines:
    out = BuiltLines()
    inclusive = order.taxes_included
    items = out.items = linked_items(store, order.lines)
    for name in order.unrecognised:
        out.problems.append(f"The order has a line we do not recognise: '{name}'. It was not posted, so nothing is "
                            "dropped or guessed; enter it by hand in QuickBooks or remove it in the store, then retry.")
    for index, line in enumerate(order.lines):
        code, problem = tax_code(line.taxes, options.tax_mapping)
        if problem:
            out.problems.append(problem)
        out.total_tax += sum((t.amount for t in line.taxes), Decimal(0))
        if line.kind == "product":
            item = items.get(index)
            if item is None:
                label = f"SKU '{line.sku}'" if line.sku.strip() else f"the product '{line.name}' (it has no SKU)"
                out.problems.append(f"{label} is not linked to a QuickBooks item. Link it under Product links, "
                                    "then retry the order.")
                continue
            out.lines.append(_sales_line(item_id=item.external_id, line=line, code=code, inclusive=inclusive))
            out.item_ids.append(item.external_id)
        elif line.kind == "shipping":
            if not line.total:
                continue  # free shipping: nothing to record
            if options.shipping_item_id:
                out.lines.append(_sales_line(item_id=options.shipping_item_id, line=line, code=code,
                                             inclusive=inclusive, description=f"Shipping: {line.name}"))
            else:
                out.lines.append({"DetailType": "SalesItemLineDetail", "Amount": _money(line.total),
                                  "Description": f"Shipping: {line.name}",
                                  "SalesItemLineDetail": {"ItemRef": {"value": SHIPPING_ITEM},
                                                          "TaxCodeRef": {"value": code}}})
        elif line.kind == "discount":
            out.lines.append(_discount_line(line, options, code, inclusive))
        elif line.kind == "fee":
            if not options.fee_item_id:
                out.problems.append(f"The order has a fee '{line.name}' but this store has no fee item set; choose "
                                    "one in the connection's options, then retry the order.")
                continue
            out.lines.append(_sales_line(item_id=options.fee_item_id, line=line, code=code, inclusive=inclusive))
        else:
            out.problems.append(f"The order has a line we do not recognise: '{line.name}'. It was not posted, so "
                                "nothing is dropped or guessed; enter it by hand in QuickBooks or remove it in the "
                                "store, then retry.")
    if not out.lines and not out.problems:
        out.problems.append("The order has no lines to post.")
    return out


def _discount_line(line: OrderLine, options: ConnectionOptions, code: str, inclusive: bool) -> dict[str, Any]:
    amount = abs(line.total)
    label = f"Discount: {line.code or line.name}"
    if options.discount_item_id:  # a company that books discounts to an item of its own
        negative = OrderLine(kind="discount", name=label, quantity=Decimal(1), unit_price=-amount, total=-amount,
                             taxes=line.taxes)
        return _sales_line(item_id=options.discount_item_id, line=negative, code=code, inclusive=inclusive)
    return {"DetailType": "DiscountLineDetail", "Amount": _money(amount), "Description": label,
            "DiscountLineDetail": {"PercentBased": False}}
