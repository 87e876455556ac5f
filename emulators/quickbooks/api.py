"""The emulator's v3 endpoints under /v3/company/<realmId>/ (envelopes as in the reference pack).

query (GET ?query= or POST application/text), <entity> POST (create / ?operation=update|delete|void,
&include=void for sales receipts),
<entity>/<id> GET, batch, cdc, preferences, companyinfo/<realmId>. Writes honour `requestid`:
the same value again for the same company returns the original response without re-executing.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from emulators.faults import with_faults
from emulators.quickbooks import query as qp
from emulators.quickbooks.entities import entity_for, write
from emulators.quickbooks.faults import ApiFault
from emulators.quickbooks.http import (
    authenticate,
    envelope,
    error_body,
    fault,
    fault_body,
    query_fault,
    unauthorized,
    webhook_deliver,
)
from emulators.quickbooks.state import PLATFORM, config, now_local, store, throttle_take

BATCH_MAX = 30
CDC_CAP = 1000


def api(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Faults, bearer token, realm, one transaction, and requestid replay on writes."""

    @csrf_exempt
    @with_faults(PLATFORM, error_body)
    @functools.wraps(view)
    def wrapped(request: HttpRequest, realm: str, *args: Any, **kwargs: Any) -> HttpResponse:
        if not store(realm).exists() or not authenticate(request, realm):
            return unauthorized()
        request_id = request.GET.get("requestid", "") if request.method == "POST" else ""
        with transaction.atomic():
            if not throttle_take(realm):
                return error_body(429)
            if request_id:
                seen = store(realm).get_for_update("requestids", request_id)
                if seen is not None:
                    return envelope(seen["body"], seen["status"])
            response = view(request, realm, *args, **kwargs)
            if request_id and response.get("Content-Type", "").startswith("application/json"):
                body = json.loads(response.content)
                body.pop("time", None)
                store(realm).put("requestids", request_id, {"status": response.status_code, "body": body})
        return response

    return wrapped


