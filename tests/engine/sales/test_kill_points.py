"""A worker may die at any point of posting an order; whichever it is, the next attempt posts the
order exactly once, under the right customer.

A kill is simulated by raising Killed (a BaseException, as SystemExit is) from a hook at the
chosen point. The service's clean-up then gives the lease back at once, which the next attempt
cannot tell apart from a lease that expired after a real SIGKILL; nothing else it does differs.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from connector.models import CustomerLink, DocumentStatus, Product, SalesDocument
from connector.platforms.base import PermanentError
from connector.platforms.quickbooks.client import MINOR_VERSION, QuickBooksClient, safe_request_id
from connector.platforms.shopify.client import ShopifyClient
from connector.services import customers, sales_post
from connector.services.orders_ingest import order_ingest
from connector.services.sales_post import sales_document_post
from emulators.store import EmulatorStore
from tests.engine.sales.conftest import JANE, REALM


class Killed(BaseException):
    """The worker process dies here: nothing after this point runs."""


def _send_cut_short(client: QuickBooksClient, endpoint: str, body: dict[str, Any], request_id: str,
                    keep: float) -> None:
    """What a worker killed while sending leaves behind: the headers announce the whole body, only
    `keep` of it is written, then the connection closes. QuickBooks answers the truncated request
    (and stores that answer under the requestid); nobody reads the answer."""
    raw = json.dumps(body).encode()
    query = urlencode({"minorversion": MINOR_VERSION, "requestid": safe_request_id(request_id)})
    url = urlsplit(f"{client.url(f'v3/company/{client.realm}/{endpoint}')}?{query}")
    headers = {**client.auth_headers(), "Content-Type": "application/json", "Content-Length": str(len(raw)),
               "Host": url.netloc, "Connection": "close"}
    head = f"POST {url.path}?{url.query} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    with socket.create_connection((url.hostname, url.port), timeout=10) as conn:
        conn.sendall(head.encode() + b"\r\n" + raw[:int(len(raw) * keep)])
        conn.shutdown(socket.SHUT_WR)
        conn.recv(65536)  # the server answered: the refusal is stored before this worker "dies"


def _posted_once(document: SalesDocument, control: Any) -> None:
    document.refresh_from_db()
    assert document.status == DocumentStatus.POSTED, document.message
    state = control.qbo_state()
    [invoice] = state["invoices"]
    assert invoice["id"] == document.accounting_document_id
    [customer] = state["customers"]
    link = CustomerLink.objects.get()
    assert invoice["customer_id"] == customer["id"] == link.accounting_customer_id == document.customer_link.accounting_customer_id


def _ingested(store: Any, control: Any) -> SalesDocument:
    order_id = control.order([{"sku": "MUG-1", "qty": 2}, {"sku": "TS-S", "qty": 1}], JANE)
    return order_ingest(store=store, order=ShopifyClient(store).get_order(order_id)).document


def _after(target: Any, name: str, monkeypatch: Any) -> None:
    """Run `target.name`, then die."""
    original = getattr(target, name)

    def run_then_die(*args: Any, **kwargs: Any) -> Any:
        original(*args, **kwargs)
        raise Killed(f"killed after {name}")

    monkeypatch.setattr(target, name, run_then_die)


def _before(target: Any, name: str, monkeypatch: Any) -> None:
    def die(*args: Any, **kwargs: Any) -> Any:
        raise Killed(f"killed before {name}")

    monkeypatch.setattr(target, name, die)


def _mid_send(keep: float, *, after_calls: int = 0) -> Callable[[Any], None]:
    """Die while sending a create, after `after_calls` creates went through whole."""

    def install(monkeypatch: Any) -> None:
        original, calls = QuickBooksClient.create_document, []

        def cut_short(self: QuickBooksClient, *, doc_type: str, body: dict[str, Any], request_id: str) -> Any:
            calls.append(request_id)
            if len(calls) <= after_calls:
                return original(self, doc_type=doc_type, body=body, request_id=request_id)
            _send_cut_short(self, "invoice" if doc_type == "invoice" else "salesreceipt", body, request_id, keep)
            raise Killed("killed while sending the create")

        monkeypatch.setattr(QuickBooksClient, "create_document", cut_short)

    return install


def _customer_mid_send(monkeypatch: Any) -> None:
    def cut_short(self: QuickBooksClient, *, display_name: str, request_id: str, **fields: Any) -> Any:
        _send_cut_short(self, "customer", {"DisplayName": display_name}, request_id, 0.0)
        raise Killed("killed while sending the customer create")

    monkeypatch.setattr(QuickBooksClient, "create_customer", cut_short)


KILL_POINTS: dict[str, Callable[[Any], None]] = {
    "customer-create-mid-send": _customer_mid_send,
    "customer-created-not-linked": lambda mp: _before(customers, "_link_save", mp),
    "numbering-decided": lambda mp: _after(sales_post, "_finish_numbering", mp),
    "attempt-marked-nothing-sent": lambda mp: _after(sales_post, "_mark_attempt", mp),
    "mid-send-empty-body": _mid_send(0.0),  # the incident: refused as "Customer missing"
    "mid-send-half-body": _mid_send(0.5),  # refused as invalid JSON
    "created-answer-lost": lambda mp: _after(QuickBooksClient, "create_document", mp),
    "posted-not-logged": lambda mp: _before(sales_post, "sales_log", mp),
}


@pytest.mark.parametrize("custom_numbers", [True, False], ids=["docnumber", "quickbooks-numbers"])
@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_worker_killed_at_any_point_posts_the_order_once(store, linked, control, monkeypatch, point,
                                                           custom_numbers):
    control.qbo_config(custom_txn_numbers=custom_numbers)
    document = _ingested(store, control)
    with monkeypatch.context() as patched:
        KILL_POINTS[point](patched)
        with pytest.raises(Killed):
            sales_document_post(document_id=document.pk)
    sales_document_post(document_id=document.pk)  # the job's next attempt, on another worker
    _posted_once(document, control)
    assert sales_document_post(document_id=document.pk).endswith("already posted")
    assert len(control.qbo_state()["invoices"]) == 1


def test_the_incident_a_stored_customer_missing_refusal_is_not_replayed(store, linked, control, monkeypatch):
    """Order 1012: a worker died while sending; the next attempt got the stored refusal replayed and
    failed the order. Its requestid is burnt: looked up, then the next revision posts it."""
    document = _ingested(store, control)
    with monkeypatch.context() as patched:
        _mid_send(0.0)(patched)
        with pytest.raises(Killed):
            sales_document_post(document_id=document.pk)
    stored = EmulatorStore("quickbooks", REALM).get("requestids", document.request_id)
    assert stored["status"] == 400 and "CustomerRef is missing" in json.dumps(stored["body"])
    sales_document_post(document_id=document.pk)
    _posted_once(document, control)
    assert document.snapshot["sent_request_id"] == f"{document.request_id}.r1"


def test_killed_mid_send_again_while_sending_the_fresh_revision(store, linked, control, monkeypatch):
    document = _ingested(store, control)
    # The second attempt gets the first refusal replayed, then dies sending the next revision.
    for after_calls in (0, 1):
        with monkeypatch.context() as patched:
            _mid_send(0.3, after_calls=after_calls)(patched)
            with pytest.raises(Killed):
                sales_document_post(document_id=document.pk)
    assert document.snapshot.get("sent_request_id") is None
    document.refresh_from_db()
    assert document.snapshot["sent_request_id"] == f"{document.request_id}.r1"
    sales_document_post(document_id=document.pk)
    _posted_once(document, control)
    assert document.snapshot["sent_request_id"] == f"{document.request_id}.r2"


def test_a_real_refusal_whose_answer_was_lost_still_fails_and_posts_once_fixed(store, linked, control, items,
                                                                              accounting, monkeypatch):
    """The burnt-requestid rule sends the body once more, no more: a body QuickBooks really refuses
    fails the order plainly, and the retry after the fix posts it once."""
    link = linked["MUG-1"]
    link.accounting_product = Product.objects.create(organization=accounting.organization, system=accounting,
                                                     external_id="999", sku="OLD-MUG", sku_key="old-mug")
    link.save()  # linked to an item QuickBooks does not have
    document = _ingested(store, control)
    original = QuickBooksClient.create_document

    def refused_then_die(self: QuickBooksClient, **kwargs: Any) -> Any:
        try:
            return original(self, **kwargs)
        except PermanentError as exc:
            raise Killed("killed before the refusal was recorded") from exc

    with monkeypatch.context() as patched:
        patched.setattr(QuickBooksClient, "create_document", refused_then_die)
        with pytest.raises(Killed):
            sales_document_post(document_id=document.pk)
    with pytest.raises(PermanentError):
        sales_document_post(document_id=document.pk)  # replayed, burnt, sent fresh: refused for real
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED
    assert "Object Not Found" in document.message and control.qbo_state()["invoices"] == []

    link.accounting_product = items["MUG-1"]
    link.save()
    sales_document_post(document_id=document.pk)  # the retry button
    _posted_once(document, control)
