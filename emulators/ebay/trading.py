"""The emulator's Trading API subset: POST ws/api.dll dispatching on X-EBAY-API-CALL-NAME.

GetMyeBaySelling  ActiveList with Pagination (EntriesPerPage <= 200); every active listing,
                  inventory-model ones included (they are eBay listings too).
ReviseInventoryStatus  1-4 InventoryStatus; ItemID (+ SKU for a variation) or SKU alone; the
                  quantity sent is the available one (stored Quantity = sent + QuantitySold);
                  per-item errors with the ItemID/SKU in ErrorParameters; 21917091 warning when
                  nothing changes; ended (21916750), auction (21916286) and inventory-model
                  (21919474, UNCONFIRMED code) listings refused. Ack: Success, Warning,
                  PartialFailure or Failure.
Auth: X-EBAY-API-IAF-TOKEN (OAuth user token); otherwise error 931 in an HTTP 200 body.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from connector.platforms.ebay import trading
from emulators.ebay.http import (
    XmlError,
    error_body,
    sub,
    trading_failure,
    trading_root,
    xml_response,
)
from emulators.ebay.state import (
    AUCTION,
    PLATFORM,
    available,
    listings,
    store,
    user_token,
)
from emulators.faults import with_faults

Q = trading.Q
DAILY_REVISION_LIMIT = 250  # revisions per listing per calendar day, all APIs (pack 3.1)
INVALID_TOKEN = XmlError("931", "Auth token is invalid.",
                         "Validation of the authentication token in API request failed.")


def _find(node: ET.Element, path: str) -> str:
    found = node.find("/".join(Q + part for part in path.split("/")))
    return (found.text or "").strip() if found is not None and found.text else ""


@csrf_exempt
@with_faults(PLATFORM, error_body)
def api_dll(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    call = request.headers.get("X-EBAY-API-CALL-NAME", "")
    if not request.headers.get("X-EBAY-API-COMPATIBILITY-LEVEL"):
        return trading_failure(call or "Unknown", XmlError(
            "10012", "Invalid value for header \"X-EBAY-API-COMPATIBILITY-LEVEL\".",
            "Header \"X-EBAY-API-COMPATIBILITY-LEVEL\" is missing or invalid."))
    found = user_token(request.headers.get("X-EBAY-API-IAF-TOKEN", ""))
    if found is None:
        return trading_failure(call or "Unknown", INVALID_TOKEN)
    account, _ = found
    try:
        body = trading.parse(request.body)
    except trading.TradingXMLError:
        return trading_failure(call, XmlError("5", "XML Parse error.", "XML Error Text: the request is not XML."))
    if call == "GetMyeBaySelling":
        return get_my_ebay_selling(account, body)
    if call == "ReviseInventoryStatus":
        with transaction.atomic():
            return revise_inventory_status(account, body)
    return trading_failure(call or "Unknown", XmlError(
        "2", "Unsupported API call.", f'The API call "{call}" is invalid or not supported in this release.'))


# --------------------------------------------------------------------------- GetMyeBaySelling
def _item(parent: ET.Element, listing: dict, currency: str) -> None:
    item = sub(parent, "Item")
    sub(item, "BuyItNowPrice", "0.0", currencyID=currency)
    sub(item, "ItemID", listing["item_id"])
    details = sub(item, "ListingDetails")
    sub(details, "StartTime", listing["start_time"])
    sub(item, "ListingType", listing["listing_type"])
    total = listing["quantity"] if not listing["variations"] else sum(v["quantity"] for v in listing["variations"])
    sold = listing["sold"] if not listing["variations"] else sum(v["sold"] for v in listing["variations"])
    sub(item, "Quantity", total)
    status = sub(item, "SellingStatus")
    sub(status, "CurrentPrice", listing["price"], currencyID=currency)
    sub(status, "QuantitySold", sold)
    if listing["sku"]:
        sub(item, "SKU", listing["sku"])
    sub(item, "Title", listing["title"])
    sub(item, "QuantityAvailable", max(0, total - sold))
    if listing["variations"]:
        variations = sub(item, "Variations")
        for variation in listing["variations"]:
            node = sub(variations, "Variation")
            if variation["sku"]:
                sub(node, "SKU", variation["sku"])
            sub(node, "StartPrice", variation["price"], currencyID=currency)
            sub(node, "Quantity", variation["quantity"])
            selling = sub(node, "SellingStatus")
            sub(selling, "QuantitySold", variation["sold"])
            sub(node, "VariationTitle", variation["title"])


def get_my_ebay_selling(account: str, body: ET.Element) -> HttpResponse:
    per_page_text = _find(body, "ActiveList/Pagination/EntriesPerPage") or "25"
    page_text = _find(body, "ActiveList/Pagination/PageNumber") or "1"
    if not per_page_text.isdigit() or not page_text.isdigit() or not 1 <= int(per_page_text) <= 200:
        return trading_failure("GetMyeBaySelling", XmlError(
            "37", "Input data is invalid.", "Input data for tag <Pagination> is invalid or missing.",
            ("Pagination",)))
    per_page, page = int(per_page_text), max(1, int(page_text))
    active = [row for row in listings(account) if not row["ended"]]
    pages = max(1, -(-len(active) // per_page))
    root = trading_root("GetMyeBaySelling", "Success")
    active_list = sub(root, "ActiveList")
    items = sub(active_list, "ItemArray")
    currency = store(account).config().get("currency", "USD")
    for listing in active[(page - 1) * per_page: page * per_page]:
        _item(items, listing, currency)
    pagination = sub(active_list, "PaginationResult")
    sub(pagination, "TotalNumberOfPages", pages)
    sub(pagination, "TotalNumberOfEntries", len(active))
    return xml_response(root)


# --------------------------------------------------------------------------- ReviseInventoryStatus
def _locate(account: str, item_id: str, sku: str) -> tuple[dict | None, dict | None, XmlError | None]:
    seller = store(account)
    if item_id:
        listing = seller.get_for_update("listings", item_id)
    else:  # InventoryTrackingMethod = SKU: the SKU alone names a single listing
        listing = next((row for row in listings(account) if sku and row["sku"] == sku and not row["ended"]), None)
    key = item_id or sku
    if listing is None:
        return None, None, XmlError("17", "Item cannot be accessed.",
                                    f'This item "{key}" cannot be accessed because the listing has been deleted '
                                    "or you are not the seller.", (key,))
    if listing["ended"]:
        return None, None, XmlError("21916750", "FixedPrice item ended.",
                                    f'You are not allowed to revise an ended item "{listing["item_id"]}".',
                                    (listing["item_id"],))
    if listing["inventory_model"]:
        return None, None, XmlError("21919474", "Inventory-based listing management is not currently supported "
                                    "by this tool.", f'Listing "{listing["item_id"]}" was created with the Inventory '
                                    "API; revise it there.", (listing["item_id"],))
    if listing["listing_type"] == AUCTION:
        return None, None, XmlError("21916286", "Unsupported ListingType.",
                                    f'ReviseInventoryStatus only revises fixed-price listings ("{listing["item_id"]}").',
                                    (listing["item_id"],))
    if listing["variations"]:
        variation = next((v for v in listing["variations"] if sku and v["sku"] == sku), None)
        if variation is None:
            return None, None, XmlError("21916585", "Variation not found.",
                                        f'No variation with SKU "{sku}" in listing "{listing["item_id"]}".',
                                        (sku or listing["item_id"],))
        return listing, variation, None
    if item_id and sku and listing["sku"] != sku:
        return None, None, XmlError("21916585", "SKU does not match.",
                                    f'SKU "{sku}" is not the SKU of listing "{item_id}".', (sku,))
    return listing, None, None


def _count_revision(listing: dict, limit: int) -> bool:
    """Count one revision of today (UTC here; eBay's calendar day is UNCONFIRMED); False once the
    listing has had `limit` today. The message and code of the refusal are UNCONFIRMED (pack 3.1
    names 21919144 among the usage-limit errors)."""
    today = datetime.now(UTC).date().isoformat()
    counter = listing.get("revisions") or {}
    count = int(counter.get("count", 0)) if counter.get("day") == today else 0
    if count >= limit:
        return False
    listing["revisions"] = {"day": today, "count": count + 1}
    return True


def revise_inventory_status(account: str, body: ET.Element) -> HttpResponse:
    entries = body.findall(Q + "InventoryStatus")
    if not 1 <= len(entries) <= trading.MAX_REVISE_ENTRIES:
        return trading_failure("ReviseInventoryStatus", XmlError(
            "21916584", "Too many or too few InventoryStatus.",
            f"ReviseInventoryStatus takes 1 to 4 InventoryStatus containers, not {len(entries)}."))
    seller = store(account)
    currency = seller.config().get("currency", "USD")
    limit = int(seller.config().get("daily_revision_limit", DAILY_REVISION_LIMIT))
    errors: list[XmlError] = []
    revised: list[tuple[dict, dict | None]] = []
    for entry in entries:
        item_id, sku, quantity_text = _find(entry, "ItemID"), _find(entry, "SKU"), _find(entry, "Quantity")
        listing, variation, error = _locate(account, item_id, sku)
        if error is None and (not quantity_text.lstrip("-").isdigit() or int(quantity_text) < 0):
            error = XmlError("37", "Input data is invalid.", "Input data for tag <Quantity> is invalid or missing.",
                             (item_id or sku,))
        if error is not None:
            errors.append(error)
            continue
        assert listing is not None
        quantity = int(quantity_text)
        target = variation if variation is not None else listing
        if available(target) != quantity and not _count_revision(listing, limit):
            errors.append(XmlError("21919144", "Daily revision limit exceeded.",
                                   f'Listing "{listing["item_id"]}" has reached its {limit} revisions for today. '
                                   "Try again tomorrow.", (listing["item_id"],)))
            continue
        if available(target) == quantity:
            errors.append(XmlError("21917091", "Requested StartPrice and Quantity revision is redundant.",
                                   "The existing price and quantity values are identical to those specified in "
                                   "the request and, therefore, have not been modified.",
                                   (listing["item_id"],), severity="Warning"))
        target["quantity"] = quantity + int(target["sold"])
        seller.put("listings", listing["item_id"], listing)
        revised.append((listing, variation))
    blocking = [e for e in errors if e.severity == "Error"]
    ack = ("Warning" if errors else "Success") if not blocking else ("PartialFailure" if revised else "Failure")
    root = trading_root("ReviseInventoryStatus", ack, errors)
    for listing, variation in revised:
        target = variation if variation is not None else listing
        node = sub(root, "InventoryStatus")
        sub(node, "SKU", target["sku"] or "")
        sub(node, "ItemID", listing["item_id"])
        sub(node, "StartPrice", target["price"])
        sub(node, "Quantity", target["quantity"])
    for item_id in dict.fromkeys(listing["item_id"] for listing, _ in revised):
        fees = sub(root, "Fees")
        sub(fees, "ItemID", item_id)
        for name in ("AuctionLengthFee", "FixedPriceDurationFee", "InsertionFee", "ListingFee"):
            fee = sub(fees, "Fee")
            sub(fee, "Name", name)
            sub(fee, "Fee", "0.0", currencyID=currency)
    return xml_response(root)
