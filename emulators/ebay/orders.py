"""Orders in the eBay emulator: a buyer's purchase (the listing's QuantitySold grows, so its
available quantity falls), a stock edit in Seller Hub, and the Fulfillment getOrders / getOrder
endpoints (pack 5.2-5.7): filter grammar with percent-encoding, limit <= 200, offset, orderIds,
90-day default, buyer e-mail withheld after 14 days and name after 90 (PII expiry), errors
30700-31100 in the REST envelope.
"""

from __future__ import annotations

import copy
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
from emulators.money import MoneyError, allocate, amount, cents, rate


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


def _pricing(extras: dict[str, Any]) -> dict[str, Any]:
    """The money inputs of a buyer's checkout; what eBay's marketplace has no place for is refused."""
    if extras.get("prices_include_tax"):
        raise OrderError("prices_include_tax is not emulated for eBay: the emulated marketplace (EBAY_US) adds "
                         "sales tax on top of prices")
    if extras.get("tip") not in (None, "", 0, "0"):
        raise OrderError("eBay orders have no tips")
    try:
        coupon = extras.get("coupon") or {}
        if not isinstance(coupon, dict):
            raise OrderError("coupon must be an object {code, amount}")
        return {"tax_rate": rate(extras.get("tax_rate")), "shipping": amount(extras.get("shipping"), "shipping"),
                "shipping_taxable": bool(extras.get("shipping_taxable", False)),
                "discount": amount(extras.get("discount"), "discount") + amount(coupon.get("amount"), "coupon.amount"),
                "promotion": str(coupon.get("code") or extras.get("discount_code") or "Seller discount")}
    except MoneyError as exc:
        raise OrderError(str(exc)) from exc


