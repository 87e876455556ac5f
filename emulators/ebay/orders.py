"""Orders in the eBay emulator: a buyer's purchase (the listing's QuantitySold grows, so its
available quantity falls), a stock edit in Seller Hub, and the Fulfillment getOrders / getOrder
endpoints (pack 5.2-5.7): filter grammar with percent-encoding, limit <= 200, offset, orderIds,
90-day default, buyer e-mail withheld after 14 days and name after 90 (PII expiry), errors
30700-31100 in the REST envelope.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import unquote, urlencode

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from emulators.ebay.http import error_body, rest_account, rest_error
from emulators.ebay.state import (
    PLATFORM,
    available,
    ebay_time,
    find_sku,
    inventory_available,
    next_id,
    offers_for,
    parse_time,
    store,
    sync_inventory_listing,
)
from emulators.faults import with_faults


class OrderError(ValueError):
    pass


def _amount(value: Decimal, currency: str) -> dict[str, str]:
    return {"value": str(value.quantize(Decimal("0.01"))), "currency": currency}


def _sell(account: str, sku: str, quantity: int) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Record the sale on the listing (and on the inventory item and offer if inventory-model)."""
    seller = store(account)
    found = find_sku(account, sku)
    if found is None:
        raise OrderError(f"No active listing with Custom Label {sku!r} for {account}")
    listing, variation = found
    listing = seller.get_for_update("listings", listing["item_id"]) or listing
    target = next(v for v in listing["variations"] if v["sku"] == sku) if variation is not None else listing
    if available(target) < quantity and listing["listing_type"] != "Chinese":
        raise OrderError(f"Only {available(target)} of {sku!r} are available")
    target["sold"] = int(target["sold"]) + quantity
    seller.put("listings", listing["item_id"], listing)
    if listing["inventory_model"]:
        item = seller.get_for_update("inventory_items", sku)
        if item is not None:
            item["quantity"] = max(0, int(item["quantity"]) - quantity)
            seller.put("inventory_items", sku, item)
        for offer in offers_for(account, sku):
            offer["availableQuantity"] = max(0, int(offer["availableQuantity"]) - quantity)
            offer["soldQuantity"] = int(offer["soldQuantity"]) + quantity
            seller.put("offers", offer["offerId"], offer)
    return listing, (target if variation is not None else None)


