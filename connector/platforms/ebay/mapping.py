"""Pure functions: eBay payloads -> the connector's dataclasses.

Products: Trading listings (GetMyeBaySelling) and Inventory API items. The SKU is the listing's
Custom Label: `Item.SKU` for a single listing, `Variation.SKU` for each variation (pack 2.1).
External ids: `<ItemID>` for a single Trading listing, `<ItemID>:<variation SKU>` for a
variation, `inventory:<sku>` for an Inventory API item; `extra["api"]` says which call writes it.
Orders: the Fulfillment API Order (pack 5.3-5.6).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_datetime

from connector.platforms.base import ExternalCustomer, ExternalOrder, ExternalProduct, OrderLine, TaxLine
from connector.platforms.ebay.trading import Listing

logger = logging.getLogger("connector.ebay")

INVENTORY_PREFIX = "inventory:"
# Trading shows a static alias `...@members.ebay.<site>` and `Invalid Request` outside the window
# in which eBay releases the buyer's address (pack 5.6); masked forms with `*` are treated alike.
ALIAS_RE = re.compile(r"@members\.ebay\.[a-z.]+$", re.IGNORECASE)


def money(value: Any) -> Decimal:
    if isinstance(value, Mapping):
        value = value.get("value")
    if value in (None, ""):
        return Decimal("0")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal("0")


def timestamp(value: Any) -> datetime | None:
    return parse_datetime(str(value)) if value else None


# --------------------------------------------------------------------------- products
def trading_products(listing: Listing, *, site_id: str = "0") -> list[ExternalProduct]:
    """One ExternalProduct per single listing, or one per variation (the listing itself is not
    sellable then). A listing without a Custom Label is listed with an empty SKU and reported."""
    base_extra = {"api": "trading", "item_id": listing.item_id, "listing_type": listing.listing_type,
                  "site_id": site_id}
    if not listing.variations:
        if not listing.sku:
            logger.warning("eBay listing %s has no Custom Label (SKU); it cannot be matched by SKU", listing.item_id)
        return [ExternalProduct(
            external_id=listing.item_id, sku=listing.sku.strip(), name=listing.title,
            # Only fixed-price quantities can be revised (ReviseInventoryStatus); an auction's
            # quantity is not ours to manage.
            tracks_stock=listing.fixed_price, quantity=listing.available, kind="listing",
            extra={**base_extra, "sku": listing.sku.strip(), "sku_missing": not listing.sku.strip()},
        )]
    products = []
    for variation in listing.variations:
        sku = variation.sku.strip()
        if not sku:
            logger.warning("a variation of eBay listing %s has no SKU; it cannot be matched or updated",
                           listing.item_id)
        name = f"{listing.title} - {variation.title}" if variation.title else listing.title
        products.append(ExternalProduct(
            external_id=f"{listing.item_id}:{sku}" if sku else f"{listing.item_id}:#{len(products)}",
            parent_id=listing.item_id, sku=sku, name=name, tracks_stock=listing.fixed_price and bool(sku),
            quantity=variation.available, kind="variation",
            extra={**base_extra, "sku": sku, "variation": True, "sku_missing": not sku},
        ))
    return products


def inventory_product(item: Mapping[str, Any], offers: list[Mapping[str, Any]]) -> ExternalProduct:
    """An Inventory API item. Buyers see min(item quantity, each published offer's quantity)."""
    sku = str(item.get("sku") or "")
    availability = (item.get("availability") or {}).get("shipToLocationAvailability") or {}
    quantity = int(availability.get("quantity") or 0)
    published = [o for o in offers if str(o.get("status") or "") == "PUBLISHED"]
    for offer in published:
        if offer.get("availableQuantity") is not None:
            quantity = min(quantity, int(offer["availableQuantity"]))
    groups = item.get("inventoryItemGroupKeys") or item.get("groupIds") or []
    return ExternalProduct(
        external_id=f"{INVENTORY_PREFIX}{sku}", sku=sku.strip(),
        name=str((item.get("product") or {}).get("title") or sku), tracks_stock=True, quantity=quantity,
        parent_id=f"{INVENTORY_PREFIX}group:{groups[0]}" if groups else "", kind="inventory_item",
        extra={"api": "inventory", "sku": sku,
               "offer_ids": [str(o.get("offerId")) for o in published],
               "listing_ids": [str((o.get("listing") or {}).get("listingId") or "") for o in published]},
        raw=dict(item),
    )


# --------------------------------------------------------------------------- orders
def email_visible(value: str) -> bool:
    value = value.strip()
    return bool(value) and "@" in value and "*" not in value and value.lower() != "invalid request" \
        and not ALIAS_RE.search(value)


def split_name(full_name: str) -> tuple[str, str]:
    parts = full_name.split()
    if not parts:
        return "", ""
    if len(parts) == 1:
        return "", parts[0]
    return " ".join(parts[:-1]), parts[-1]


def customer(order: Mapping[str, Any]) -> ExternalCustomer:
    """Buyer name and email as eBay gives them: registration address first, then the ship-to.
    eBay withholds the email after 14-90 days and may show an alias: then `email` is empty,
    `email_masked` is set, and customer matching must fall back to the name."""
    buyer = order.get("buyer") or {}
    registration = buyer.get("buyerRegistrationAddress") or {}
    ship_to = {}
    for instruction in order.get("fulfillmentStartInstructions") or []:
        ship_to = ((instruction.get("shippingStep") or {}).get("shipTo")) or {}
        if ship_to:
            break
    full_name = str(registration.get("fullName") or ship_to.get("fullName") or "").strip()
    emails = [str(registration.get("email") or ""), str(ship_to.get("email") or "")]
    email = next((e.strip() for e in emails if email_visible(e)), "")
    first, last = split_name(full_name)
    if not full_name and buyer.get("username"):
        last = str(buyer["username"])  # nothing else to name the customer by
    return ExternalCustomer(first_name=first, last_name=last, email=email,
                            company=str(registration.get("companyName") or ""),
                            external_id=str(buyer.get("username") or ""), email_masked=not email)


def _taxes(item: Mapping[str, Any], collected: bool) -> tuple[TaxLine, ...]:
    """Taxes the seller owes. eBay Collect and Remit taxes are eBay's to remit (pack 5.5): left out."""
    if collected:
        remitted = {(str(t.get("taxType")), money(t.get("amount"))) for t in item.get("ebayCollectAndRemitTaxes") or []}
    else:
        remitted = set()
    return tuple(TaxLine(name=str(t.get("taxType") or "Tax"), rate=Decimal("0"), amount=money(t.get("amount")))
                 for t in item.get("taxes") or []
                 if (str(t.get("taxType")), money(t.get("amount"))) not in remitted)


def _product_line(item: Mapping[str, Any], collected: bool) -> OrderLine:
    quantity = Decimal(int(item.get("quantity") or 0))
    cost = money(item.get("lineItemCost"))
    unit = (cost / quantity).quantize(Decimal("0.01")) if quantity else cost
    sku = str(item.get("sku") or "").strip()
    legacy = str(item.get("legacyItemId") or "")
    product_id = f"{legacy}:{sku}" if legacy and item.get("legacyVariationId") and sku else legacy
    return OrderLine(kind="product", name=str(item.get("title") or sku or legacy), quantity=quantity,
                     unit_price=unit, total=cost, sku=sku, external_product_id=product_id,
                     taxes=_taxes(item, collected), code=str(item.get("lineItemId") or ""))


def order_from_fulfillment(order: Mapping[str, Any]) -> ExternalOrder:
    collected = bool(order.get("ebayCollectAndRemitTax"))
    items = order.get("lineItems") or []
    lines: list[OrderLine] = [_product_line(item, collected) for item in items]
    summary = order.get("pricingSummary") or {}
    currency = str((summary.get("total") or {}).get("currency") or "")
    delivery = money(summary.get("deliveryCost")) - abs(money(summary.get("deliveryDiscount")))
    if delivery:
        lines.append(OrderLine(kind="shipping", name="Shipping", quantity=Decimal("1"), unit_price=delivery,
                               total=delivery))
    discount = abs(money(summary.get("priceDiscount")))
    if discount:
        lines.append(OrderLine(kind="discount", name="Discount", quantity=Decimal("1"), unit_price=-discount,
                               total=-discount))
    remitted = sum((money(t.get("amount")) for item in items for t in item.get("ebayCollectAndRemitTaxes") or []),
                   Decimal("0")) if collected else Decimal("0")
    cancel_state = str((order.get("cancelStatus") or {}).get("cancelState") or "")
    payment = str(order.get("orderPaymentStatus") or "")
    created = timestamp(order.get("creationDate"))
    updated = timestamp(order.get("lastModifiedDate")) or created
    if created is None or updated is None:
        raise ValueError(f"eBay order {order.get('orderId')} has no creationDate")
    cancelled = cancel_state == "CANCELED"
    return ExternalOrder(
        external_id=str(order["orderId"]),
        number=str(order.get("salesRecordReference") or order["orderId"]),
        status="CANCELLED" if cancelled else payment,
        created_at=created, updated_at=updated, currency=currency, customer=customer(order),
        lines=tuple(lines),
        # What the seller sells: the buyer's total minus tax eBay collected and remits itself.
        total=money(summary.get("total")) - remitted,
        taxes_included=False, cancelled=cancelled, financial_status=payment, raw=dict(order),
    )
