"""The emulator's Inventory API subset (pack 3.2, 3.3): inventory_item list, offer?sku=,
bulk_update_price_quantity (200 or 207, one response per item and per offer; buyers see the
smaller of the ship-to quantity and the offer's availableQuantity)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from emulators.ebay.http import error_body, rest_account, rest_error
from emulators.ebay.state import PLATFORM, offers_for, store, sync_inventory_listing
from emulators.faults import with_faults

MAX_BULK_REQUESTS = 25


def _item_json(item: dict[str, Any]) -> dict[str, Any]:
    return {"sku": item["sku"], "locale": "en_US", "condition": item.get("condition", "NEW"),
            "product": {"title": item["title"], "aspects": {}, "imageUrls": []},
            "availability": {"shipToLocationAvailability": {"quantity": int(item["quantity"]),
                                                            "allocationByFormat": {"fixedPrice": int(item["quantity"])}}}}


@csrf_exempt
@with_faults(PLATFORM, error_body)
def inventory_items(request: HttpRequest) -> HttpResponse:
    account, refused = rest_account(request, "sell.inventory.readonly")
    if refused is not None:
        return refused
    try:
        limit = int(request.GET.get("limit") or 25)
        offset = int(request.GET.get("offset") or 0)
    except ValueError:
        limit, offset = -1, -1
    if not 1 <= limit <= 200 or offset < 0:
        return rest_error(400, 25706, "You have provided invalid pagination values.",
                          long_message="limit must be 1-200 and offset 0 or more.")
    rows = sorted(store(account).all("inventory_items"), key=lambda item: item["sku"])
    base = request.build_absolute_uri(request.path)
    # `offset` is read as a record offset here; eBay documents a page index (UNCONFIRMED which
    # one the live service applies), so clients must follow `next` rather than compute it.
    body: dict[str, Any] = {"href": f"{base}?{urlencode({'limit': limit, 'offset': offset})}", "limit": limit,
                            "size": -(-len(rows) // limit), "total": len(rows),
                            "inventoryItems": [_item_json(i) for i in rows[offset:offset + limit]]}
    if offset + limit < len(rows):
        body["next"] = f"{base}?{urlencode({'limit': limit, 'offset': offset + limit})}"
    if offset > 0:
        body["prev"] = f"{base}?{urlencode({'limit': limit, 'offset': max(0, offset - limit)})}"
    return JsonResponse(body)


def _offer_json(offer: dict[str, Any], currency: str) -> dict[str, Any]:
    return {"offerId": offer["offerId"], "sku": offer["sku"], "marketplaceId": offer["marketplaceId"],
            "format": offer["format"], "availableQuantity": int(offer["availableQuantity"]),
            "pricingSummary": {"price": {"value": offer["price"], "currency": currency}}, "status": offer["status"],
            "listing": {"listingId": offer["listingId"], "listingStatus": "ACTIVE",
                        "soldQuantity": int(offer["soldQuantity"])}}


@csrf_exempt
@with_faults(PLATFORM, error_body)
def offers(request: HttpRequest) -> HttpResponse:
    account, refused = rest_account(request, "sell.inventory.readonly")
    if refused is not None:
        return refused
    sku = request.GET.get("sku", "")
    if not sku or store(account).get("inventory_items", sku) is None:
        return rest_error(400, 25702, f"The SKU {sku} is not available.", long_message="SKU not found.",
                          parameters=(("sku", sku),))
    found = offers_for(account, sku)
    if not found:
        return rest_error(404, 25713, "This Offer is not available.")
    currency = store(account).config().get("currency", "USD")
    return JsonResponse({"href": request.build_absolute_uri(), "limit": 25, "size": len(found), "total": len(found),
                         "offers": [_offer_json(o, currency) for o in found]})


@csrf_exempt
@with_faults(PLATFORM, error_body)
def bulk_update_price_quantity(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    account, refused = rest_account(request, "sell.inventory")
    if refused is not None:
        return refused
    try:
        data = json.loads(request.body or b"{}")
        requests_ = list(data["requests"])
    except (ValueError, KeyError, TypeError):
        return rest_error(400, 25709, "Invalid value for requests.", long_message="The request body is not valid.")
    if not 1 <= len(requests_) <= MAX_BULK_REQUESTS:
        return rest_error(400, 25709, "Invalid value for requests.",
                          long_message=f"Between 1 and {MAX_BULK_REQUESTS} requests are allowed.")
    seller = store(account)
    responses: list[dict[str, Any]] = []
    with transaction.atomic():
        for entry in requests_:
            responses.extend(_apply(account, seller, entry if isinstance(entry, dict) else {}))
    status = 200 if all(r["statusCode"] < 300 for r in responses) else 207
    return JsonResponse({"responses": responses}, status=status)


def _bad(sku: str, error_id: int, message: str, offer_id: str = "", name: str = "sku", value: str = "") -> dict:
    entry: dict[str, Any] = {"statusCode": 400, "sku": sku, "errors": [{
        "errorId": error_id, "domain": "API_INVENTORY", "category": "REQUEST", "message": message,
        "parameters": [{"name": name, "value": value or sku}]}]}
    if offer_id:
        entry["offerId"] = offer_id
    return entry


def _quantity(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _apply(account: str, seller: Any, entry: dict[str, Any]) -> list[dict[str, Any]]:
    sku = str(entry.get("sku") or "")
    item = seller.get_for_update("inventory_items", sku) if sku else None
    if item is None:
        return [{"statusCode": 404, "sku": sku, "errors": [{
            "errorId": 25702, "domain": "API_INVENTORY", "category": "REQUEST",
            "message": f"The SKU {sku} is not available."}]}]
    out: list[dict[str, Any]] = []
    for offer_entry in entry.get("offers") or []:
        offer_id = str(offer_entry.get("offerId") or "")
        offer = seller.get_for_update("offers", offer_id) if offer_id else None
        if offer is None or offer["sku"] != sku:
            out.append(_bad(sku, 25709, "Invalid value for offerId.", offer_id, "offerId", offer_id))
            continue
        quantity = _quantity(offer_entry.get("availableQuantity"))
        if quantity is None:
            out.append(_bad(sku, 25709, "Invalid value for availableQuantity.", offer_id, "availableQuantity",
                            str(offer_entry.get("availableQuantity"))))
            continue
        offer["availableQuantity"] = quantity
        seller.put("offers", offer_id, offer)
        out.append({"statusCode": 200, "sku": sku, "offerId": offer_id})
    ship_to = entry.get("shipToLocationAvailability")
    if isinstance(ship_to, dict):
        quantity = _quantity(ship_to.get("quantity"))
        if quantity is None:
            out.append(_bad(sku, 25709, "Invalid value for quantity.", name="quantity", value=str(ship_to.get("quantity"))))
        else:
            item["quantity"] = quantity
            seller.put("inventory_items", sku, item)
            out.append({"statusCode": 200, "sku": sku})
    sync_inventory_listing(account, sku)
    return out