def place_order(account: str, lines: list[dict[str, Any]], customer: dict[str, Any] | None = None,
                extras: dict[str, Any] | None = None) -> dict[str, Any]:
    """A buyer's checkout. extras: shipping, tax_rate, ebay_collects_tax (bool), email_visibility
    ("full" | "missing" | "alias": what eBay shows of the buyer's address)."""
    extras = extras or {}
    seller = store(account)
    currency = seller.config().get("currency", "USD")
    customer = customer or {}
    tax_rate = Decimal(str(extras.get("tax_rate") or "0"))
    collects = bool(extras.get("ebay_collects_tax", bool(tax_rate)))
    with transaction.atomic():
        line_items, subtotal, total_tax = [], Decimal("0"), Decimal("0")
        for line in lines:
            sku = str(line.get("sku") or "")
            quantity = int(line.get("qty") or line.get("quantity") or 1)
            if quantity < 1:
                raise OrderError("Quantities must be at least 1")
            listing, variation = _sell(account, sku, quantity)
            price = Decimal(str((variation or listing)["price"]))
            cost = price * quantity
            tax = (cost * tax_rate).quantize(Decimal("0.01"))
            subtotal, total_tax = subtotal + cost, total_tax + tax
            taxes = [{"taxType": "STATE_SALES_TAX", "amount": _amount(tax, currency)}] if tax else []
            item: dict[str, Any] = {
                "lineItemId": str(next_id(account, "line_item", 10012345678901)), "legacyItemId": listing["item_id"],
                "sku": sku, "title": listing["title"], "quantity": quantity, "soldFormat":
                "AUCTION" if listing["listing_type"] == "Chinese" else "FIXED_PRICE",
                "listingMarketplaceId": "EBAY_US", "purchaseMarketplaceId": "EBAY_US",
                "lineItemFulfillmentStatus": "NOT_STARTED", "lineItemCost": _amount(cost, currency),
                "deliveryCost": {"shippingCost": _amount(Decimal("0"), currency)}, "appliedPromotions": [],
                "taxes": taxes, "ebayCollectAndRemitTaxes": [
                    {**t, "collectionMethod": "NET"} for t in taxes] if collects else [],
                "total": _amount(cost + tax, currency), "properties": {"buyerProtection": True}, "refunds": [],
            }
            if variation is not None:
                position = next(i for i, v in enumerate(listing["variations"]) if v["sku"] == sku)
                item["legacyVariationId"] = f"{listing['item_id']}{position + 1:03d}"
                item["variationAspects"] = [{"name": "Variation", "value": variation["title"]}]
            line_items.append(item)
        shipping = Decimal(str(extras.get("shipping") or "0"))
        if line_items and shipping:
            line_items[0]["deliveryCost"]["shippingCost"] = _amount(shipping, currency)
        number = next_id(account, "order", 34567)
        order_id = f"12-{number:05d}-{(number * 7919) % 100000:05d}"
        stamp = ebay_time()
        full_name = " ".join(p for p in (customer.get("first_name"), customer.get("last_name")) if p)
        contact = {"fullName": full_name, "contactAddress": {"countryCode": "US"}}
        visibility = str(extras.get("email_visibility") or "full")
        email = str(customer.get("email") or "")
        if visibility == "alias" and email:
            contact["email"] = f"{order_id.replace('-', '')}@members.ebay.com"
        elif visibility == "full" and email:
            contact["email"] = email
        total = subtotal + total_tax + shipping
        order = {
            "orderId": order_id, "creationDate": stamp, "lastModifiedDate": stamp,
            "orderFulfillmentStatus": "NOT_STARTED", "orderPaymentStatus": "PAID", "sellerId": account,
            "salesRecordReference": str(number), "ebayCollectAndRemitTax": collects and bool(total_tax),
            "buyer": {"username": str(customer.get("username") or (email.split("@")[0] if email else "buyer")),
                      "taxAddress": {"countryCode": "US"}, "buyerRegistrationAddress": dict(contact)},
            "pricingSummary": {"priceSubtotal": _amount(subtotal, currency),
                               "deliveryCost": _amount(shipping, currency),
                               "tax": _amount(total_tax, currency), "total": _amount(total, currency)},
            "cancelStatus": {"cancelState": "NONE_REQUESTED", "cancelRequests": []},
            "paymentSummary": {"totalDueSeller": _amount(subtotal + shipping, currency), "refunds": [],
                               "payments": [{"paymentMethod": "EBAY", "paymentDate": stamp,
                                             "amount": _amount(total, currency), "paymentStatus": "PAID"}]},
            "fulfillmentStartInstructions": [{"fulfillmentInstructionsType": "SHIP_TO",
                                              "ebaySupportedFulfillment": False,
                                              "shippingStep": {"shippingCarrierCode": "USPS",
                                                               "shippingServiceCode": "USPSPriority",
                                                               "shipTo": dict(contact)}}],
            "fulfillmentHrefs": [], "lineItems": line_items,
        }
        seller.put("orders", order_id, order)
    return order


