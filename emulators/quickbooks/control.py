"""Control API of the QuickBooks emulator (JSON, no auth; the demo and the tests use it).

GET  _control/accounts                    {"accounts": ["<realmId>", ...]}
GET  _control/state?account=<realmId>     items, invoices, sales_receipts (with TotalAmt, TotalTax, Line,
                                          DocNumber, PrivateNote, status), customers
POST _control/adjust {"account", "sku", "qty_on_hand"}   a stock adjustment (+ Item webhook)
POST _control/faults {"error_rate", "statuses", "latency_ms", "seed"}
POST _control/config {"account", ...}     per-realm switches (webhook_format, custom_txn_numbers...)
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from emulators.control import ControlError, faults_view, json_body
from emulators.quickbooks.documents import is_voided
from emulators.quickbooks.entities import set_quantity
from emulators.quickbooks.http import webhook_deliver
from emulators.quickbooks.state import (
    DEFAULT_CONFIG,
    PLATFORM,
    store,
    webhook_endpoint,
    webhook_endpoint_register,
)
from emulators.store import EmulatorStore


def _number(value: Any) -> Any:
    number = float(value or 0)
    return int(number) if number.is_integer() else number


def accounts(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"accounts": EmulatorStore.accounts(PLATFORM)})


def _document(realm: str, entity: str, doc: dict[str, Any]) -> dict[str, Any]:
    """A document as the demo and tests read it: the short fields (`lines` of items, `total`) kept
    for older callers, and QuickBooks' own fields as its API shows them (TotalAmt, TxnTaxDetail's
    TotalTax, Line, DocNumber, PrivateNote...)."""
    lines = [{"item_id": str(((line.get("SalesItemLineDetail") or {}).get("ItemRef") or {}).get("value") or ""),
              "qty": _number((line.get("SalesItemLineDetail") or {}).get("Qty")), "amount": _number(line.get("Amount"))}
             for line in doc.get("Line") or [] if line.get("DetailType") == "SalesItemLineDetail"]
    voided = is_voided(realm, entity, str(doc["Id"]))
    return {"id": doc["Id"], "doc_number": doc.get("DocNumber", ""),
            "customer_id": str((doc.get("CustomerRef") or {}).get("value") or ""), "lines": lines,
            "total": _number(doc.get("TotalAmt")), "status": "voided" if voided else "active",
            "TotalAmt": doc.get("TotalAmt"), "TotalTax": (doc.get("TxnTaxDetail") or {}).get("TotalTax", 0),
            "DocNumber": doc.get("DocNumber", ""), "PrivateNote": doc.get("PrivateNote", ""),
            "GlobalTaxCalculation": doc.get("GlobalTaxCalculation"), "Balance": doc.get("Balance"),
            "TxnDate": doc.get("TxnDate"), "SyncToken": doc.get("SyncToken"), "Line": doc.get("Line") or []}


def state(request: HttpRequest) -> JsonResponse:
    realm = request.GET.get("account", "")
    realm_store = store(realm)
    if not realm_store.exists():
        return JsonResponse({"error": f"unknown account {realm!r}"}, status=404)
    items = [{"id": i["Id"], "sku": i.get("Sku", ""), "name": i.get("Name", ""), "type": i.get("Type", ""),
              "qty_on_hand": _number(i.get("QtyOnHand")) if i.get("Type") == "Inventory" else None,
              "sync_token": i.get("SyncToken", "0"), "active": bool(i.get("Active", True))}
             for i in realm_store.all("Item")]
    customers = [{"id": c["Id"], "display_name": c.get("DisplayName", ""),
                  "email": (c.get("PrimaryEmailAddr") or {}).get("Address", "")} for c in realm_store.all("Customer")]
    return JsonResponse({"items": items,
                         "invoices": [_document(realm, "Invoice", d) for d in realm_store.all("Invoice")],
                         "sales_receipts": [_document(realm, "SalesReceipt", d) for d in realm_store.all("SalesReceipt")],
                         "customers": customers})


@csrf_exempt
def adjust(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    try:
        data = json_body(request)
        realm, sku = str(data.get("account") or ""), str(data.get("sku") or "")
        qty = float(data["qty_on_hand"])
    except (ControlError, KeyError, TypeError, ValueError) as exc:
        return JsonResponse({"error": f"expected account, sku and qty_on_hand ({exc})"}, status=400)
    realm_store = store(realm)
    if not realm_store.exists():
        return JsonResponse({"error": f"unknown account {realm!r}"}, status=404)
    with transaction.atomic():
        match = next((i for i in realm_store.all("Item") if i.get("Sku") == sku and i.get("Type") == "Inventory"), None)
        if match is None:
            return JsonResponse({"error": f"no inventory item with SKU {sku!r}"}, status=404)
        item = set_quantity(realm, match["Id"], int(qty) if qty.is_integer() else qty)
        webhook_deliver(realm, [("Item", item["Id"], "Update")])
    return JsonResponse({"id": item["Id"], "sku": sku, "qty_on_hand": _number(item["QtyOnHand"]),
                         "sync_token": item["SyncToken"]})


@csrf_exempt
def webhooks(request: HttpRequest) -> HttpResponse:
    """GET: the app's webhook endpoint; POST {"url"}: register one (the developer portal's field)."""
    if request.method == "POST":
        try:
            url = str(json_body(request).get("url") or "")
        except ControlError as exc:
            return JsonResponse({"error": str(exc)}, status=400)
        if not url.startswith(("http://", "https://")):
            return JsonResponse({"error": "url must be an absolute http(s) address"}, status=400)
        webhook_endpoint_register(url)
    return JsonResponse({"url": webhook_endpoint()})


@csrf_exempt
def faults(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    try:
        return faults_view(PLATFORM, request)
    except (ControlError, ValueError) as exc:
        return JsonResponse({"error": str(exc)}, status=400)


@csrf_exempt
def configure(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    try:
        data = json_body(request)
    except ControlError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    realm_store = store(str(data.pop("account", "")))
    if not realm_store.exists():
        return JsonResponse({"error": "unknown account"}, status=404)
    unknown = set(data) - set(DEFAULT_CONFIG)
    if unknown:
        return JsonResponse({"error": f"unknown settings: {', '.join(sorted(unknown))}"}, status=400)
    realm_store.ensure_account(**data)
    return JsonResponse({**DEFAULT_CONFIG, **realm_store.config()})