def place_order(account: str, lines: list[dict[str, Any]], customer: dict[str, Any] | None = None,
                extras: dict[str, Any] | None = None) -> dict[str, Any]:
    """A buyer's checkout, priced as getOrders reports it with fieldGroups=TAX_BREAKDOWN:
    lineItemCost (unit price x quantity), a seller discount allocated across the lines
    (appliedPromotions, discountedLineItemCost, pricingSummary.priceDiscount as a negative
    amount), shipping on the first line, tax per line on its discounted cost (and its shipping when
    taxable), pricingSummary.total = subtotal - discount + delivery + tax. extras: shipping,
    shipping_taxable, tax_rate, discount or coupon {code, amount}, ebay_collects_tax (default: when
    taxed), email_visibility ("full" | "missing" | "alias")."""
    extras = extras or {}
    pricing = _pricing(extras)
    seller = store(account)
    currency = seller.config().get("currency", "USD")
    customer = customer or {}
    tax_rate = pricing["tax_rate"]
    collects = bool(extras.get("ebay_collects_tax", bool(tax_rate)))
    with transaction.atomic():
        sold = []
        for line in lines:
            sku = str(line.get("sku") or "")
            quantity = int(line.get("qty") or line.get("quantity") or 1)
            if quantity < 1:
                raise OrderError("Quantities must be at least 1")
            listing, variation = _sell(account, sku, quantity)
            sold.append((sku, quantity, listing, variation, Decimal(str((variation or listing)["price"])) * quantity))
        allocations = allocate(pricing["discount"], [cost for *_, cost in sold]) if pricing["discount"] else [
            Decimal(0)] * len(sold)
        shipping = pricing["shipping"]
        line_items, subtotal, total_tax = [], Decimal("0"), Decimal("0")
        for index, ((sku, quantity, listing, variation, cost), allocated) in enumerate(zip(sold, allocations,
                                                                                           strict=True)):
            line_shipping = shipping if index == 0 else Decimal(0)
            taxable = cost - allocated + (line_shipping if pricing["shipping_taxable"] else Decimal(0))
            tax = cents(taxable * tax_rate)
            subtotal, total_tax = subtotal + cost, total_tax + tax
            taxes = [{"taxType": "STATE_SALES_TAX", "amount": _amount(tax, currency)}] if tax else []
            item: dict[str, Any] = {
                "lineItemId": str(next_id(account, "line_item", 10012345678901)), "legacyItemId": listing["item_id"],
                "sku": sku, "title": listing["title"], "quantity": quantity, "soldFormat":
                "AUCTION" if listing["listing_type"] == "Chinese" else "FIXED_PRICE",
                "listingMarketplaceId": "EBAY_US", "purchaseMarketplaceId": "EBAY_US",
                "lineItemFulfillmentStatus": "NOT_STARTED", "lineItemCost": _amount(cost, currency),
                "deliveryCost": {"shippingCost": _amount(line_shipping, currency)},
                "appliedPromotions": [{"promotionId": "5000123456", "description": pricing["promotion"],
                                       "discountAmount": _amount(allocated, currency)}] if allocated else [],
                "taxes": taxes, "ebayCollectAndRemitTaxes": [
                    {**t, "collectionMethod": "NET"} for t in taxes] if collects else [],
                "total": _amount(cost - allocated + line_shipping + tax, currency),
                "properties": {"buyerProtection": True}, "refunds": [],
            }
            if allocated:
                item["discountedLineItemCost"] = _amount(cost - allocated, currency)
            if variation is not None:
                position = next(i for i, v in enumerate(listing["variations"]) if v["sku"] == sku)
                item["legacyVariationId"] = f"{listing['item_id']}{position + 1:03d}"
                item["variationAspects"] = [{"name": "Variation", "value": variation["title"]}]
            line_items.append(item)
        discount = sum(allocations, Decimal(0))
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
        total = subtotal - discount + shipping + total_tax
        summary: dict[str, Any] = {"priceSubtotal": _amount(subtotal, currency)}
        if discount:
            summary["priceDiscount"] = _amount(-discount, currency)
        summary["deliveryCost"] = _amount(shipping, currency)
        if total_tax:
            summary["tax"] = _amount(total_tax, currency)
        summary["total"] = _amount(total, currency)
        order = {
            "orderId": order_id, "creationDate": stamp, "lastModifiedDate": stamp,
            "orderFulfillmentStatus": "NOT_STARTED", "orderPaymentStatus": "PAID", "sellerId": account,
            "salesRecordReference": str(number), "ebayCollectAndRemitTax": collects and bool(total_tax),
            "buyer": {"username": str(customer.get("username") or (email.split("@")[0] if email else "buyer")),
                      "taxAddress": {"countryCode": "US"}, "buyerRegistrationAddress": dict(contact)},
            "pricingSummary": summary,
            "cancelStatus": {"cancelState": "NONE_REQUESTED", "cancelRequests": []},
            "paymentSummary": {"totalDueSeller": _amount(total - (total_tax if collects else Decimal(0)), currency),
                               "refunds": [],
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


def as_requested(order: dict[str, Any], field_groups: str) -> dict[str, Any]:
    """The stored order (the TAX_BREAKDOWN view) as asked for: without TAX_BREAKDOWN, eBay Collect
    and Remit tax is not added into `total` (order and line) and taxes carry no taxType (pack 5.2,
    OAS Fulfillment `total`)."""
    if "TAX_BREAKDOWN" in field_groups.split(","):
        return order
    order = copy.deepcopy(order)
    remitted_total = Decimal(0)
    for item in order.get("lineItems") or []:
        remitted = sum((Decimal(t["amount"]["value"]) for t in item.get("ebayCollectAndRemitTaxes") or []),
                       Decimal(0))
        remitted_total += remitted
        if remitted:
            item["total"] = _amount(Decimal(item["total"]["value"]) - remitted, item["total"]["currency"])
        for tax in item.get("taxes") or []:
            tax.pop("taxType", None)
    summary = order.get("pricingSummary") or {}
    if remitted_total and "total" in summary:
        summary["total"] = _amount(Decimal(summary["total"]["value"]) - remitted_total, summary["total"]["currency"])
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


def _bad_groups(raw: str) -> bool:
    return any(g and g != "TAX_BREAKDOWN" for g in raw.split(","))


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
    groups = params.get("fieldGroups", "")
    if _bad_groups(groups):
        return _bad(32800, "Invalid field group.", ("fieldGroups", groups))
    page = [as_requested(_redact(o, now), groups) for o in rows[offset:offset + limit]]
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
    groups = request.GET.get("fieldGroups", "")
    if _bad_groups(groups):
        return _bad(32800, "Invalid field group.", ("fieldGroups", groups))
    return JsonResponse(as_requested(_redact(order, datetime.now(UTC)), groups))
