"""What every platform shares: its spec, the dataclasses crossing the boundary, the two error
classes, and BaseClient, the one HTTP chokepoint (timeouts, auth, rate limits, error mapping,
redacted request logs).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast

import requests
from django.conf import settings
from django.utils import timezone

from connector.platforms.ratelimit import RateLimit, acquire_rate_limit, block_rate_limit
from syncjobs import outcomes

if TYPE_CHECKING:
    from connector.models import ConnectedSystem
    from connector.platforms.contracts import (
        AccountingClient,
        ConnectForm,
        OAuthModule,
        ProductReader,
        StoreClient,
        WebhookModule,
    )

logger = logging.getLogger("connector.http")

Role = Literal["accounting", "store"]
ConnectKind = Literal["oauth", "keys", "database"]


# --------------------------------------------------------------------------- errors
class PlatformError(Exception):
    """A failed call to a platform, in words a bookkeeper can act on."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None,
                 code: str = "", details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.code = code
        self.details = details


class RetryableError(PlatformError, outcomes.RetryableError):
    """Timeouts, connection errors, 429 and 5xx: try again later (honour retry_after)."""


class PermanentError(PlatformError, outcomes.PermanentError):
    """Validation errors and other 4xx: retrying the same call cannot help."""


class ReconnectRequired(PermanentError):
    """The platform revoked or expired our authorisation: the user must connect again."""


# --------------------------------------------------------------------------- dataclasses
@dataclass(frozen=True)
class ExternalProduct:
    """One sellable product or variant as a platform reports it."""

    external_id: str
    sku: str
    name: str
    tracks_stock: bool
    quantity: int | None
    parent_id: str = ""
    version: str = ""
    updated_at: datetime | None = None
    kind: str = ""
    active: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)
    raw: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class StockUpdate:
    """Set the available quantity of one store product (absolute, never a delta)."""

    external_id: str
    quantity: int
    parent_id: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StockResult:
    external_id: str
    ok: bool
    error: str = ""
    retryable: bool = False


@dataclass(frozen=True)
class TaxLine:
    name: str
    rate: Decimal
    amount: Decimal


LineKind = Literal["product", "shipping", "discount", "fee", "other"]


@dataclass(frozen=True)
class OrderLine:
    kind: LineKind
    name: str
    quantity: Decimal
    unit_price: Decimal
    total: Decimal
    sku: str = ""
    external_product_id: str = ""
    taxes: tuple[TaxLine, ...] = ()
    code: str = ""  # coupon code, shipping method id, fee key


@dataclass(frozen=True)
class ExternalCustomer:
    first_name: str
    last_name: str
    email: str
    company: str = ""
    external_id: str = ""
    email_masked: bool = False

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name.strip(), self.last_name.strip()) if part)


@dataclass(frozen=True)
class ExternalOrder:
    external_id: str
    number: str
    status: str
    created_at: datetime
    updated_at: datetime
    currency: str
    customer: ExternalCustomer
    lines: tuple[OrderLine, ...]
    total: Decimal
    taxes_included: bool = False
    cancelled: bool = False
    financial_status: str = ""
    unrecognised: tuple[str, ...] = ()  # lines we could not classify, named for the log
    raw: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class OrderBatch:
    orders: tuple[ExternalOrder, ...]
    next_cursor: str


@dataclass(frozen=True)
class WebhookEvent:
    """One thing a platform told us, already verified and parsed.

    kind: item.changed, item.deleted, document.changed, customer.changed, order.changed,
    stock.edited, product.changed, app.uninstalled, compliance.customer_data_request,
    compliance.customer_redact, compliance.shop_redact, account.deleted, ping.
    """

    kind: str
    account: str
    object_type: str = ""
    object_ids: tuple[str, ...] = ()
    occurred_at: datetime | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- spec
@dataclass(frozen=True)
class PlatformSpec:
    id: str
    label: str
    role: Role
    client: str  # dotted path "module:Class"
    connect_kind: ConnectKind
    sku_label: str = "SKU"
    stock_batch_max: int = 50
    default_order_statuses: tuple[str, ...] = ()
    webhooks: str = ""  # dotted module with verify() / delivery_id() / parse()
    oauth: str = ""  # dotted module with the connect flow
    connect_form: str = ""  # dotted "module:FormClass" for key / database connections
    settings_names: tuple[str, ...] = ()
    help_text: str = ""

    reads_products_by_id: bool = False  # the store client is also a ProductReader

    def load(self, attr: str) -> Any:
        from importlib import import_module

        dotted = getattr(self, attr)
        module, _, name = dotted.partition(":")
        loaded = import_module(module)
        return getattr(loaded, name) if name else loaded

    # Typed access to the platform's parts: what each returns is checked against the contracts
    # (connector/platforms/contracts.py) by mypy and by tests/contracts/.
    def client_for(self, system: ConnectedSystem) -> StoreClient | AccountingClient:
        return self.store_client(system) if self.role == "store" else self.accounting_client(system)

    def store_client(self, system: ConnectedSystem) -> StoreClient:
        if self.role != "store":
            raise TypeError(f"{self.label} is not a store platform")
        return cast("StoreClient", self.load("client")(system))

    def product_reader(self, system: ConnectedSystem) -> ProductReader:
        if not self.reads_products_by_id:
            raise TypeError(f"{self.label} cannot read products by id")
        return cast("ProductReader", self.store_client(system))

    def accounting_client(self, system: ConnectedSystem) -> AccountingClient:
        if self.role != "accounting":
            raise TypeError(f"{self.label} is not an accounting platform")
        return cast("AccountingClient", self.load("client")(system))

    def webhooks_module(self) -> WebhookModule | None:
        """None when the platform sends no webhooks (OpenCart: its orders are polled)."""
        return cast("WebhookModule", self.load("webhooks")) if self.webhooks else None

    def oauth_module(self) -> OAuthModule:
        if not self.oauth:
            raise TypeError(f"{self.label} does not connect through OAuth")
        return cast("OAuthModule", self.load("oauth"))

    def connect_form_class(self) -> type[ConnectForm]:
        if not self.connect_form:
            raise TypeError(f"{self.label} has no connect form")
        return cast("type[ConnectForm]", self.load("connect_form"))


