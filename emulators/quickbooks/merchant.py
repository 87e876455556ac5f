"""Control API: what a bookkeeper does in QuickBooks' own screens, each with the webhook
QuickBooks sends for it (JSON, no auth; the demo and the tests use it).

POST _control/items        {"account", "sku", "name", "type", "qty_on_hand", "unit_price"}
                           a new item (Item Create)
POST _control/items/active {"account", "sku" | "id", "active"}  make an item inactive (Item Delete,
                           as for a deleted name-list entry) or active again (Item Update)
POST _control/void         {"account", "entity": "Invoice" | "SalesReceipt", "id" | "doc_number"}
                           void a sale from its screen (Void, plus Item Updates as stock returns)
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from emulators.control import ControlError, control_view, json_body, known_account
from emulators.quickbooks import documents
from emulators.quickbooks.faults import ApiFault
from emulators.quickbooks.http import webhook_deliver
from emulators.quickbooks.state import add_item, store, touch

_errors = control_view(ApiFault)


def _realm(data: dict[str, Any]) -> str:
    return known_account(data.get("account"), lambda realm: store(realm).exists(), "realm")


def _post(request: HttpRequest) -> dict[str, Any]:
    if request.method != "POST":
        raise ControlError("POST only")
    return json_body(request)


def _item(realm: str, data: dict[str, Any]) -> dict[str, Any]:
    items = store(realm).all("Item")
    if data.get("id"):
        found = next((i for i in items if str(i["Id"]) == str(data["id"])), None)
    else:
        found = next((i for i in items if i.get("Sku") and i.get("Sku") == str(data.get("sku") or "")), None)
    if found is None:
        raise ControlError(f"No item {data.get('id') or data.get('sku')!r} in realm {realm}")
    return found


@_errors
def items(request: HttpRequest) -> HttpResponse:
    data = _post(request)
    realm = _realm(data)
    kind = str(data.get("type") or "Inventory")
    if kind not in ("Inventory", "NonInventory", "Service"):
        raise ControlError("type must be Inventory, NonInventory or Service")
    name = str(data.get("name") or data.get("sku") or "")
    if any(str(i.get("Name", "")).lower() == name.lower() for i in store(realm).all("Item")):
        raise ControlError(f"An item named {name!r} exists already (QuickBooks refuses duplicate names)")
    with transaction.atomic():
        item = add_item(realm, {"sku": data.get("sku"), "name": name, "type": kind,
                                "qty_on_hand": data.get("qty_on_hand") or 0, "unit_price": data.get("unit_price") or 0})
        webhook_deliver(realm, [("Item", str(item["Id"]), "Create")])
    return JsonResponse({"id": item["Id"], "sku": item.get("Sku", ""), "name": item["Name"], "type": kind,
                         "sync_token": item["SyncToken"]})


@_errors
def item_active(request: HttpRequest) -> HttpResponse:
    data = _post(request)
    realm = _realm(data)
    active = bool(data.get("active"))
    with transaction.atomic():
        item = _item(realm, data)
        if bool(item.get("Active", True)) != active:
            item["Active"] = active
            store(realm).put("Item", str(item["Id"]), touch(item))
            webhook_deliver(realm, [("Item", str(item["Id"]), "Update" if active else "Delete")])
    return JsonResponse({"id": item["Id"], "sku": item.get("Sku", ""), "active": active,
                         "sync_token": item["SyncToken"]})


@_errors
def void(request: HttpRequest) -> HttpResponse:
    data = _post(request)
    realm = _realm(data)
    entity = str(data.get("entity") or "")
    if entity not in documents.DOCUMENTS:
        raise ControlError("entity must be Invoice or SalesReceipt")
    rows = store(realm).all(entity)
    wanted = str(data.get("id") or "")
    doc = next((d for d in rows if (wanted and str(d["Id"]) == wanted)
                or (not wanted and str(d.get("DocNumber")) == str(data.get("doc_number") or ""))), None)
    if doc is None:
        raise ControlError(f"No {entity} {wanted or data.get('doc_number')!r} in realm {realm}")
    with transaction.atomic():
        voided, events = documents.void(realm, entity, {"Id": doc["Id"], "SyncToken": doc["SyncToken"]})
        webhook_deliver(realm, events)
    return JsonResponse({"id": voided["Id"], "entity": entity, "TotalAmt": voided["TotalAmt"],
                         "PrivateNote": voided.get("PrivateNote", ""), "sync_token": voided["SyncToken"]})
