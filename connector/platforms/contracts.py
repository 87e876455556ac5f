"""The operations the sync engine relies on, per role. Platform clients implement them exactly.

Store clients:   `StoreClient`      (shopify, woocommerce, ebay, opencart), `ProductReader` when
                 the spec says `reads_products_by_id`
Accounting:      `AccountingClient` (quickbooks)
Webhook modules: `WebhookModule`    (platforms that send webhooks: the spec's `webhooks`)
OAuth modules:   `OAuthModule`      (platforms whose connect_kind is "oauth")
Connect forms:   `ConnectForm`      (platforms connected by keys or database details)

PlatformSpec's typed accessors (store_client, accounting_client, webhooks_module, oauth_module,
connect_form_class) return these, so the engine is type-checked against the contracts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from connector.platforms.base import ExternalOrder, ExternalProduct, StockResult, StockUpdate, WebhookEvent

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from accounts.models import Organization
    from connector.models import ConnectedSystem


class StoreClient(Protocol):
    def __init__(self, system: ConnectedSystem) -> None: ...

    def iter_products(self) -> Iterator[ExternalProduct]:
        """Every product and variant, page by page (a generator: memory stays flat)."""

    def set_stock(self, updates: Sequence[StockUpdate]) -> list[StockResult]:
        """Absolute quantities; at most spec.stock_batch_max updates per call; one result each."""

    def iter_orders_since(self, cursor: str) -> Iterator[tuple[ExternalOrder, str]]:
        """Orders created or modified after `cursor` ("" = the platform's default look-back), oldest
        first, each with the cursor to store once it is processed. Orders sharing a timestamp are
        neither skipped nor repeated (cursors encode timestamp and id)."""

    def get_order(self, external_id: str) -> ExternalOrder: ...


class ProductReader(StoreClient, Protocol):
    """A store client that can re-read a few products by id (a product webhook then costs one
    call instead of a pull of the whole catalogue)."""

    def read_products(self, ids: Sequence[str]) -> list[ExternalProduct]: ...


@dataclass(frozen=True)
class AccountingCustomer:
    id: str
    display_name: str
    email: str = ""
    given_name: str = ""
    family_name: str = ""
    active: bool = True


@dataclass(frozen=True)
class AccountingDocument:
    id: str
    doc_type: str  # "invoice" | "sales_receipt"
    doc_number: str
    total: Decimal
    item_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class CdcResult:
    items: tuple[ExternalProduct, ...] = ()
    deleted_item_ids: tuple[str, ...] = ()
    document_item_ids: tuple[str, ...] = ()  # items referenced by changed sales / credit documents
    customer_ids: tuple[str, ...] = ()
    windows: int = 1  # how many CDC calls it took (a 1000-object cap splits the window)


@dataclass(frozen=True)
class AccountingPreferences:
    custom_txn_numbers: bool = False
    tracks_quantity: bool = True
    uses_sales_tax: bool = True
    raw: dict[str, Any] = field(default_factory=dict)


class AccountingClient(Protocol):
    def __init__(self, system: ConnectedSystem) -> None: ...

    def iter_items(self) -> Iterator[ExternalProduct]:
        """All items, 1000 per page. sku = Item.Sku, name = Item.Name, quantity = QtyOnHand (int,
        floored), version = SyncToken, updated_at = MetaData.LastUpdatedTime, kind = Type,
        tracks_stock = TrackQtyOnHand."""

    def read_items(self, ids: Sequence[str]) -> list[ExternalProduct]:
        """Many items by id in as few queries as possible (IN (...), chunked)."""

    def create_item(self, *, name: str, sku: str, tracks_stock: bool, income_account_id: str,
                    asset_account_id: str, expense_account_id: str, request_id: str,
                    start_date: datetime | None = None, service: bool = False) -> ExternalProduct:
        """Inventory item (qty 0) when tracks_stock, Service when `service`, else NonInventory."""

    def find_customers(self, *, email: str = "", display_name: str = "") -> list[AccountingCustomer]: ...

    def create_customer(self, *, display_name: str, given_name: str, family_name: str, email: str,
                        company: str, request_id: str) -> AccountingCustomer: ...

    def find_document(self, *, doc_type: str, doc_number: str = "", private_note_marker: str = "") -> AccountingDocument | None:
        """Look up a document an earlier attempt may have created (by DocNumber, else by the marker
        we put in PrivateNote)."""

    def create_document(self, *, doc_type: str, body: dict[str, Any], request_id: str) -> AccountingDocument: ...

    def cdc(self, *, since: datetime, until: datetime | None = None) -> CdcResult: ...

    def preferences(self) -> AccountingPreferences: ...

    def tax_codes(self) -> list[dict[str, Any]]: ...

    def accounts(self) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class ConnectResult:
    """What a completed connect flow hands to connector.services.systems.system_connect()."""

    external_account_id: str
    display_name: str
    credentials: dict[str, Any]
    base_url: str = ""
    webhook_secret: str = ""


class OAuthModule(Protocol):
    # What the connect page asks before the consent page (a shop address): (name, label, placeholder).
    START_FIELDS: tuple[tuple[str, str, str], ...]

    def authorization_url(self, request: HttpRequest, *, organization: Organization, redirect_uri: str,
                          base_url: str = "", params: dict[str, str] | None = None) -> str:
        """Start: keep state (and PKCE verifier) in request.session, single-use, 10 minutes."""

    def complete(self, request: HttpRequest, *, organization: Organization, redirect_uri: str) -> ConnectResult:
        """Callback: verify state / hmac, exchange the code. Raises PermanentError in plain words."""

    def refresh(self, system: ConnectedSystem, credentials: dict[str, Any]) -> dict[str, Any]:
        """Return new credentials (raise ReconnectRequired on invalid_grant)."""

    def revoke(self, system: ConnectedSystem) -> None: ...

    def after_connect(self, system: ConnectedSystem) -> None:
        """Platform duties once connected (e.g. create Shopify webhook subscriptions)."""


class WebhookModule(Protocol):
    """Module-level names of `connector/platforms/<id>/webhooks.py`."""

    # True when answer_unverified, verify, delivery_id and topic only compute (no database, no
    # network, no lock held for long): intake then runs them on its event loop; otherwise in a
    # thread, as the site's requests go.
    CHECKS_ARE_LOCAL: bool
    # Lower-case prefixes of the headers stored with a delivery (parse() reads them later); intake
    # keeps these and a few common ones, never Authorization or cookies.
    KEPT_HEADERS: tuple[str, ...]

    def answer_unverified(self, request: HttpRequest, system: ConnectedSystem | None) -> HttpResponse | None:
        """Requests that need no trust: WooCommerce's unsigned ping, eBay's challenge GET."""

    def verify(self, request: HttpRequest, body: bytes, system: ConnectedSystem | None) -> bool:
        """Constant-time check of the signature over the raw body."""

    def delivery_id(self, request: HttpRequest, body: bytes) -> str:
        """The platform's unique id for this delivery ("" -> a hash of the body is used)."""

    def topic(self, request: HttpRequest, body: bytes) -> str: ...

    def parse(self, body: bytes, headers: Mapping[str, str], system: ConnectedSystem | None) -> list[WebhookEvent]:
        """Called later by the planning job, never in the request."""


class ConnectForm(Protocol):
    """A Django form that connects a platform by keys or database details."""

    def __init__(self, data: Mapping[str, Any] | None = None) -> None: ...

    def is_valid(self) -> bool: ...

    def add_error(self, field: str | None, error: Any) -> None: ...

    def connect_result(self) -> ConnectResult:
        """The connection to store, once the details were checked against the platform."""
