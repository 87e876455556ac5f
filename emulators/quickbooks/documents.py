"""Invoices and sales receipts as QuickBooks keeps them: lines checked and priced, TotalAmt
computed, stock moved, and voids (reference pack 2.1, 3.4, 8).

TotalAmt = sales item lines - discounts + shipping + TotalTax. A line's `Amount` is always the
amount before tax, whatever GlobalTaxCalculation says: with TaxInclusive the gross travels in
`SalesItemLineDetail.TaxInclusiveAmt`, and the tax is still added once through TotalTax. (An
Intuit response captured in quickbooks-ruby's fixture invoice_with_bundle_line_item.xml, a
TaxInclusive invoice: lines 10.61, 20 % discount 2.12, TotalTax 1.11, TotalAmt 9.60.) TotalTax is
the one the request states in TxnTaxDetail (honoured as Automated Sales Tax honours it), else 0:
the emulated company computes no tax of its own.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from emulators.quickbooks.faults import ApiFault, active_reference
from emulators.quickbooks.state import config, meta, next_id, now_local, store, touch

Event = tuple[str, str, str]
DOCUMENTS = ("Invoice", "SalesReceipt")
SHIPPING_ITEM = "SHIPPING_ITEM_ID"
READ_ONLY = {"Id", "SyncToken", "MetaData", "domain", "sparse", "TotalAmt", "Balance", "HomeTotalAmt"}
CENT = Decimal("0.01")


def money(value: Any, name: str = "Amount") -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation as exc:
        raise ApiFault("2010", f"Request has invalid or unsupported property: {name}", name) from exc


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def number(value: Decimal) -> float | int:
    """A JSON number as QuickBooks writes it (275.0 -> 275, 9.6 -> 9.6)."""
    as_float = float(value)
    return int(as_float) if as_float.is_integer() else as_float


def _amount_mismatch(amount: Decimal) -> ApiFault:
    # Real answer as reported (code 6070): "Amount is not equal to UnitPrice * Qty. Supplied value:1,000".
    return ApiFault("6070", f"Business Validation Error: Amount is not equal to UnitPrice * Qty. Supplied value:"
                            f"{number(amount):,}", "")


def _sales_line(realm: str, line: dict[str, Any], sold: dict[str, Decimal]) -> tuple[Decimal, bool]:
    """Check and normalise one SalesItemLineDetail line in place: (amount, is_shipping)."""
    detail = dict(line.get("SalesItemLineDetail") or {})
    ref = detail.get("ItemRef") or {}
    qty = money(detail["Qty"], "Qty") if detail.get("Qty") not in (None, "") else None
    price = money(detail["UnitPrice"], "UnitPrice") if detail.get("UnitPrice") not in (None, "") else None
    if line.get("Amount") in (None, ""):
        if qty is None or price is None:
            raise ApiFault("2020", "Required param missing, need to supply the required value for the API. "
                                   "Required parameter Line.Amount is missing in the request", "Line.Amount")
        line["Amount"] = number(cents(qty * price))
    amount = cents(money(line["Amount"]))
    if qty is not None and price is not None and cents(qty * price) != amount:
        raise _amount_mismatch(amount)
    if qty is not None and price is None and qty:
        detail["UnitPrice"] = number((amount / qty).quantize(Decimal("0.0000001")))
    if str(ref.get("value") or "") == SHIPPING_ITEM:
        line["SalesItemLineDetail"] = detail
        return amount, True
    if ref:
        item = active_reference(realm, "Item", ref)
        if item.get("Type") == "Inventory":
            if qty is None:
                raise ApiFault("6520")
            sold[str(item["Id"])] = sold.get(str(item["Id"]), Decimal(0)) + qty
        detail["ItemRef"] = {"value": str(item["Id"]), "name": item.get("Name", "")}
    line["SalesItemLineDetail"] = detail
    return amount, False


def price_lines(realm: str, lines: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Decimal], Decimal,
                                                                 Decimal, Decimal]:
    """(stored lines, units sold per inventory item, item subtotal, discounts, shipping)."""
    if not lines:
        raise ApiFault("2020", "Required param missing, need to supply the required value for the API. Required "
                               "parameter Line is missing in the request", "Line")
    sold: dict[str, Decimal] = {}
    out: list[dict[str, Any]] = []
    subtotal = discounts = shipping = Decimal(0)
    for raw in lines:
        line = {k: v for k, v in dict(raw).items() if k not in ("Id", "LineNum")}
        kind = line.get("DetailType")
        if kind == "SubTotalLineDetail":
            continue  # read-only: QuickBooks writes its own
        if kind == "SalesItemLineDetail":
            amount, is_shipping = _sales_line(realm, line, sold)
            if is_shipping:
                shipping += amount
            else:
                subtotal += amount
        elif kind == "DiscountLineDetail":
            detail = line.get("DiscountLineDetail") or {}
            if detail.get("PercentBased"):
                # The percentage of the lines above it; QuickBooks writes the amount itself.
                line["Amount"] = number(cents(subtotal * money(detail.get("DiscountPercent"), "DiscountPercent")
                                              / 100))
            discounts += cents(money(line.get("Amount")))
        elif kind == "DescriptionOnly":
            line["Amount"] = 0
        else:
            raise ApiFault("6000", f"Business Validation Error: the emulator does not handle {kind!r} lines "
                                   "(sales item, discount, description and subtotal lines only).", "Line")
        out.append(line)
    for number_, line in enumerate(out, start=1):
        line.update(Id=str(number_), LineNum=number_)
    out.append({"DetailType": "SubTotalLineDetail", "Amount": number(subtotal), "SubTotalLineDetail": {}})
    return out, sold, subtotal, discounts, shipping


def _tax_detail(body: dict[str, Any]) -> tuple[dict[str, Any], Decimal]:
    detail = dict(body.get("TxnTaxDetail") or {})
    total_tax = cents(money(detail.get("TotalTax"), "TxnTaxDetail.TotalTax"))
    detail["TotalTax"] = number(total_tax)
    return detail, total_tax


def _check_doc_number(realm: str, entity: str, doc_number: str, except_id: str = "") -> None:
    if len(doc_number) > 21:
        raise ApiFault("2050", "String length specified does not match the supported length: DocNumber max 21",
                       "DocNumber")
    custom = doc_number and doc_number != "AUTO_GENERATE" and config(realm).get("custom_txn_numbers")
    if custom and any(str(d.get("DocNumber")) == doc_number and str(d["Id"]) != except_id
                      for d in store(realm).all(entity)):
        raise ApiFault("6140", f"Duplicate Document Number Error : You must specify a different number. This number "
                               f"has already been used. DocNumber={doc_number} is assigned to TxnType={entity}",
                       "DocNumber")


def _priced(realm: str, entity: str, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Decimal]]:
    """The document's computed fields from its body: lines, totals and the units it sells."""
    lines, sold, subtotal, discounts, shipping = price_lines(realm, list(body.get("Line") or []))
    tax_detail, total_tax = _tax_detail(body)
    total = subtotal - discounts + shipping + total_tax
    fields = {"Line": lines, "TxnTaxDetail": tax_detail, "TotalAmt": number(total),
              "Balance": number(total) if entity == "Invoice" else 0}
    return fields, sold


