"""eBay client: Trading API (XML) for Seller Hub listings and their stock, Inventory API (REST) for
inventory-model listings, Fulfillment API (REST) for orders. One user token (OAuth, 2 h) serves
all three: `Authorization: Bearer` on REST, `X-EBAY-API-IAF-TOKEN` on Trading.

- Products: Inventory API items first (with their offers), then GetMyeBaySelling ActiveList;
  Trading listings that are the published offers of inventory items are skipped (pack 2.5: they
  belong to the Inventory API, which is the only one allowed to revise them).
- Stock: see stock.py.
- Orders: getOrders with `lastmodifieddate:[<cursor>..]`, 200 per page, TAX_BREAKDOWN.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests
from django.utils import timezone

from connector.platforms.base import (
    BaseClient,
    ExternalOrder,
    ExternalProduct,
    PermanentError,
    PlatformError,
    ReconnectRequired,
    RetryableError,
    StockResult,
    StockUpdate,
)
from connector.platforms.ebay import stock, trading
from connector.platforms.ebay.auth import EXPIRY_MARGIN_SECONDS, api_base_url
from connector.platforms.ebay.errors import rest_errors, rest_message, trading_exception
from connector.platforms.ebay.mapping import (
    inventory_product,
    order_from_fulfillment,
    timestamp,
    trading_products,
)
from connector.platforms.tokens import RefreshableToken

DEFAULT_LOOKBACK = timedelta(days=7)  # "" cursor; eBay itself defaults to 90 days of creation dates
ORDERS_PAGE_SIZE = 200  # getOrders maximum (above: error 31100)
INVENTORY_PAGE_SIZE = 200
DEFAULT_SITE_ID = "0"  # US; `system.cursors["site_id"]` names another (3 UK, 15 AU, 77 DE)


class EbayClient(RefreshableToken, BaseClient):
    platform = "ebay"
    request_id_header = "rlogid"
    # eBay's limits are daily quotas and short per-seller windows (pack 7.1); we honour 429 and
    # the Trading usage-limit errors rather than guessing a local window.
    rate_limits = ()
    oauth_module = "connector.platforms.ebay.oauth"
    expiry_margin_seconds = EXPIRY_MARGIN_SECONDS
    listings_page_size = trading.PAGE_SIZE
    inventory_page_size = INVENTORY_PAGE_SIZE
    orders_page_size = ORDERS_PAGE_SIZE

    def __init__(self, system: Any) -> None:
        self.system = system
        super().__init__(api_base_url(system.base_url), rate_key=f"ebay:{system.pk}")

    @property
    def site_id(self) -> str:
        """Trading calls should name the listings' site (pack 3.1). Not secret, so it is kept in
        the connection's cursors, where the bookkeeper may change it."""
        return str((self.system.cursors or {}).get("site_id") or DEFAULT_SITE_ID)

    # ------------------------------------------------------------------ auth
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    def error_from_response(self, response: requests.Response) -> PlatformError:
        status = response.status_code
        errors = rest_errors(response)
        message = rest_message(errors, response.text[:200] or f"HTTP {status}")
        code = str(errors[0].get("errorId")) if errors else ""
        if status == 401:
            return ReconnectRequired(f"eBay refused our access ({message}). Connect the eBay account again.",
                                     status=status, code=code, details=errors)
        if status == 403:
            return ReconnectRequired(f"eBay denied access ({message}). Connect the eBay account again to "
                                     "grant the missing permission.", status=status, code=code, details=errors)
        return self.classify(status, f"eBay answered HTTP {status}: {message}", response, code=code, details=errors)

    # ------------------------------------------------------------------ transports
    def rest(self, method: str, path: str, *, ok: Sequence[int] = (200, 201, 204), **kwargs: Any) -> dict[str, Any]:
        self.ensure_fresh_token()
        response = self.request(method, path, ok=ok, **kwargs)
        if not response.content:
            return {}
        try:
            payload = response.json()
        except ValueError as exc:
            raise RetryableError(f"eBay sent a response that is not JSON (HTTP {response.status_code})") from exc
        if not isinstance(payload, dict):
            raise PermanentError("eBay sent an unexpected response shape")
        return payload

    def trading(self, call: str, body: bytes, *, allow_failure: bool = False) -> Any:
        """POST /ws/api.dll. Failures come back in HTTP 200 with Ack=Failure; an invalid token is
        refreshed once. With allow_failure the caller reads per-item errors itself."""
        for attempt in range(2):
            self.ensure_fresh_token()
            headers = {"Content-Type": "text/xml", "Accept": "text/xml", "X-EBAY-API-CALL-NAME": call,
                       "X-EBAY-API-SITEID": self.site_id,
                       "X-EBAY-API-COMPATIBILITY-LEVEL": trading.COMPATIBILITY_LEVEL,
                       "X-EBAY-API-IAF-TOKEN": self.access_token}
            response = self.request("POST", "ws/api.dll", data=body, headers=headers)
            try:
                root = trading.parse(response.content)
            except trading.TradingXMLError as exc:
                raise RetryableError(f"eBay answered {call} with a body we cannot read: {exc}") from exc
            blocking = trading.blocking_errors(root)
            token_refused = any(e.code in trading.TOKEN_ERRORS for e in blocking)
            if attempt == 0 and token_refused and self.refresh_auth():
                continue
            if blocking and (trading.ack(root) == "Failure") and not allow_failure:
                raise trading_exception(blocking, call)
            if allow_failure and any(e.code in trading.TOKEN_ERRORS for e in blocking):
                raise trading_exception(blocking, call)
            return root
        raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ products
    def iter_products(self) -> Iterator[ExternalProduct]:
        inventory_listings: set[str] = set()
        for product in self.iter_inventory_products():
            inventory_listings.update(i for i in product.extra.get("listing_ids", []) if i)
            yield product
        page, pages = 1, 1
        while page <= pages:
            root = self.trading("GetMyeBaySelling", trading.get_my_ebay_selling_request(page, self.listings_page_size))
            listings, pages = trading.active_listings(root)
            for listing in listings:
                if listing.item_id in inventory_listings:
                    continue  # an inventory-model listing, already listed with its inventory item
                yield from trading_products(listing, site_id=self.site_id)
            page += 1

    def iter_inventory_products(self) -> Iterator[ExternalProduct]:
        """getInventoryItems, following `next` (whether `offset` is a page index or a record
        offset is UNCONFIRMED in the pack, so we never compute it)."""
        url: str | None = f"sell/inventory/v1/inventory_item?limit={self.inventory_page_size}&offset=0"
        while url:
            payload = self.rest("GET", url)
            for item in payload.get("inventoryItems") or []:
                yield inventory_product(item, self.offers(str(item.get("sku") or "")))
            url = payload.get("next") or None

    def offers(self, sku: str) -> list[dict[str, Any]]:
        if not sku:
            return []
        try:
            payload = self.rest("GET", f"sell/inventory/v1/offer?sku={quote(sku, safe='')}")
        except PermanentError as exc:
            if exc.code in ("25702", "25713") or exc.status == 404:  # no such SKU / no offer
                return []
            raise
        return [o for o in payload.get("offers") or [] if isinstance(o, dict)]

    # ------------------------------------------------------------------ stock
    def set_stock(self, updates: Sequence[StockUpdate]) -> list[StockResult]:
        return stock.set_stock(self, updates)

    # ------------------------------------------------------------------ orders
    def iter_orders_since(self, cursor: str) -> Iterator[tuple[ExternalOrder, str]]:
        """Orders modified at or after the cursor's time, sorted here by (lastModifiedDate,
        orderId) so the result never depends on eBay's ordering; those not after the cursor's
        (time, id) are dropped, so orders sharing a millisecond are neither skipped nor repeated."""
        since, since_id = parse_cursor(cursor)
        stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{since.microsecond // 1000:03d}Z"
        # `[` and `]` must be percent-encoded (pack 5.2); the query is built by hand so nothing
        # else gets encoded twice.
        url: str | None = (f"sell/fulfillment/v1/order?filter=lastmodifieddate:%5B{stamp}..%5D"
                           f"&limit={self.orders_page_size}&offset=0&fieldGroups=TAX_BREAKDOWN")
        found: dict[str, dict[str, Any]] = {}
        while url:
            payload = self.rest("GET", url)
            for order in payload.get("orders") or []:
                found[str(order.get("orderId"))] = order
            url = payload.get("next") or None
        keyed = []
        for order_id, raw in found.items():
            modified = timestamp(raw.get("lastModifiedDate"))
            if modified is not None and (modified, order_id) > (since, since_id):
                keyed.append((modified, order_id, raw))
        for modified, order_id, raw in sorted(keyed, key=lambda row: (row[0], row[1])):
            yield order_from_fulfillment(raw), make_cursor(modified, order_id)

    def get_order(self, external_id: str) -> ExternalOrder:
        payload = self.rest("GET", f"sell/fulfillment/v1/order/{quote(external_id, safe='')}?fieldGroups=TAX_BREAKDOWN")
        return order_from_fulfillment(payload)


def parse_cursor(cursor: str) -> tuple[datetime, str]:
    """`<lastModifiedDate ISO>|<orderId>`; "" means DEFAULT_LOOKBACK before now."""
    if not cursor:
        return (timezone.now() - DEFAULT_LOOKBACK).replace(microsecond=0), ""
    stamp, _, ident = cursor.partition("|")
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError as exc:
        raise PermanentError(f"The stored eBay order cursor {cursor!r} is not readable.") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when, ident


def make_cursor(modified: datetime, order_id: str) -> str:
    return f"{modified.astimezone(UTC).isoformat()}|{order_id}"
