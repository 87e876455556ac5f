"""Writing stock to eBay, by the API that owns each listing (pack 3.1, 3.2, 9b).

- Trading listings: ReviseInventoryStatus, at most 4 InventoryStatus per call, sending the
  quantity *available now* (eBay adds QuantitySold itself). A single listing is named by ItemID,
  a variation by ItemID + its SKU. Errors come per item inside the response (ErrorParameters name
  the ItemID/SKU); warning 21917091 (redundant revision) counts as success.
- Inventory API listings: bulkUpdatePriceQuantity, one SKU per call (the safe reading of the
  batch-size CONFLICT), setting both the ship-to quantity and every published offer's
  availableQuantity (buyers see the smaller of the two).

Never a quantity for a listing we do not manage: an update is only sent when its id or extra
names a fixed-price Trading listing (or a variation with its own SKU) or an Inventory API SKU;
auctions, variations without a SKU and unreadable ids fail alone and nothing is sent for them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connector.platforms.base import (
    PlatformError,
    ReconnectRequired,
    RetryableError,
    StockResult,
    StockUpdate,
    batched,
)
from connector.platforms.ebay import trading
from connector.platforms.ebay.errors import item_error_retryable
from connector.platforms.ebay.mapping import INVENTORY_PREFIX

if TYPE_CHECKING:
    from connector.platforms.ebay.client import EbayClient

logger = logging.getLogger("connector.ebay")


@dataclass(frozen=True)
class Target:
    index: int
    update: StockUpdate
    api: str  # "trading" | "inventory"
    item_id: str = ""
    sku: str = ""


def route(index: int, update: StockUpdate) -> Target | StockResult:
    """Which API writes this update, or the reason nothing will be sent."""
    extra = dict(update.extra or {})
    external_id = update.external_id

    def refuse(why: str) -> StockResult:
        return StockResult(external_id, ok=False, error=why)

    if extra.get("api") == "inventory" or external_id.startswith(INVENTORY_PREFIX):
        sku = str(extra.get("sku") or external_id.removeprefix(INVENTORY_PREFIX))
        return Target(index, update, "inventory", sku=sku) if sku else refuse("No SKU to update on eBay.")
    item_id, _, variation = external_id.partition(":")
    item_id = str(extra.get("item_id") or item_id)
    if not item_id.isdigit():
        return refuse(f"{external_id!r} is not an eBay listing this connection manages; nothing was sent.")
    listing_type = str(extra.get("listing_type") or "FixedPriceItem")
    if listing_type not in ("FixedPriceItem", "StoresFixedPrice"):
        return refuse(f"eBay listing {item_id} is not fixed-price ({listing_type}); its quantity is not ours "
                      "to set.")
    sku = ""
    if variation or extra.get("variation"):
        sku = str(extra.get("sku") or variation)
        if not sku or sku.startswith("#"):
            return refuse(f"A variation of eBay listing {item_id} has no SKU, so eBay cannot be told which "
                          "one to update.")
    return Target(index, update, "trading", item_id=item_id, sku=sku)


def set_stock(client: EbayClient, updates: Sequence[StockUpdate]) -> list[StockResult]:
    results: list[StockResult | None] = [None] * len(updates)
    trading_targets: list[Target] = []
    inventory_targets: list[Target] = []
    for index, update in enumerate(updates):
        target = route(index, update)
        if isinstance(target, StockResult):
            results[index] = target
        elif target.api == "trading":
            trading_targets.append(target)
        else:
            inventory_targets.append(target)
    for chunk in batched(trading_targets, trading.MAX_REVISE_ENTRIES):
        for target, result in zip(chunk, _revise(client, chunk), strict=True):
            results[target.index] = result
    for target in inventory_targets:
        results[target.index] = _bulk_update(client, target)
    return [r for r in results if r is not None]


def _call_failed(targets: Sequence[Target], exc: PlatformError) -> list[StockResult]:
    if isinstance(exc, ReconnectRequired):
        raise exc
    return [StockResult(t.update.external_id, ok=False, error=exc.message, retryable=isinstance(exc, RetryableError))
            for t in targets]


def _owners(error: trading.TradingError, chunk: Sequence[Target]) -> list[Target]:
    """The entries an error is about: those whose SKU it names, else every entry of the listing
    whose ItemID it names (an ended listing fails all its variations)."""
    by_sku = [t for t in chunk if t.sku and trading.names_item(error, (t.sku,))]
    return by_sku or [t for t in chunk if trading.names_item(error, (t.item_id,))]


def _revise(client: EbayClient, chunk: Sequence[Target]) -> list[StockResult]:
    entries = [trading.StatusEntry(item_id=t.item_id, sku=t.sku, quantity=max(0, int(t.update.quantity)))
               for t in chunk]
    body = trading.revise_inventory_status_request(entries, message_id=str(uuid.uuid4()))
    try:
        root = client.trading("ReviseInventoryStatus", body, allow_failure=True)
    except PlatformError as exc:
        return _call_failed(chunk, exc)
    result = trading.revise_result(root)
    blocking = [e for e in result.errors if e.severity != "Warning"]
    failed: dict[int, trading.TradingError] = {}
    unnamed: list[trading.TradingError] = []
    for error in blocking:
        owners = _owners(error, chunk)
        if not owners:
            unnamed.append(error)
        for target in owners:
            failed.setdefault(target.index, error)
    out = []
    for target in chunk:
        error = failed.get(target.index)
        confirmed = any(r.item_id == target.item_id and (not target.sku or r.sku == target.sku)
                        for r in result.revised)
        if error is not None:
            out.append(StockResult(target.update.external_id, ok=False,
                                   error=f"{error.message} (eBay error {error.code})",
                                   retryable=item_error_retryable(error)))
        elif confirmed or (not blocking and result.ack in ("Success", "Warning")):
            out.append(StockResult(target.update.external_id, ok=True))
        else:
            # Not echoed, not named: eBay's answer does not say; assume nothing was written.
            why = f"{unnamed[0].message} (eBay error {unnamed[0].code})" if unnamed else \
                "eBay did not confirm this quantity."
            out.append(StockResult(target.update.external_id, ok=False, error=why,
                                   retryable=not unnamed or item_error_retryable(unnamed[0])))
    return out


def _bulk_update(client: EbayClient, target: Target) -> StockResult:
    """One SKU: read its published offers now (a stale list would leave a listing unchanged), then
    set the ship-to quantity and each offer's availableQuantity in one call."""
    external_id = target.update.external_id
    quantity = max(0, int(target.update.quantity))
    try:
        offers = [o for o in client.offers(target.sku) if str(o.get("status") or "") == "PUBLISHED"]
        request: dict[str, Any] = {"sku": target.sku, "shipToLocationAvailability": {"quantity": quantity}}
        if offers:
            request["offers"] = [{"offerId": str(o["offerId"]), "availableQuantity": quantity} for o in offers]
        payload = client.rest("POST", "sell/inventory/v1/bulk_update_price_quantity", json={"requests": [request]},
                              ok=(200, 207))
    except PlatformError as exc:
        return _call_failed([target], exc)[0]
    failures = [r for r in payload.get("responses") or [] if int(r.get("statusCode") or 0) >= 300]
    if not failures:
        return StockResult(external_id, ok=True)
    errors = failures[0].get("errors") or [{}]
    message = str(errors[0].get("longMessage") or errors[0].get("message") or "eBay refused the quantity")
    status = int(failures[0].get("statusCode") or 0)
    return StockResult(external_id, ok=False, error=f"{message} (eBay error {errors[0].get('errorId')})",
                       retryable=status >= 500)
