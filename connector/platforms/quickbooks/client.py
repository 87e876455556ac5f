"""QuickBooks Online Accounting API v3 client (minorversion pinned in MINOR_VERSION).

Every call goes through BaseClient.request(): per-realm rate limits shared by every worker
(10 requests/s, 500/min), one refresh on a 401, the `intuit_tid` of each response logged.
Writes carry a `requestid` (the same value repeated returns the original response, so a retry
after a timeout cannot create a second document). Reference pack: ../shared/reference/quickbooks.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.utils import timezone

from connector.platforms.base import (
    BaseClient,
    ExternalProduct,
    PermanentError,
    PlatformError,
    RetryableError,
    batched,
    parse_retry_after,
)
from connector.platforms.contracts import (
    AccountingCustomer,
    AccountingDocument,
    AccountingPreferences,
    CdcResult,
)
from connector.platforms.quickbooks import query as q
from connector.platforms.quickbooks.cdc import cdc_run
from connector.platforms.quickbooks.faults import error_for, fault_from_body, fault_from_json
from connector.platforms.quickbooks.mapping import customer, document, entity_name, item_product
from connector.platforms.ratelimit import RateLimit
from connector.platforms.tokens import RefreshableToken

logger = logging.getLogger("connector.quickbooks")

MINOR_VERSION = "75"  # the only place it is set; 1-74 are treated as 75 since 2025-08-01
API_BASE = {"sandbox": "https://sandbox-quickbooks.api.intuit.com", "production": "https://quickbooks.api.intuit.com"}
EXPIRY_MARGIN_SECONDS = 60  # refresh this long before QuickBooks says the access token lapses
BATCH_MAX = 30
SCAN_CAP = 1000  # documents examined when looking for a PrivateNote marker (PrivateNote is not queryable)


def api_base_url(system: Any) -> str:
    return (system.base_url or settings.QUICKBOOKS_API_BASE_URL or API_BASE[settings.QUICKBOOKS_ENVIRONMENT]).rstrip("/")


class QuickBooksClient(RefreshableToken, BaseClient):
    platform = "quickbooks"
    request_id_header = "intuit_tid"
    rate_limits = (RateLimit(10, 1), RateLimit(500, 60))
    min_retry_after_429 = 60.0
    oauth_module = "connector.platforms.quickbooks.oauth"
    expiry_margin_seconds = EXPIRY_MARGIN_SECONDS

    def __init__(self, system: Any) -> None:
        self.system = system
        self.realm = str(system.external_account_id)
        super().__init__(api_base_url(system), rate_key=f"quickbooks:{self.realm}")

    # ------------------------------------------------------------------ auth
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    def refresh_token_now(self, stale: str) -> None:
        if getattr(self.system, "pk", None) is None:
            raise PermanentError("QuickBooks refused the new connection's token.")
        super().refresh_token_now(stale)

    def error_from_response(self, response: requests.Response) -> PlatformError:
        fault = fault_from_body(response.text or "")
        return error_for(response.status_code, fault, fallback=f"HTTP {response.status_code}: {response.text[:200]}",
                         retry_after=parse_retry_after(response.headers.get("Retry-After")),
                         min_retry_after_429=self.min_retry_after_429)

    # ------------------------------------------------------------------ plumbing
    def api(self, method: str, endpoint: str, *, params: dict[str, Any] | None = None, json: Any = None,
            request_id: str = "") -> dict[str, Any]:
        """One call to /v3/company/{realmId}/{endpoint}; POSTs are writes and carry `requestid`."""
        self.ensure_fresh_token()
        query: dict[str, Any] = {"minorversion": MINOR_VERSION, **(params or {})}
        if method.upper() == "POST":
            query["requestid"] = safe_request_id(request_id or uuid.uuid4().hex)
        response = self.request(method, f"v3/company/{self.realm}/{endpoint}", params=query, json=json,
                                headers={"Content-Type": "application/json"} if json is not None else None)
        return self._payload(response)

    def _payload(self, response: requests.Response) -> dict[str, Any]:
        try:
            payload = response.json()
        except ValueError:
            fault = fault_from_body(response.text or "")
            if fault is not None:  # XML fault with a 200 status
                raise error_for(400, fault, min_retry_after_429=self.min_retry_after_429) from None
            raise RetryableError(f"QuickBooks sent a response that is not JSON (HTTP {response.status_code})") from None
        fault = fault_from_json(payload)
        if fault is not None:  # QuickBooks may answer a fault with HTTP 200
            raise error_for(400, fault, min_retry_after_429=self.min_retry_after_429)
        if not isinstance(payload, dict):
            raise PermanentError("QuickBooks sent an unexpected response shape.")
        return payload

    # ------------------------------------------------------------------ queries
    def query(self, statement: str) -> dict[str, Any]:
        """Run one SELECT; returns the QueryResponse object ({} when nothing matched)."""
        return self.api("GET", "query", params={"query": statement}).get("QueryResponse") or {}

    def query_all(self, entity: str, conditions: Sequence[str] = (), *, order_by: str = "Id") -> Iterator[dict[str, Any]]:
        """Every row, 1000 per page (STARTPOSITION is 1-based)."""
        start = 1
        while True:
            rows = self.query(q.select(entity, conditions, order_by=order_by, start=start)).get(entity) or []
            yield from rows
            if len(rows) < q.MAX_RESULTS:
                return
            start += len(rows)

    def count(self, entity: str, conditions: Sequence[str] = ()) -> int:
        return int(self.query(q.count(entity, conditions)).get("totalCount") or 0)

    # ------------------------------------------------------------------ items
    def iter_items(self) -> Iterator[ExternalProduct]:
        # Name lists hide inactive rows unless asked; we want both to notice retired items.
        for row in self.query_all("Item", ["Active IN (true, false)"]):
            yield item_product(row)

    def read_items(self, ids: Sequence[str]) -> list[ExternalProduct]:
        unique = list(dict.fromkeys(str(i) for i in ids if str(i)))
        found: list[ExternalProduct] = []
        for chunk in batched(unique, q.IN_CHUNK):
            found.extend(item_product(row) for row in self.query_all(
                "Item", [f"Id IN {q.in_list(chunk)}", "Active IN (true, false)"]))
        return found

    def read_item(self, item_id: str) -> ExternalProduct:
        return item_product(self.api("GET", f"item/{item_id}")["Item"])

    def create_item(self, *, name: str, sku: str, tracks_stock: bool, income_account_id: str,
                    asset_account_id: str, expense_account_id: str, request_id: str,
                    start_date: datetime | None = None, service: bool = False) -> ExternalProduct:
        """Inventory when tracks_stock, Service when `service` (gift wrapping, a workshop: sold, never
        stocked), otherwise NonInventory."""
        body: dict[str, Any] = {"Name": name[:100], "IncomeAccountRef": {"value": income_account_id}}
        if expense_account_id:
            body["ExpenseAccountRef"] = {"value": expense_account_id}
        if sku:
            body["Sku"] = sku[:100]
        if service and not tracks_stock:
            body.update({"Type": "Service", "TrackQtyOnHand": False})
        elif tracks_stock:
            started = (start_date.date() if isinstance(start_date, datetime) else start_date) or timezone.localdate()
            body.update({"Type": "Inventory", "TrackQtyOnHand": True, "QtyOnHand": 0,
                         "InvStartDate": _date(started), "AssetAccountRef": {"value": asset_account_id}})
        else:
            body.update({"Type": "NonInventory", "TrackQtyOnHand": False})
        return item_product(self.api("POST", "item", json=body, request_id=request_id)["Item"])

    # ------------------------------------------------------------------ customers
    def find_customers(self, *, email: str = "", display_name: str = "") -> list[AccountingCustomer]:
        found: dict[str, AccountingCustomer] = {}
        if display_name:
            for row in self.query_all("Customer", [f"DisplayName = {q.quote(display_name)}"]):
                found[str(row["Id"])] = customer(row)
        if email:
            for match in self._customers_by_email(email):
                found.setdefault(match.id, match)
        return list(found.values())

    def _customers_by_email(self, email: str) -> list[AccountingCustomer]:
        """`PrimaryEmailAddr = '...'` works per python-quickbooks' maintainer but is UNCONFIRMED for
        Customer; when QuickBooks calls it not queryable (4001) we compare emails ourselves."""
        wanted = email.strip().lower()
        try:
            rows = list(self.query_all("Customer", [f"PrimaryEmailAddr = {q.quote(email.strip())}"]))
        except PermanentError as exc:
            if not {"4000", "4001"} & set(exc.code.split(",")):
                raise
            rows = list(self.query_all("Customer"))
        return [customer(r) for r in rows
                if str((r.get("PrimaryEmailAddr") or {}).get("Address") or "").strip().lower() == wanted]

    def create_customer(self, *, display_name: str, given_name: str, family_name: str, email: str,
                        company: str, request_id: str) -> AccountingCustomer:
        body: dict[str, Any] = {"DisplayName": display_name[:500]}
        if given_name:
            body["GivenName"] = given_name[:100]
        if family_name:
            body["FamilyName"] = family_name[:100]
        if email:
            body["PrimaryEmailAddr"] = {"Address": email}
        if company:
            body["CompanyName"] = company[:100]
        return customer(self.api("POST", "customer", json=body, request_id=request_id)["Customer"])

    # ------------------------------------------------------------------ documents
    def find_document(self, *, doc_type: str, doc_number: str = "",
                      private_note_marker: str = "") -> AccountingDocument | None:
        entity = entity_name(doc_type)
        if doc_number:
            rows = self.query(q.select(entity, [f"DocNumber = {q.quote(doc_number)}"], max_results=10)).get(entity)
            for row in rows or []:
                # A bookkeeper may have typed the same number on a document of their own: only one
                # carrying our marker is ours (without a marker to check, the number decides).
                if not private_note_marker or private_note_marker in str(row.get("PrivateNote") or ""):
                    return document(doc_type, row)
        if private_note_marker:
            # PrivateNote is not queryable: scan the most recent documents.
            statement = q.select(entity, order_by="MetaData.CreateTime DESC", max_results=SCAN_CAP)
            for row in self.query(statement).get(entity) or []:
                if private_note_marker in str(row.get("PrivateNote") or ""):
                    return document(doc_type, row)
        return None

    def create_document(self, *, doc_type: str, body: dict[str, Any], request_id: str) -> AccountingDocument:
        entity = entity_name(doc_type)
        payload = self.api("POST", entity.lower(), json=body, request_id=request_id)
        return document(doc_type, payload[entity])

    # ------------------------------------------------------------------ change data capture
    def cdc_page(self, entities: Sequence[str], since: datetime) -> dict[str, list[dict[str, Any]]]:
        payload = self.api("GET", "cdc", params={"entities": ",".join(entities),
                                                 "changedSince": since.isoformat(timespec="seconds")})
        out: dict[str, list[dict[str, Any]]] = {}
        for block in payload.get("CDCResponse") or []:
            for response in block.get("QueryResponse") or []:
                for key, value in (response or {}).items():
                    if isinstance(value, list):
                        out.setdefault(key, []).extend(value)
        return out

    def cdc(self, *, since: datetime, until: datetime | None = None) -> CdcResult:
        return cdc_run(self, since=since, until=until)

    # ------------------------------------------------------------------ company settings
    def preferences(self) -> AccountingPreferences:
        raw = self.api("GET", "preferences").get("Preferences") or {}
        return AccountingPreferences(
            custom_txn_numbers=bool((raw.get("SalesFormsPrefs") or {}).get("CustomTxnNumbers")),
            tracks_quantity=bool((raw.get("ProductAndServicesPrefs") or {}).get("QuantityOnHand")),
            uses_sales_tax=bool((raw.get("TaxPrefs") or {}).get("UsingSalesTax")),
            raw=raw,
        )

    def company_info(self) -> dict[str, Any]:
        return self.api("GET", f"companyinfo/{self.realm}").get("CompanyInfo") or {}

    def tax_codes(self) -> list[dict[str, Any]]:
        return list(self.query_all("TaxCode"))

    def accounts(self) -> list[dict[str, Any]]:
        return list(self.query_all("Account"))

    # ------------------------------------------------------------------ batch
    def batch(self, operations: Sequence[dict[str, Any]], *, request_id: str = "") -> dict[str, dict[str, Any] | PlatformError]:
        """POST batch with at most 30 operations ({"operation", "<Entity>": {...}} or {"Query": "..."}).
        Results come back in any order: they are matched by bId (assigned here when missing);
        a faulted item maps to its error, the others to the item's body."""
        if len(operations) > BATCH_MAX:
            raise ValueError(f"A QuickBooks batch holds at most {BATCH_MAX} operations, not {len(operations)}.")
        items = [{**op, "bId": str(op.get("bId") or f"b{index}")} for index, op in enumerate(operations)]
        payload = self.api("POST", "batch", json={"BatchItemRequest": items}, request_id=request_id)
        results: dict[str, dict[str, Any] | PlatformError] = {}
        for entry in payload.get("BatchItemResponse") or []:
            fault = fault_from_json(entry)
            results[str(entry.get("bId"))] = error_for(400, fault) if fault else entry
        for item in items:
            results.setdefault(item["bId"], RetryableError("QuickBooks returned no result for this batch item."))
        return results


def safe_request_id(value: str) -> str:
    """QuickBooks takes at most 50 characters; longer ids are hashed (deterministically, so a retry
    with the same logical id still replays the original response)."""
    return value if len(value) <= 50 else hashlib.sha256(value.encode()).hexdigest()[:50]


def _date(value: date) -> str:
    return value.isoformat()


def cdc_lookback_floor(now: datetime | None = None) -> datetime:
    """CDC looks back at most 30 days (a minute of margin for clock skew)."""
    return (now or timezone.now()) - timedelta(days=30) + timedelta(minutes=1)