def set_available(account: str, sku: str, quantity: int) -> dict[str, Any]:
    """A stock edit in Seller Hub (or the Inventory API for inventory-model listings)."""
    seller = store(account)
    with transaction.atomic():
        found = find_sku(account, sku)
        if found is None:
            raise OrderError(f"No active listing with Custom Label {sku!r} for {account}")
        listing, variation = found
        if listing["inventory_model"]:
            item = seller.get_for_update("inventory_items", sku) or {}
            item["quantity"] = quantity
            seller.put("inventory_items", sku, item)
            for offer in offers_for(account, sku):
                seller.put("offers", offer["offerId"], {**offer, "availableQuantity": quantity})
            sync_inventory_listing(account, sku)
            return {"id": f"inventory:{sku}", "sku": sku, "quantity": inventory_available(account, sku)}
        listing = seller.get_for_update("listings", listing["item_id"]) or listing
        target = next(v for v in listing["variations"] if v["sku"] == sku) if variation is not None else listing
        target["quantity"] = quantity + int(target["sold"])
        seller.put("listings", listing["item_id"], listing)
    ident = f"{listing['item_id']}:{sku}" if variation is not None else listing["item_id"]
    return {"id": ident, "sku": sku, "quantity": quantity}


def touch_order(account: str, order_id: str, when: str | None = None) -> dict[str, Any]:
    """Tests and demo: the order changed on eBay (lastModifiedDate moves)."""
    seller = store(account)
    with transaction.atomic():
        order = seller.get_for_update("orders", order_id)
        if order is None:
            raise OrderError(f"No order {order_id}")
        order["lastModifiedDate"] = when or ebay_time()
        seller.put("orders", order_id, order)
    return order


# --------------------------------------------------------------------------- getOrders
FILTER_RE = re.compile(r"^(creationdate|lastmodifieddate):\[(.*?)\.\.(.*)\]$")
STATUS_RE = re.compile(r"^orderfulfillmentstatus:\{([A-Z_|]+)\}$")


def _bad(error_id: int, message: str, parameter: tuple[str, str] | None = None) -> JsonResponse:
    return rest_error(400, error_id, message, domain="API_FULFILLMENT", parameters=(parameter,) if parameter else ())


def _parse_filter(raw: str) -> tuple[dict[str, Any], JsonResponse | None]:
    parsed: dict[str, Any] = {}
    for part in (p for p in raw.split(",") if p):
        date = FILTER_RE.match(part)
        status = STATUS_RE.match(part)
        if date:
            try:
                start = parse_time(date.group(2))
                end = parse_time(date.group(3)) if date.group(3) else None
            except ValueError:
                return {}, _bad(30810, "Invalid date format.", ("filter", part))
            if end is not None and start > end:
                return {}, _bad(30840, "The start date is after the end date.", ("filter", part))
            if start > datetime.now(UTC) + timedelta(minutes=1):
                return {}, _bad(30850, "Dates in the future are not allowed.", ("filter", part))
            parsed[date.group(1)] = (start, end)
        elif status:
            parsed["status"] = set(status.group(1).split("|"))
        else:
            name = part.split(":", 1)[0]
            if name in ("creationdate", "lastmodifieddate", "orderfulfillmentstatus"):
                return {}, _bad(30800, "Invalid filter value.", ("filter", part))
            return {}, _bad(30700, "Invalid filter name.", ("filter", name))
    return parsed, None


def _redact(order: dict[str, Any], now: datetime) -> dict[str, Any]:
    """eBay stops returning the buyer's e-mail after 14 days and the name after 90 (pack 5.6)."""
    age = now - parse_time(order["creationDate"])
    if age <= timedelta(days=14):
        return order
    order = {**order, "buyer": {**order["buyer"]}}
    contacts = [order["buyer"].get("buyerRegistrationAddress") or {}]
    instructions = [dict(i) for i in order.get("fulfillmentStartInstructions") or []]
    for instruction in instructions:
        step = dict(instruction.get("shippingStep") or {})
        step["shipTo"] = dict(step.get("shipTo") or {})
        instruction["shippingStep"] = step
        contacts.append(step["shipTo"])
    order["fulfillmentStartInstructions"] = instructions
    registration = dict(contacts[0])
    order["buyer"]["buyerRegistrationAddress"] = registration
    for contact in [registration] + [i["shippingStep"]["shipTo"] for i in instructions]:
        contact.pop("email", None)
        if age > timedelta(days=90):
            contact.pop("fullName", None)
    return order


