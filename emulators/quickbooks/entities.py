"""Business rules of the emulated company: creating and updating Items, Customers, Invoices and
SalesReceipts as QuickBooks does (reference pack sections 2.8, 3, 8 and the emulator checklist).

Each operation returns the entity and the webhook events it causes, or raises ApiFault.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from emulators.quickbooks.state import (
    config,
    meta,
    next_id,
    now_local,
    stamp,
    store,
    touch,
)

Event = tuple[str, str, str]
WRITABLE = {"Item", "Customer", "Invoice", "SalesReceipt", "InventoryAdjustment"}
DOCUMENTS = {"Invoice", "SalesReceipt"}
READ_ONLY = {"Id", "SyncToken", "MetaData", "domain", "sparse", "TotalAmt", "Balance", "FullyQualifiedName"}


class ApiFault(Exception):
    def __init__(self, code: str, detail: str = "", element: str = "") -> None:
        super().__init__(detail or code)
        self.code, self.detail, self.element = code, detail, element


def entity_for(path_name: str) -> str:
    for name in WRITABLE | {"TaxCode", "Account"}:
        if name.lower() == path_name.lower():
            return name
    raise ApiFault("6000", f"Unsupported entity '{path_name}'")


def _ref_exists(realm: str, entity: str, ref: Any) -> dict[str, Any]:
    ident = str((ref or {}).get("value") or "") if isinstance(ref, dict) else ""
    row = store(realm).get(entity, ident) if ident else None
    if row is None or not row.get("Active", True):
        raise ApiFault("610", f"Object Not Found : Something you're trying to use has been made inactive. Check the "
                       f"fields with accounts, customers, items, vendors or employees. ({entity} {ident or 'missing'})")
    return row


def _require(body: dict[str, Any], *names: str) -> None:
    for name in names:
        if body.get(name) in (None, "", {}):
            raise ApiFault("2020", f"Required param missing, need to supply the required value for the API. "
                           f"Required parameter {name} is missing in the request", name)


# --------------------------------------------------------------------------- items
def create_item(realm: str, body: dict[str, Any]) -> tuple[dict[str, Any], list[Event]]:
    _require(body, "Name")
    kind = body.get("Type") or "NonInventory"
    name = str(body["Name"])
    if any(str(i.get("Name", "")).lower() == name.lower() for i in store(realm).all("Item")):
        raise ApiFault("6240", "The name supplied already exists. : Another product or service is already using this "
                       "name. Please use a different name.", "Name")
    if kind == "Inventory":
        if not body.get("TrackQtyOnHand"):
            raise ApiFault("6000", "When you create an item, if Track quantity on hand is turned off, the item cannot "
                           "be of type Inventory.")
        _require(body, "IncomeAccountRef", "AssetAccountRef", "ExpenseAccountRef", "InvStartDate")
        if body.get("QtyOnHand") is None:
            raise ApiFault("2020", "Required parameter QtyOnHand is missing in the request", "QtyOnHand")
        for ref in ("IncomeAccountRef", "AssetAccountRef", "ExpenseAccountRef"):
            _ref_exists(realm, "Account", body[ref])
    elif kind in ("NonInventory", "Service"):
        _require(body, "IncomeAccountRef")
        _ref_exists(realm, "Account", body["IncomeAccountRef"])
    ident = next_id(realm, "Item")
    item = {k: v for k, v in body.items() if k not in READ_ONLY}
    item.update({"Id": ident, "Type": kind, "FullyQualifiedName": name, "Active": body.get("Active", True),
                 "TrackQtyOnHand": kind == "Inventory", "domain": "QBO", "sparse": False, "SyncToken": "0",
                 "MetaData": meta()})
    store(realm).put("Item", ident, item)
    return item, [("Item", ident, "Create")]


# --------------------------------------------------------------------------- customers
def _display_name_taken(realm: str, name: str, except_id: str = "") -> bool:
    return any(str(c.get("DisplayName", "")).lower() == name.lower() and str(c["Id"]) != except_id
               for c in store(realm).all("Customer"))


def create_customer(realm: str, body: dict[str, Any]) -> tuple[dict[str, Any], list[Event]]:
    name = str(body.get("DisplayName") or " ".join(
        str(body.get(k) or "") for k in ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")).strip())
    if not name:
        raise ApiFault("2020", "Required parameter DisplayName is missing in the request", "DisplayName")
    if ":" in name or "\t" in name or "\n" in name:
        raise ApiFault("6000", "DisplayName cannot contain a colon, tab or new line.", "DisplayName")
    if _display_name_taken(realm, name):
        raise ApiFault("6240")
    ident = next_id(realm, "Customer")
    row = {k: v for k, v in body.items() if k not in READ_ONLY}
    row.update({"Id": ident, "DisplayName": name, "FullyQualifiedName": name, "PrintOnCheckName": name,
                "Active": body.get("Active", True), "Job": False, "BillWithParent": False, "Taxable": True,
                "Balance": 0, "BalanceWithJobs": 0, "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
                "PreferredDeliveryMethod": "None", "domain": "QBO", "sparse": False, "SyncToken": "0", "MetaData": meta()})
    store(realm).put("Customer", ident, row)
    return row, [("Customer", ident, "Create")]


# --------------------------------------------------------------------------- sales documents
def create_document(realm: str, entity: str, body: dict[str, Any]) -> tuple[dict[str, Any], list[Event]]:
    realm_store = store(realm)
    customer = _ref_exists(realm, "Customer", body.get("CustomerRef"))
    lines = body.get("Line") or []
    if not lines:
        raise ApiFault("2020", "Required parameter Line is missing in the request", "Line")
    doc_number = str(body.get("DocNumber") or "")
    if len(doc_number) > 21:
        raise ApiFault("2050", "String length specified does not match the supported length: DocNumber max 21",
                       "DocNumber")
    custom = doc_number and doc_number != "AUTO_GENERATE" and config(realm).get("custom_txn_numbers")
    if custom and any(str(d.get("DocNumber")) == doc_number for d in realm_store.all(entity)):
        raise ApiFault("6140", f"Duplicate Document Number Error : You must specify a different number. This number "
                           f"has already been used. DocNumber={doc_number} is assigned to TxnType={entity}", "DocNumber")
    sold: dict[str, Decimal] = {}
    out_lines: list[dict[str, Any]] = []
    subtotal = discount = Decimal(0)
    for number, line in enumerate(lines, start=1):
        line = dict(line)
        detail_type = line.get("DetailType")
        amount = Decimal(str(line.get("Amount") or 0))
        if detail_type == "SalesItemLineDetail":
            detail = line.get("SalesItemLineDetail") or {}
            ref = detail.get("ItemRef") or {}
            if ref.get("value") != "SHIPPING_ITEM_ID" and ref:
                item = _ref_exists(realm, "Item", ref)
                if item.get("Type") == "Inventory":
                    if detail.get("Qty") in (None, ""):
                        raise ApiFault("6520")
                    sold[str(item["Id"])] = sold.get(str(item["Id"]), Decimal(0)) + Decimal(str(detail["Qty"]))
                detail["ItemRef"] = {"value": str(item["Id"]), "name": item.get("Name", "")}
                line["SalesItemLineDetail"] = detail
            subtotal += amount
        elif detail_type == "DiscountLineDetail":
            discount += amount
        elif detail_type == "SubTotalLineDetail":
            continue
        line.update({"Id": str(number), "LineNum": number})
        out_lines.append(line)
    out_lines.append({"DetailType": "SubTotalLineDetail", "Amount": float(subtotal), "SubTotalLineDetail": {}})
    ident = next_id(realm, entity, start=100)
    total = subtotal - discount
    if not doc_number or doc_number == "AUTO_GENERATE":
        doc_number = str(realm_store.next_id(f"{entity}.DocNumber", start=1001))
    doc = {k: v for k, v in body.items() if k not in READ_ONLY}
    doc.update({"Id": ident, "DocNumber": doc_number, "TxnDate": body.get("TxnDate") or now_local().date().isoformat(),
                "Line": out_lines, "TotalAmt": float(total), "Balance": float(total) if entity == "Invoice" else 0,
                "CustomerRef": {"value": str(customer["Id"]), "name": customer.get("DisplayName", "")},
                "TxnTaxDetail": body.get("TxnTaxDetail") or {"TotalTax": 0}, "ApplyTaxAfterDiscount": False,
                "PrintStatus": "NotSet", "EmailStatus": "NotSet", "domain": "QBO", "sparse": False, "SyncToken": "0",
                "MetaData": meta()})
    realm_store.put(entity, ident, doc)
    events: list[Event] = [(entity, ident, "Create")]
    for item_id, qty in sold.items():
        item = realm_store.get_for_update("Item", item_id) or {}
        item["QtyOnHand"] = float(Decimal(str(item.get("QtyOnHand") or 0)) - qty)  # negative stock allowed
        realm_store.put("Item", item_id, touch(item))
        if config(realm).get("item_webhook_on_sale"):
            events.append(("Item", item_id, "Update"))
    return doc, events


# --------------------------------------------------------------------------- updates and deletes
def update(realm: str, entity: str, body: dict[str, Any]) -> tuple[dict[str, Any], list[Event]]:
    _require(body, "Id")
    realm_store = store(realm)
    current = realm_store.get_for_update(entity, str(body["Id"]))
    if current is None:
        raise ApiFault("610")
    if str(body.get("SyncToken")) != str(current.get("SyncToken")):
        raise ApiFault("5010")
    changes = {k: v for k, v in body.items() if k not in READ_ONLY}
    if entity == "Customer" and "DisplayName" in changes and _display_name_taken(realm, str(changes["DisplayName"]),
                                                                                 str(current["Id"])):
        raise ApiFault("6240")
    if body.get("sparse"):
        updated = {**current, **changes}
    else:
        keep = {k: current[k] for k in READ_ONLY | {"Type"} if k in current}
        updated = {**changes, **keep}
    if entity == "Item":
        updated["FullyQualifiedName"] = updated.get("Name", current.get("Name"))
    realm_store.put(entity, str(current["Id"]), touch(updated))
    return updated, [(entity, str(current["Id"]), "Update")]


def delete(realm: str, entity: str, body: dict[str, Any]) -> tuple[dict[str, Any], list[Event]]:
    realm_store = store(realm)
    current = realm_store.get_for_update(entity, str(body.get("Id") or ""))
    if current is None:
        raise ApiFault("610")
    if str(body.get("SyncToken")) != str(current.get("SyncToken")):
        raise ApiFault("5010")
    if entity in ("Item", "Customer"):  # name lists are retired, not deleted
        current["Active"] = False
        realm_store.put(entity, current["Id"], touch(current))
        return current, [(entity, str(current["Id"]), "Update" if entity == "Customer" else "Delete")]
    realm_store.delete(entity, current["Id"])
    realm_store.put("deleted", f"{entity}:{current['Id']}", {"entity": entity, "Id": current["Id"], "at": stamp()})
    return {"status": "Deleted", "domain": "QBO", "Id": current["Id"]}, [(entity, str(current["Id"]), "Delete")]


def write(realm: str, entity: str, operation: str, body: dict[str, Any]) -> tuple[dict[str, Any], list[Event]]:
    if entity not in WRITABLE:
        raise ApiFault("6000", f"Operation {operation} is not supported for {entity} by this emulator.")
    if operation == "delete":
        return delete(realm, entity, body)
    if operation == "update" or (operation == "create" and body.get("Id")):
        return update(realm, entity, body)
    if entity == "Item":
        return create_item(realm, body)
    if entity == "Customer":
        return create_customer(realm, body)
    if entity == "InventoryAdjustment":
        return create_adjustment(realm, body)
    return create_document(realm, entity, body)


def create_adjustment(realm: str, body: dict[str, Any]) -> tuple[dict[str, Any], list[Event]]:
    """InventoryAdjustment (pack 3.8): signed QtyDiff per Inventory item line."""
    _require(body, "AdjustAccountRef", "Line")
    _ref_exists(realm, "Account", body["AdjustAccountRef"])
    realm_store, events = store(realm), []
    ident = next_id(realm, "InventoryAdjustment", start=100)
    for line in body["Line"]:
        detail = line.get("ItemAdjustmentLineDetail") or {}
        item = _ref_exists(realm, "Item", detail.get("ItemRef"))
        if item.get("Type") != "Inventory" or detail.get("QtyDiff") in (None, ""):
            raise ApiFault("6000", "Inventory adjustments need an inventory item and a QtyDiff on every line.")
        item["QtyOnHand"] = float(Decimal(str(item.get("QtyOnHand") or 0)) + Decimal(str(detail["QtyDiff"])))
        realm_store.put("Item", item["Id"], touch(item))
        if config(realm).get("item_webhook_on_sale"):
            events.append(("Item", str(item["Id"]), "Update"))
    doc = {**{k: v for k, v in body.items() if k not in READ_ONLY}, "Id": ident, "domain": "QBO", "sparse": False,
           "SyncToken": "0", "TxnDate": body.get("TxnDate") or now_local().date().isoformat(), "MetaData": meta()}
    realm_store.put("InventoryAdjustment", ident, doc)
    return doc, [("InventoryAdjustment", ident, "Create"), *events]


def set_quantity(realm: str, item_id: str, qty: float) -> dict[str, Any]:
    realm_store = store(realm)
    item = realm_store.get_for_update("Item", item_id)
    if item is None:
        raise ApiFault("610")
    item["QtyOnHand"] = qty
    realm_store.put("Item", item_id, touch(item))
    return item