# --------------------------------------------------------------------------- the chokepoint
def parse_retry_after(value: str | None, default: float | None = None) -> float | None:
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return default
        return max(0.0, (when - timezone.now()).total_seconds())


class BaseClient:
    """Every request to every platform goes through `request()`.

    Subclasses set `platform`, `rate_limits`, and override the hooks: `auth_headers()`,
    `refresh_auth()` (called once on a 401), `error_from_response()` (the platform's error shape)
    and `request_id_header` (logged with each call so support can trace it).
    """

    platform: ClassVar[str] = ""
    rate_limits: ClassVar[tuple[RateLimit, ...]] = ()
    request_id_header: ClassVar[str] = ""
    min_retry_after_429: ClassVar[float] = 1.0
    max_inline_wait: ClassVar[float] = 2.0

    def __init__(self, base_url: str, *, rate_key: str = "", session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.rate_key = rate_key
        self.session = session or requests.Session()
        self.timeout = settings.HTTP_TIMEOUT_SECONDS

    # hooks ---------------------------------------------------------------
    def auth_headers(self) -> dict[str, str]:
        return {}

    def refresh_auth(self) -> bool:
        """Renew credentials after a 401. Return True if a retry may now succeed."""
        return False

    def error_from_response(self, response: requests.Response) -> PlatformError:
        status = response.status_code
        message = f"{self.platform} answered HTTP {status}"
        text = response.text[:300]
        if text:
            message += f": {text}"
        return self.classify(status, message, response)

    def classify(self, status: int, message: str, response: requests.Response | None = None,
                 code: str = "", details: Any = None) -> PlatformError:
        retry_after = parse_retry_after(response.headers.get("Retry-After")) if response is not None else None
        if status == 429:
            return RetryableError(message, status=status, code=code, details=details,
                                  retry_after=max(retry_after or 0.0, self.min_retry_after_429))
        if status >= 500 or status in (408, 409, 423):
            return RetryableError(message, status=status, retry_after=retry_after, code=code, details=details)
        if status in (401, 403):
            return ReconnectRequired(message, status=status, code=code, details=details)
        return PermanentError(message, status=status, code=code, details=details)

    # the call ------------------------------------------------------------
    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"

    def request(self, method: str, path: str, *, ok: Sequence[int] = (200, 201, 202, 204),
                headers: Mapping[str, str] | None = None, retry_auth: bool = True,
                **kwargs: Any) -> requests.Response:
        url = self.url(path)
        if self.rate_key and self.rate_limits:
            self._wait_for_rate_limit()
        all_headers = {"Accept": "application/json", **self.auth_headers(), **(headers or {})}
        started = time.monotonic()
        try:
            response = self.session.request(method, url, headers=all_headers, timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            self._log(method, url, None, started)
            raise RetryableError(f"{self.platform} did not answer within {self.timeout} s") from exc
        except requests.ConnectionError as exc:
            self._log(method, url, None, started)
            raise RetryableError(f"Could not reach {self.platform} ({type(exc).__name__})") from exc
        self._log(method, url, response, started)
        if response.status_code == 401 and retry_auth and self.refresh_auth():
            return self.request(method, path, ok=ok, headers=headers, retry_auth=False, **kwargs)
        if response.status_code in ok:
            return response
        error = self.error_from_response(response)
        if error.status == 429 and self.rate_key:
            block_rate_limit(self.rate_key, error.retry_after or self.min_retry_after_429)
        raise error

    def _wait_for_rate_limit(self) -> None:
        wait = acquire_rate_limit(self.rate_key, self.rate_limits)
        while wait > 0:
            if wait > self.max_inline_wait:
                raise RetryableError(f"{self.platform} rate limit reached; waiting {wait:.0f} s",
                                     retry_after=wait)
            time.sleep(wait)
            wait = acquire_rate_limit(self.rate_key, self.rate_limits)

    def _log(self, method: str, url: str, response: requests.Response | None, started: float) -> None:
        elapsed_ms = (time.monotonic() - started) * 1000
        path = url.split("?", 1)[0]  # query strings may carry keys (WooCommerce over HTTP)
        status = response.status_code if response is not None else "no-response"
        trace = response.headers.get(self.request_id_header, "") if (response is not None and self.request_id_header) else ""
        logger.info("%s %s %s %s %.0fms%s", self.platform, method, path, status, elapsed_ms,
                    f" {self.request_id_header}={trace}" if trace else "")


def batched(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


Refresher = Callable[[dict[str, Any]], dict[str, Any]]