def _move_stock(realm: str, change: dict[str, Decimal]) -> list[Event]:
    """Subtract these units from QtyOnHand (negative units put them back); negative stock allowed."""
    realm_store, events = store(realm), []
    for item_id, qty in change.items():
        if not qty:
            continue
        item = realm_store.get_for_update("Item", item_id)
        if item is None:
            continue
        item["QtyOnHand"] = number(money(item.get("QtyOnHand")) - qty)
        realm_store.put("Item", item_id, touch(item))
        if config(realm).get("item_webhook_on_sale"):
            events.append(("Item", item_id, "Update"))
    return events


def _units(doc: dict[str, Any]) -> dict[str, Decimal]:
    """Units of the items a stored document's lines hold (all 0 once voided)."""
    realm_units: dict[str, Decimal] = {}
    for line in doc.get("Line") or []:
        detail = line.get("SalesItemLineDetail") or {}
        item_id = str((detail.get("ItemRef") or {}).get("value") or "")
        if item_id and item_id != SHIPPING_ITEM and detail.get("Qty") not in (None, ""):
            realm_units[item_id] = realm_units.get(item_id, Decimal(0)) + money(detail["Qty"])
    return realm_units


def is_voided(realm: str, entity: str, ident: str) -> bool:
    return store(realm).get("voided", f"{entity}:{ident}") is not None


def _inventory_only(realm: str, units: dict[str, Decimal]) -> dict[str, Decimal]:
    realm_store = store(realm)
    return {i: q for i, q in units.items() if (realm_store.get("Item", i) or {}).get("Type") == "Inventory"}


