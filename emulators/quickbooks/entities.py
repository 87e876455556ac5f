"""Business rules of the emulated company: creating and updating Items, Customers, Invoices and
SalesReceipts as QuickBooks does (reference pack sections 2.8, 3, 8 and the emulator checklist).

Each operation returns the entity and the webhook events it causes, or raises ApiFault.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from emulators.quickbooks import documents
from emulators.quickbooks.faults import ApiFault, active_reference
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
READ_ONLY = {"Id", "SyncToken", "MetaData", "domain", "sparse", "TotalAmt", "Balance", "FullyQualifiedName"}


def entity_for(path_name: str) -> str:
    for name in WRITABLE | {"TaxCode", "Account"}:
        if name.lower() == path_name.lower():
            return name
    raise ApiFault("6000", f"Unsupported entity '{path_name}'")


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
            active_reference(realm, "Account", body[ref])
    elif kind in ("NonInventory", "Service"):
        _require(body, "IncomeAccountRef")
        active_reference(realm, "Account", body["IncomeAccountRef"])
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
    # A deleted sale no longer holds its units (UNCONFIRMED in the pack; standard accounting).
    released = documents.units_released_by_delete(realm, entity, current) if entity in documents.DOCUMENTS else {}
    realm_store.delete(entity, current["Id"])
    realm_store.put("deleted", f"{entity}:{current['Id']}", {"entity": entity, "Id": current["Id"], "at": stamp()})
    return ({"status": "Deleted", "domain": "QBO", "Id": current["Id"]},
            [(entity, str(current["Id"]), "Delete"), *documents.move_stock(realm, released)])


def write(realm: str, entity: str, operation: str, body: dict[str, Any], include: str = ""
          ) -> tuple[dict[str, Any], list[Event]]:
    """One create / update / delete / void, as `POST <entity>?operation=...&include=...` asks.

    Voids: an Invoice with `operation=void`; a SalesReceipt with a sparse `operation=update` and
    `include=void` (how Intuit documents it and python-quickbooks sends it; `operation=void` on a
    SalesReceipt is accepted too, UNCONFIRMED against the live service)."""
    if entity not in WRITABLE:
        raise ApiFault("6000", f"Operation {operation} is not supported for {entity} by this emulator.")
    voiding = operation == "void" or (operation == "update" and "void" in include.split(","))
    if voiding:
        if entity not in documents.DOCUMENTS:
            raise ApiFault("6000", f"Business Validation Error: Operation void is not supported for {entity}.")
        _require(body, "Id")
        return documents.void(realm, entity, body)
    if operation == "delete":
        return delete(realm, entity, body)
    if operation not in ("create", "update"):
        raise ApiFault("6000", f"Business Validation Error: Unsupported operation {operation!r}.")
    if operation == "update" or body.get("Id"):
        if entity in documents.DOCUMENTS:
            _require(body, "Id")
            return documents.update(realm, entity, body)
        return update(realm, entity, body)
    if entity == "Item":
        return create_item(realm, body)
    if entity == "Customer":
        return create_customer(realm, body)
    if entity == "InventoryAdjustment":
        return create_adjustment(realm, body)
    return documents.create(realm, entity, body)


def create_adjustment(realm: str, body: dict[str, Any]) -> tuple[dict[str, Any], list[Event]]:
    """InventoryAdjustment (pack 3.8): signed QtyDiff per Inventory item line."""
    _require(body, "AdjustAccountRef", "Line")
    active_reference(realm, "Account", body["AdjustAccountRef"])
    realm_store, events = store(realm), []
    ident = next_id(realm, "InventoryAdjustment", start=100)
    for line in body["Line"]:
        detail = line.get("ItemAdjustmentLineDetail") or {}
        item = active_reference(realm, "Item", detail.get("ItemRef"))
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
