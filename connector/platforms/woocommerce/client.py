"""WooCommerce REST API v3 client (`<site>/wp-json/wc/v3/...`).

- Auth: HTTPS sites get Basic auth (consumer key / secret); plain-HTTP sites get one-legged OAuth
  1.0a with HMAC-SHA256 in the query string (a fresh nonce and timestamp per request), as
  WooCommerce refuses Basic auth unless it sees HTTPS. `credentials["auth"] = "query"` sends the
  keys as query parameters instead, for HTTPS hosts that strip the Authorization header.
- Products: `/products` (parents) plus `/products/<id>/variations` for variable products, pages of
  100 counted by `X-WP-TotalPages`. One ExternalProduct per simple product and per variation.
- Stock: `products/batch` and `products/<id>/variations/batch` (stock.py).
- Orders: `/orders?modified_after=...&dates_are_gmt=true`, sorted here by (date_modified_gmt, id).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

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
    batched,
)
from connector.platforms.woocommerce import stock
from connector.platforms.woocommerce.auth import API_PREFIX, basic_header, signed_url, uses_https
from connector.platforms.woocommerce.mapping import gmt, order_from_rest, product_from_rest

PAGE_SIZE = 100  # WooCommerce's maximum per_page
DEFAULT_LOOKBACK = timedelta(days=7)  # "" cursor: how far back the first poll looks

# 401 messages that a retry with a fresh nonce / timestamp can cure (reference pack 1.3).
TRANSIENT_AUTH = ("Invalid nonce", "Invalid timestamp")


class WooCommerceClient(BaseClient):
    platform = "woocommerce"
    # WooCommerce has no API rate limit of its own; hosts and security plugins may answer 429 or
    # 503 with Retry-After, which BaseClient honours.
    rate_limits = ()

    def __init__(self, system: Any) -> None:
        self.system = system
        super().__init__(system.base_url, rate_key=f"woocommerce:{system.pk}")

    def __enter__(self) -> WooCommerceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.session.close()

    # ------------------------------------------------------------------ auth
    @property
    def credentials(self) -> Mapping[str, Any]:
        return self.system.credentials or {}

    @property
    def auth_mode(self) -> str:
        mode = str(self.credentials.get("auth") or "")
        if mode in ("basic", "query", "oauth"):
            return mode
        return "basic" if uses_https(self.base_url) else "oauth"

    def auth_headers(self) -> dict[str, str]:
        if self.auth_mode != "basic":
            return {}
        return {"Authorization": basic_header(str(self.credentials.get("consumer_key") or ""),
                                              str(self.credentials.get("consumer_secret") or ""))}

    def api_url(self, path: str) -> str:
        return f"{self.base_url}/{API_PREFIX}/{path.lstrip('/')}"

    def call(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
             json: Any = None) -> requests.Response:
        """One API call: the URL signed for OAuth (or carrying the keys), the JSON body unsigned."""
        url = self.api_url(path)
        query = {k: v for k, v in (params or {}).items() if v is not None}
        key = str(self.credentials.get("consumer_key") or "")
        secret = str(self.credentials.get("consumer_secret") or "")
        for attempt in range(2):
            if self.auth_mode == "oauth":
                target, send = signed_url(method, url, query, key, secret), None
            elif self.auth_mode == "query":
                target, send = url, {**query, "consumer_key": key, "consumer_secret": secret}
            else:
                target, send = url, query
            try:
                return self.request(method, target, params=send, json=json, retry_auth=False)
            except RetryableError as exc:
                if attempt == 0 and exc.status == 401 and "Invalid nonce" in exc.message:
                    continue  # a colliding nonce: the next request carries a new one
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def error_from_response(self, response: requests.Response) -> PlatformError:
        """WordPress's envelope `{"code", "message", "data": {"status"}}` -> our errors."""
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return self.classify(status, f"WooCommerce answered HTTP {status}: {response.text[:200]}", response)
        code = str(body.get("code") or "")
        message = str(body.get("message") or "")
        details = body.get("data")
        if status == 401 and any(text in message for text in TRANSIENT_AUTH):
            # A nonce collision or this server's clock, not the key: retrying can help.
            return RetryableError(f"WooCommerce refused the request signature ({message}); check this server's "
                                  "clock if it persists.", status=status, code=code, details=details, retry_after=60)
        if status in (401, 403):
            hint = ("The API key can only read; create a key with Read/Write permission and connect again."
                    if "write permissions" in message else "Connect the store again.")
            return ReconnectRequired(f"WooCommerce refused our API key ({message or code}). {hint}",
                                     status=status, code=code, details=details)
        if status == 501:
            return PermanentError("The web server refused this kind of request (HTTP 501); some hosts block "
                                  "PUT or DELETE for WordPress.", status=status, code=code, details=details)
        return self.classify(status, f"WooCommerce answered HTTP {status}: {message or code}", response,
                             code=code, details=details)

    # ------------------------------------------------------------------ pages
    def pages(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a collection, page by page until `X-WP-TotalPages` (offset pagination:
        requests are sorted by id so inserts during the scan do not shift earlier pages)."""
        page = 1
        while True:
            response = self.call("GET", path, params={"per_page": PAGE_SIZE, "orderby": "id", "order": "asc",
                                                      **(params or {}), "page": page})
            items = _json(response)
            if not isinstance(items, list):
                raise PermanentError(f"WooCommerce sent an unexpected response for {path}")
            yield from items
            try:
                total_pages = int(response.headers.get("X-WP-TotalPages") or 0)
            except ValueError:
                total_pages = 0
            if page >= total_pages or not items:
                return
            page += 1

    # ------------------------------------------------------------------ products
    def iter_products(self) -> Iterator[ExternalProduct]:
        """Simple products and variations. Variable parents are listed too when they manage stock
        themselves (their variations may then report `manage_stock: "parent"`); grouped products
        are containers and external products are sold elsewhere: neither holds stock."""
        for record in self.pages("products"):
            kind = str(record.get("type") or "simple")
            if kind in ("grouped", "external"):
                continue
            if kind == "variable":
                if record.get("manage_stock") is True:
                    yield product_from_rest(record)
                for variation in self.pages(f"products/{record['id']}/variations"):
                    yield product_from_rest({**variation, "parent_id": record["id"]}, parent=record)
                continue
            yield product_from_rest(record)

    def read_products(self, ids: Sequence[str]) -> list[ExternalProduct]:
        """Re-read a few products by id (after a product.updated webhook). `GET /products/<id>`
        answers for variation ids too; a variable product brings its variations. Ids that no
        longer exist are left out."""
        found: list[ExternalProduct] = []
        for ident in dict.fromkeys(str(i) for i in ids):
            try:
                record = _json(self.call("GET", f"products/{int(ident)}"))
            except ValueError:
                continue
            except PermanentError as exc:
                if exc.status in (400, 404):
                    continue
                raise
            if record.get("parent_id") and record.get("type") in (None, "variation"):
                parent = _json(self.call("GET", f"products/{int(record['parent_id'])}"))
                found.append(product_from_rest({**record, "type": "variation"}, parent=parent))
            elif record.get("type") == "variable":
                if record.get("manage_stock") is True:
                    found.append(product_from_rest(record))
                found += [product_from_rest({**variation, "parent_id": record["id"]}, parent=record)
                          for variation in self.pages(f"products/{record['id']}/variations")]
            elif record.get("type") not in ("grouped", "external"):
                found.append(product_from_rest(record))
        return found

    # ------------------------------------------------------------------ stock
    def set_stock(self, updates: Sequence[StockUpdate]) -> list[StockResult]:
        return stock.set_stock(self, updates)

    # ------------------------------------------------------------------ orders
    def iter_orders_since(self, cursor: str) -> Iterator[tuple[ExternalOrder, str]]:
        """Orders modified after the cursor, oldest first, each with its cursor.

        1. index `id,date_modified_gmt` (`_fields`) of every order with
           `modified_after=<cursor time - 1 s>&dates_are_gmt=true` (dates have one-second
           resolution and the bound is exclusive, so the cursor's own second is re-read), keep
           those with (date_modified_gmt, id) > cursor, sort by that pair here;
        2. fetch them by `include=` in pages of 100 and yield in index order.
        Each cursor is `<date_modified_gmt>|<id>`: orders sharing a second are neither skipped nor
        repeated. Without `dates_are_gmt` WooCommerce would read the bound in the site's timezone."""
        since, since_id = parse_cursor(cursor)
        after = (since - timedelta(seconds=1)).astimezone(UTC).replace(microsecond=0, tzinfo=None)
        index: dict[int, datetime] = {}
        for row in self.pages("orders", {"modified_after": after.isoformat(), "dates_are_gmt": "true",
                                         "_fields": "id,date_modified_gmt,date_modified"}):
            stamp = gmt(row, "date_modified")
            if stamp is not None and (stamp, int(row["id"])) > (since, since_id):
                index[int(row["id"])] = stamp
        ordered = sorted(index.items(), key=lambda item: (item[1], item[0]))
        for chunk in batched(ordered, PAGE_SIZE):
            ids = ",".join(str(order_id) for order_id, _ in chunk)
            found = {int(raw["id"]): raw for raw in self.pages("orders", {"include": ids})}
            for order_id, stamp in chunk:
                if order_id in found:  # deleted in between: nothing to post
                    yield order_from_rest(found[order_id]), make_cursor(stamp, order_id)

    def get_order(self, external_id: str) -> ExternalOrder:
        return order_from_rest(_json(self.call("GET", f"orders/{int(external_id)}")))

    # ------------------------------------------------------------------ webhooks (after_connect)
    def webhooks(self) -> list[dict[str, Any]]:
        return list(self.pages("webhooks"))

    def create_webhook(self, *, name: str, topic: str, delivery_url: str, secret: str) -> dict[str, Any]:
        body = {"name": name, "topic": topic, "delivery_url": delivery_url, "secret": secret, "status": "active"}
        return _json(self.call("POST", "webhooks", json=body))

    def delete_webhook(self, webhook_id: int) -> None:
        self.call("DELETE", f"webhooks/{int(webhook_id)}", params={"force": "true"})


# ---------------------------------------------------------------------- helpers
def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        # A security plugin's HTML page or a PHP notice before the JSON: usually passing.
        raise RetryableError(f"WooCommerce sent a response that is not JSON (HTTP {response.status_code})") from exc


def parse_cursor(cursor: str) -> tuple[datetime, int]:
    """`<date_modified_gmt ISO>|<order id>`; "" means DEFAULT_LOOKBACK before now."""
    if not cursor:
        return (timezone.now() - DEFAULT_LOOKBACK).replace(microsecond=0), 0
    stamp, _, ident = cursor.partition("|")
    try:
        when = datetime.fromisoformat(stamp)
        number = int(ident or 0)
    except ValueError as exc:
        raise PermanentError(f"The stored WooCommerce order cursor {cursor!r} is not readable.") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when, number


def make_cursor(modified: datetime, order_id: int | str) -> str:
    return f"{modified.astimezone(UTC).isoformat()}|{order_id}"