def _json(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiFault("2020", f"Request has invalid or unsupported property: {exc}") from exc
    if not isinstance(data, dict):
        raise ApiFault("2020", "Request body must be a JSON object")
    return data


def run_query(realm: str, statement: str) -> dict[str, Any]:
    parsed = qp.parse(statement)
    if not config(realm).get("email_queryable") and any(c[0] == "PrimaryEmailAddr" for c in parsed.conditions):
        # Whether Customer.PrimaryEmailAddr is queryable is UNCONFIRMED (pack 2.6): switchable.
        raise qp.QueryError("4001", "Invalid query", "QueryValidationError: property 'PrimaryEmailAddr' is not queryable")
    return qp.execute(parsed, store(realm).all(parsed.entity))


@api
def query(request: HttpRequest, realm: str) -> HttpResponse:
    statement = request.GET.get("query", "") if request.method == "GET" else request.body.decode("utf-8", "replace")
    try:
        return envelope({"QueryResponse": run_query(realm, statement)})
    except qp.QueryError as exc:
        return query_fault(exc.code, exc.message, exc.detail)


@api
def entity_write(request: HttpRequest, realm: str, name: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    try:
        entity = entity_for(name)
        row, events = write(realm, entity, request.GET.get("operation") or "create", _json(request),
                            include=request.GET.get("include", ""))
    except ApiFault as exc:
        return fault(exc.code, exc.detail, exc.element)
    webhook_deliver(realm, events)
    return envelope({entity: _public(row)})


@api
def entity_read(request: HttpRequest, realm: str, name: str, ident: str) -> HttpResponse:
    try:
        entity = entity_for(name)
    except ApiFault as exc:
        return fault(exc.code, exc.detail)
    row = store(realm).get(entity, ident)
    if row is None:
        return fault("610", element="Id")
    return envelope({entity: _public(row)})


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if not k.startswith("_")}


@api
def batch(request: HttpRequest, realm: str) -> HttpResponse:
    try:
        items = _json(request).get("BatchItemRequest") or []
    except ApiFault as exc:
        return fault(exc.code, exc.detail)
    if len(items) > BATCH_MAX:
        return fault("6000", f"Batch size {len(items)} exceeds the maximum of {BATCH_MAX} items.")
    results: list[dict[str, Any]] = []
    events: list[tuple[str, str, str]] = []
    for item in items:
        bid = str(item.get("bId") or "")
        try:
            with transaction.atomic():  # items are independent: one fault rolls back only itself
                if "Query" in item:
                    results.append({"bId": bid, "QueryResponse": run_query(realm, str(item["Query"]))})
                    continue
                entity = next((k for k in item if k not in ("bId", "operation", "optionsData")), "")
                options = item.get("optionsData")
                row, caused = write(realm, entity_for(entity), str(item.get("operation") or "create"),
                                    dict(item.get(entity) or {}), include=str(options or ""))
                results.append({"bId": bid, entity_for(entity): _public(row)})
                events.extend(caused)
        except ApiFault as exc:
            results.append({"bId": bid, **_fault_only(fault_body(exc.code, exc.detail, exc.element))})
        except qp.QueryError as exc:
            results.append({"bId": bid, "Fault": {"Error": [{"Message": exc.message, "Detail": exc.detail,
                                                             "code": exc.code}], "type": "ValidationFault"}})
    webhook_deliver(realm, events)
    return envelope({"BatchItemResponse": results})


def _fault_only(body: dict[str, Any]) -> dict[str, Any]:
    return {"Fault": body["Fault"]}


def _parse_since(value: str) -> datetime | None:
    from connector.platforms.quickbooks.mapping import parse_time

    return parse_time(value)


@api
def cdc(request: HttpRequest, realm: str) -> HttpResponse:
    since = _parse_since(request.GET.get("changedSince", ""))
    names = [n.strip() for n in request.GET.get("entities", "").split(",") if n.strip()]
    if since is None or not names:
        return fault("2020", "Required parameters entities and changedSince are missing or invalid")
    if since < now_local() - timedelta(days=30):
        return fault("6000", "changedSince cannot be more than 30 days in the past")
    realm_store = store(realm)
    deleted = realm_store.all("deleted")
    responses: list[dict[str, Any]] = []
    left = CDC_CAP
    for raw_name in names:
        entity = next((e for e in qp.QUERYABLE if e.lower() == raw_name.lower()), raw_name)
        rows = []
        if entity in ("Item", "Customer", "Invoice", "SalesReceipt", "Account"):
            rows = [r for r in realm_store.all(entity) if _after(r.get("MetaData", {}).get("LastUpdatedTime"), since)]
        rows.sort(key=lambda r: (_when(r["MetaData"]["LastUpdatedTime"]), int(r["Id"]) if str(r["Id"]).isdigit() else 0))
        stubs = [{"status": "Deleted", "domain": "QBO", "Id": d["Id"], "MetaData": {"LastUpdatedTime": d["at"]}}
                 for d in deleted if d["entity"] == entity and _after(d["at"], since)]
        chosen = (rows + stubs)[:left]
        left -= len(chosen)
        if chosen:
            responses.append({entity: chosen, "startPosition": 1, "maxResults": len(chosen)})
    return envelope({"CDCResponse": [{"QueryResponse": responses or [{}]}]})


def _when(value: Any) -> datetime:
    return _parse_since(str(value)) or datetime.min


def _after(value: Any, since: datetime) -> bool:
    when = _parse_since(str(value or ""))
    return when is not None and when >= since


@api
def preferences(request: HttpRequest, realm: str) -> HttpResponse:
    cfg = config(realm)
    return envelope({"Preferences": {
        "ProductAndServicesPrefs": {"ForSales": True, "ForPurchase": True, "QuantityWithPriceAndRate": True,
                                    "QuantityOnHand": True},
        "SalesFormsPrefs": {"AllowDeposit": True, "AllowDiscount": True, "AllowEstimates": True,
                            "AllowServiceDate": False, "AllowShipping": False,
                            "CustomTxnNumbers": bool(cfg.get("custom_txn_numbers"))},
        "TaxPrefs": {"UsingSalesTax": True},
        "CurrencyPrefs": {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": "USD"}},
        "domain": "QBO", "sparse": False, "Id": "1", "SyncToken": "6"}})


@api
def companyinfo(request: HttpRequest, realm: str, ident: str) -> HttpResponse:
    if ident != realm:
        return fault("610", element="Id")
    cfg = config(realm)
    address = {"City": "Mountain View", "Country": "USA", "Line1": "2500 Garcia Ave", "PostalCode": "94043",
               "CountrySubDivisionCode": "CA", "Id": "1"}
    return envelope({"CompanyInfo": {
        "SyncToken": "4", "domain": "QBO", "LegalAddr": address, "SupportedLanguages": "en",
        "CompanyName": cfg.get("company_name"), "Country": "US", "CompanyAddr": address, "sparse": False,
        "Id": "1", "FiscalYearStartMonth": "January", "LegalName": cfg.get("company_name"),
        "CompanyStartDate": "2025-01-01",
        "NameValue": [{"Name": "NeoEnabled", "Value": "true"}, {"Name": "SubscriptionStatus", "Value": "PAID"},
                      {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"}],
        "MetaData": {"CreateTime": "2025-01-01T09:00:00-08:00", "LastUpdatedTime": "2025-01-01T09:00:00-08:00"}}})


def not_json(status: int = 415) -> JsonResponse:
    return JsonResponse({"error": "unsupported"}, status=status)