def _order_ids(raw: str) -> list[str]:
    return [i.strip() for i in raw.split(",") if i.strip()]


@csrf_exempt
@with_faults(PLATFORM, error_body)
def orders(request: HttpRequest) -> HttpResponse:
    account, refused = rest_account(request, "sell.fulfillment.readonly")
    if refused is not None:
        return refused
    raw_query = request.META.get("QUERY_STRING", "")
    if re.search(r"filter=[^&]*[\[\]{}|]", raw_query):
        # Unencoded brackets are refused by eBay's front end (pack 5.2).
        return _bad(30800, "Invalid filter value: [ ] { } | must be percent-encoded.")
    params = request.GET
    try:
        limit = int(params.get("limit") or 50)
    except ValueError:
        limit = -1
    if not 1 <= limit <= 200:
        return _bad(31100, "Invalid limit. Supported ranges 1 - 200.", ("limit", params.get("limit", "")))
    try:
        offset = int(params.get("offset") or 0)
    except ValueError:
        offset = -1
    if offset < 0:
        return _bad(31000, "Invalid offset.", ("offset", params.get("offset", "")))
    rows = store(account).all("orders")
    now = datetime.now(UTC)
    ids = _order_ids(params.get("orderIds", ""))
    if ids:
        if len(ids) > 50:
            return _bad(30900, "Exceeded maximum number of order IDs (50).")
        rows = [o for o in rows if o["orderId"] in ids]
    else:
        parsed, error = _parse_filter(unquote(params.get("filter", "")))
        if error is not None:
            return error
        field, window = None, None
        if "creationdate" in parsed:  # lastmodifieddate is ignored when creationdate is given
            field, window = "creationDate", parsed["creationdate"]
        elif "lastmodifieddate" in parsed:
            field, window = "lastModifiedDate", parsed["lastmodifieddate"]
        if field is None:
            field, window = "creationDate", (now - timedelta(days=90), None)
        start, end = window
        rows = [o for o in rows if parse_time(o[field]) >= start and (end is None or parse_time(o[field]) <= end)]
        if "status" in parsed:
            rows = [o for o in rows if o["orderFulfillmentStatus"] in parsed["status"]]
    rows = [o for o in rows if now - parse_time(o["creationDate"]) <= timedelta(days=730)]
    rows.sort(key=lambda o: (o["creationDate"], o["orderId"]), reverse=True)  # newest first
    page = [_redact(o, now) for o in rows[offset:offset + limit]]
    base = request.build_absolute_uri(request.path)
    keep = {k: params[k] for k in ("filter", "orderIds", "fieldGroups") if params.get(k)}

    def link(at: int) -> str:
        return f"{base}?{urlencode({**keep, 'limit': limit, 'offset': at}, safe=':.,')}"

    body: dict[str, Any] = {"href": link(offset), "total": len(rows), "limit": limit, "offset": offset,
                            "orders": page}
    if offset + limit < len(rows):
        body["next"] = link(offset + limit)
    if offset > 0:
        body["prev"] = link(max(0, offset - limit))
    return JsonResponse(body)


@csrf_exempt
@with_faults(PLATFORM, error_body)
def order_detail(request: HttpRequest, order_id: str) -> HttpResponse:
    account, refused = rest_account(request, "sell.fulfillment.readonly")
    if refused is not None:
        return refused
    order = store(account).get("orders", order_id)
    if order is None:
        # 32100 "Invalid order ID" (code as seen in eBay's error list; UNCONFIRMED in the pack).
        return rest_error(404, 32100, f"Invalid order ID: {order_id}", domain="API_FULFILLMENT")
    return JsonResponse(_redact(order, datetime.now(UTC)))
