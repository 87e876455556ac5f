"""Shopify Admin API client (GraphQL for catalogue and stock, REST for orders), API version
settings.SHOPIFY_API_VERSION (pinned, default 2025-10).

- Products: GraphQL `productVariants`, one ExternalProduct per variant.
- Stock: GraphQL `inventorySetQuantities` on the `available` quantity at one location (see
  docs/shopify.md for why `available`). The location is chosen once (first active location that
  fulfils online orders) and kept in `system.cursors["location_id"]`: it is not secret and the
  bookkeeper may change it there.
- Orders: REST `orders.json` (same JSON as the `orders/*` webhooks, so one mapper serves both).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from django.db import transaction
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
    batched,
)
from connector.platforms.shopify import graphql as gql
from connector.platforms.shopify import stock
from connector.platforms.shopify.auth import EXPIRY_MARGIN_SECONDS, shop_base_url
from connector.platforms.shopify.mapping import order_from_rest, timestamp, variant_product
from connector.platforms.tokens import RefreshableToken

# "" cursor: how far back the first poll looks. Shopify shows 60 days without read_all_orders.
DEFAULT_LOOKBACK = timedelta(days=7)
ORDERS_PAGE_SIZE = 250  # REST maximum


class ShopifyClient(RefreshableToken, BaseClient):
    platform = "shopify"
    request_id_header = "X-Request-Id"
    # Shopify's limits are a cost bucket (GraphQL) and a leaky bucket (REST), reported on every
    # response; we honour those signals (THROTTLED, 429 Retry-After) instead of guessing a window.
    rate_limits = ()
    oauth_module = "connector.platforms.shopify.oauth"
    expiry_margin_seconds = EXPIRY_MARGIN_SECONDS
    max_throttle_retries = 2

    def __init__(self, system: Any) -> None:
        self.system = system
        self.version = gql.api_version()
        self.last_cost: dict[str, Any] | None = None
        super().__init__(shop_base_url(system.external_account_id, system.base_url), rate_key=f"shopify:{system.pk}")

    # ------------------------------------------------------------------ auth
    def auth_headers(self) -> dict[str, str]:
        return {"X-Shopify-Access-Token": self.access_token}

    def refresh_auth(self) -> bool:
        """After a 401: rotate an expiring token (once, under the connection's lease)."""
        from connector.services.credentials import credentials_current

        if not (self.system.credentials or {}).get("refresh_token"):
            # A non-expiring token cannot be refreshed; another process may have reconnected.
            stale = self.access_token
            self.system.credentials = credentials_current(self.system)
            return bool(self.access_token) and self.access_token != stale
        return super().refresh_auth()

    def error_from_response(self, response: requests.Response) -> PlatformError:
        status = response.status_code
        try:
            errors: Any = response.json().get("errors")
        except (ValueError, AttributeError):
            errors = response.text[:300]
        detail = errors if isinstance(errors, str) else json.dumps(errors)[:300]
        if status == 401:
            return ReconnectRequired(f"Shopify refused our access to {self.system.external_account_id} "
                                     f"({detail}). Connect the store again.", status=status)
        if status == 403:
            return ReconnectRequired(f"Shopify denied access ({detail}). Connect the store again to grant "
                                     "the missing permission.", status=status)
        return self.classify(status, f"Shopify answered HTTP {status}: {detail}", response)

    # ------------------------------------------------------------------ GraphQL
    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST /admin/api/{version}/graphql.json. Errors arrive inside HTTP 200: THROTTLED becomes a
        RetryableError whose retry_after is computed from extensions.cost.throttleStatus."""
        self.ensure_fresh_token()
        path = f"admin/api/{self.version}/graphql.json"
        body = {"query": query, "variables": variables or {}}
        for attempt in range(self.max_throttle_retries + 1):
            payload = _json(self.request("POST", path, json=body))
            self.last_cost = (payload.get("extensions") or {}).get("cost")
            errors = payload.get("errors")
            if not errors:
                return payload.get("data") or {}
            if isinstance(errors, str):
                raise PermanentError(f"Shopify refused the request: {errors}")
            codes = {str((e.get("extensions") or {}).get("code") or "") for e in errors}
            if "THROTTLED" in codes:
                wait = throttle_wait(self.last_cost)
                if wait <= self.max_inline_wait and attempt < self.max_throttle_retries:
                    time.sleep(wait)
                    continue
                raise RetryableError(f"Shopify is throttling API calls; retry in {wait:.1f} s",
                                     retry_after=wait, code="THROTTLED", details=errors)
            raise graphql_error(errors, codes)
        raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ locations
    @property
    def location_id(self) -> str:
        location = (self.system.cursors or {}).get("location_id")
        if location:
            return str(location)
        location = self._discover_location()
        from connector.models import ConnectedSystem

        with transaction.atomic():
            row = ConnectedSystem.objects.select_for_update().get(pk=self.system.pk)
            row.cursors = {**(row.cursors or {}), "location_id": location}
            row.save(update_fields=["cursors"])
        self.system.cursors = row.cursors
        return location

    def _discover_location(self) -> str:
        nodes = self.graphql(gql.LOCATIONS_QUERY)["locations"]["nodes"]
        active = [n for n in nodes if n.get("isActive")]
        preferred = [n for n in active if n.get("fulfillsOnlineOrders")] or active
        if not preferred:
            raise PermanentError("This Shopify store has no active location to keep stock at. "
                                 "Add or re-activate a location in Shopify, then sync again.")
        return str(preferred[0]["id"])

    # ------------------------------------------------------------------ products
    def iter_products(self) -> Iterator[ExternalProduct]:
        location = self.location_id
        after: str | None = None
        while True:
            data = self.graphql(gql.VARIANTS_QUERY, {"first": gql.VARIANTS_PAGE_SIZE, "after": after,
                                                     "locationId": location})
            connection = data["productVariants"]
            for node in connection["nodes"]:
                yield variant_product(node, location)
            page = connection["pageInfo"]
            if not page.get("hasNextPage"):
                return
            after = page["endCursor"]

    # ------------------------------------------------------------------ stock
    def set_stock(self, updates: Sequence[StockUpdate]) -> list[StockResult]:
        return stock.set_stock(self, updates)

    # ------------------------------------------------------------------ orders
    def iter_orders_since(self, cursor: str) -> Iterator[tuple[ExternalOrder, str]]:
        """Orders updated after the cursor, oldest first, each with its cursor.

        Two passes over REST orders.json (status=any: the default lists open orders only):
        1. an index of `id,updated_at` since the cursor's time, sorted here by (updated_at, id),
           so correctness never depends on the server's ordering (`order=updated_at asc` is sent
           as a hint; its support on orders.json is UNCONFIRMED in the pack);
        2. the full orders, fetched by `ids=` in pages of 250, yielded in index order.
        Each cursor is `<indexed updated_at>|<id>`, so it only moves forward and orders sharing a
        timestamp are neither skipped nor repeated. An order edited between the passes is yielded
        with its newer body and seen again by the next poll (it did change)."""
        since, since_id = parse_cursor(cursor)
        path = f"admin/api/{self.version}/orders.json"
        params: dict[str, Any] = {"status": "any", "updated_at_min": since.replace(microsecond=0).isoformat(),
                                  "order": "updated_at asc",
                                  "fields": "id,updated_at", "limit": ORDERS_PAGE_SIZE}
        index: dict[int, datetime] = {}
        for row in self._rest_pages(path, params, "orders"):
            stamp = timestamp(row.get("updated_at"))
            if stamp is not None and (stamp, int(row["id"])) > (since, since_id):
                index[int(row["id"])] = stamp
        ordered = sorted(index.items(), key=lambda item: (item[1], item[0]))
        for chunk in batched(ordered, ORDERS_PAGE_SIZE):
            ids = ",".join(str(order_id) for order_id, _ in chunk)
            found = {int(raw["id"]): raw for raw in self._rest_pages(
                path, {"status": "any", "ids": ids, "limit": ORDERS_PAGE_SIZE}, "orders")}
            for order_id, stamp in chunk:
                if order_id in found:  # deleted in between: nothing to post
                    yield order_from_rest(found[order_id]), make_cursor(stamp, order_id)

    def get_order(self, external_id: str) -> ExternalOrder:
        number = gql.gid_number(external_id)
        self.ensure_fresh_token()
        response = self.request("GET", f"admin/api/{self.version}/orders/{number}.json")
        return order_from_rest(_json(response)["order"])

    def _rest_pages(self, path: str, params: dict[str, Any], key: str) -> Iterator[dict[str, Any]]:
        """Cursor pagination by the Link header (rel="next"; page_info used verbatim)."""
        url: str | None = path
        query: dict[str, Any] | None = params
        while url:
            self.ensure_fresh_token()
            response = self.request("GET", url, params=query)
            yield from _json(response).get(key) or []
            url = response.links.get("next", {}).get("url")
            query = None  # the next link carries page_info and limit; nothing may be added


# ---------------------------------------------------------------------- helpers
def _json(response: requests.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError as exc:
        raise RetryableError(f"Shopify sent a response that is not JSON (HTTP {response.status_code})") from exc
    if not isinstance(payload, dict):
        raise PermanentError("Shopify sent an unexpected response shape")
    return payload


def throttle_wait(cost: dict[str, Any] | None) -> float:
    """Seconds until the bucket holds the requested cost again: (requested - available) / restore."""
    if not cost:
        return 1.0
    status = cost.get("throttleStatus") or {}
    requested = float(cost.get("requestedQueryCost") or 0)
    available = float(status.get("currentlyAvailable") or 0)
    restore = float(status.get("restoreRate") or 0) or 50.0
    return round(max((requested - available) / restore, 0.1), 2)


def graphql_error(errors: list[dict[str, Any]], codes: set[str]) -> PlatformError:
    message = "; ".join(str(e.get("message") or "") for e in errors)[:300]
    if "ACCESS_DENIED" in codes:
        return ReconnectRequired(f"Shopify denied access: {message}. Connect the store again to grant it.",
                                 code="ACCESS_DENIED", details=errors)
    if codes & {"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "TIMEOUT"}:
        return RetryableError(f"Shopify had an internal error: {message}", code=min(codes), details=errors)
    return PermanentError(f"Shopify refused the request: {message}", code=",".join(sorted(c for c in codes if c)),
                          details=errors)


def parse_cursor(cursor: str) -> tuple[datetime, int]:
    """`<updated_at ISO>|<order id>`; "" means DEFAULT_LOOKBACK before now."""
    if not cursor:
        return timezone.now() - DEFAULT_LOOKBACK, 0
    stamp, _, ident = cursor.partition("|")
    try:
        when = datetime.fromisoformat(stamp)
        number = int(ident or 0)
    except ValueError as exc:
        raise PermanentError(f"The stored Shopify order cursor {cursor!r} is not readable.") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when, number


def make_cursor(updated_at: datetime, order_id: int | str) -> str:
    return f"{updated_at.astimezone(UTC).isoformat()}|{order_id}"