def create(realm: str, entity: str, body: dict[str, Any]) -> tuple[dict[str, Any], list[Event]]:
    realm_store = store(realm)
    customer = active_reference(realm, "Customer", body.get("CustomerRef"))
    doc_number = str(body.get("DocNumber") or "")
    _check_doc_number(realm, entity, doc_number)
    fields, sold = _priced(realm, entity, body)
    ident = next_id(realm, entity, start=100)
    if not doc_number or doc_number == "AUTO_GENERATE":
        doc_number = str(realm_store.next_id(f"{entity}.DocNumber", start=1001))
    doc = {k: v for k, v in body.items() if k not in READ_ONLY}
    doc.update(fields)
    doc.update({"Id": ident, "DocNumber": doc_number, "TxnDate": body.get("TxnDate") or now_local().date().isoformat(),
                "CustomerRef": {"value": str(customer["Id"]), "name": customer.get("DisplayName", "")},
                "ApplyTaxAfterDiscount": bool(body.get("ApplyTaxAfterDiscount", False)),
                "PrintStatus": body.get("PrintStatus") or "NotSet", "EmailStatus": body.get("EmailStatus") or "NotSet",
                "domain": "QBO", "sparse": False, "SyncToken": "0", "MetaData": meta()})
    realm_store.put(entity, ident, doc)
    return doc, [(entity, ident, "Create"), *_move_stock(realm, sold)]


def _current(realm: str, entity: str, body: dict[str, Any]) -> dict[str, Any]:
    current = store(realm).get_for_update(entity, str(body.get("Id") or ""))
    if current is None:
        raise ApiFault("610", element="Id")
    if str(body.get("SyncToken")) != str(current.get("SyncToken")):
        raise ApiFault("5010")
    return current


def update(realm: str, entity: str, body: dict[str, Any]) -> tuple[dict[str, Any], list[Event]]:
    """A full or sparse update: lines (and so totals and stock) recomputed from what results."""
    current = _current(realm, entity, body)
    if is_voided(realm, entity, str(current["Id"])):
        # UNCONFIRMED wording; QuickBooks keeps a voided transaction at zero.
        raise ApiFault("6000", "Business Validation Error: A voided transaction cannot be changed.", "")
    changes = {k: v for k, v in body.items() if k not in READ_ONLY}
    if body.get("sparse"):
        updated = {**current, **changes}
    else:
        keep = {k: current[k] for k in READ_ONLY | {"DocNumber"} if k in current}
        updated = {**changes, **keep, **({"DocNumber": changes["DocNumber"]} if "DocNumber" in changes else {})}
    customer = active_reference(realm, "Customer", updated.get("CustomerRef"))
    updated["CustomerRef"] = {"value": str(customer["Id"]), "name": customer.get("DisplayName", "")}
    _check_doc_number(realm, entity, str(updated.get("DocNumber") or ""), except_id=str(current["Id"]))
    before = _inventory_only(realm, _units(current))
    fields, after = _priced(realm, entity, updated)
    updated.update(fields)
    change = {i: after.get(i, Decimal(0)) - before.get(i, Decimal(0)) for i in set(before) | set(after)}
    store(realm).put(entity, str(current["Id"]), touch(updated))
    return updated, [(entity, str(current["Id"]), "Update"), *_move_stock(realm, change)]


def void(realm: str, entity: str, body: dict[str, Any]) -> tuple[dict[str, Any], list[Event]]:
    """The document stays, with every amount and quantity zeroed and `Voided` before its
    PrivateNote; the inventory units it sold go back on hand (pack 2.1)."""
    current = _current(realm, entity, body)
    if is_voided(realm, entity, str(current["Id"])):
        return current, []  # already void: nothing more to undo
    returned = _inventory_only(realm, _units(current))
    for line in current.get("Line") or []:
        line["Amount"] = 0
        detail = line.get("SalesItemLineDetail")
        if isinstance(detail, dict):
            if "Qty" in detail:
                detail["Qty"] = 0
            if "TaxInclusiveAmt" in detail:
                detail["TaxInclusiveAmt"] = 0
    tax_detail = dict(current.get("TxnTaxDetail") or {})
    tax_detail["TotalTax"] = 0
    for tax_line in tax_detail.get("TaxLine") or []:
        tax_line["Amount"] = 0
    note = str(current.get("PrivateNote") or "")
    current.update(TxnTaxDetail=tax_detail, TotalAmt=0, Balance=0,
                   PrivateNote=f"Voided - {note}" if note else "Voided")
    store(realm).put(entity, str(current["Id"]), touch(current))
    store(realm).put("voided", f"{entity}:{current['Id']}", {"entity": entity, "Id": current["Id"]})
    return current, [(entity, str(current["Id"]), "Void"), *_move_stock(realm, {i: -q for i, q in returned.items()})]


def units_released_by_delete(realm: str, entity: str, doc: dict[str, Any]) -> dict[str, Decimal]:
    """A deleted (not voided) document's inventory units, to put back on hand."""
    if is_voided(realm, entity, str(doc["Id"])):
        return {}
    return {i: -q for i, q in _inventory_only(realm, _units(doc)).items()}


def move_stock(realm: str, change: dict[str, Decimal]) -> list[Event]:
    return _move_stock(realm, change)

