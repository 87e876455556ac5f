"""Customers, invoices and sales receipts: creating, finding, stock lowered by sales, replays."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
import requests

from connector.platforms.base import PermanentError
from emulators.quickbooks.state import store
from tests.platforms.quickbooks.conftest import REALM, by_sku, fixture

pytestmark = pytest.mark.django_db(transaction=True)


def _customer(qbo, name: str = "Jane Doe (jane@example.com)"):  # type: ignore[no-untyped-def]
    return qbo.create_customer(display_name=name, given_name="Jane", family_name="Doe", email="jane@example.com",
                               company="", request_id=f"cust-{name}")


def _invoice_body(qbo, customer_id: str, doc_number: str = "SHOP-1001") -> dict:  # type: ignore[no-untyped-def]
    """The pack's invoice_create_request.json with this company's ids."""
    items = by_sku(list(qbo.iter_items()))
    body = copy.deepcopy(fixture("invoice_create_request.json"))
    body["DocNumber"] = doc_number
    body["CustomerRef"] = {"value": customer_id}
    body["Line"][0]["SalesItemLineDetail"]["ItemRef"] = {"value": items["RF-1001"].external_id}
    body["Line"][1]["SalesItemLineDetail"]["ItemRef"] = {"value": items["GW-01"].external_id}
    return body


def test_it_creates_and_finds_a_customer_by_name_and_by_email(qbo) -> None:
    created = _customer(qbo)
    assert created.display_name == "Jane Doe (jane@example.com)" and created.email == "jane@example.com"
    assert [c.id for c in qbo.find_customers(display_name="Jane Doe (jane@example.com)")] == [created.id]
    assert [c.id for c in qbo.find_customers(email="JANE@example.com")] == [created.id]
    assert qbo.find_customers(display_name="Nobody") == []


def test_a_display_name_with_a_quote_is_escaped_in_queries(qbo) -> None:
    created = _customer(qbo, "Dan O'Brien")
    assert [c.id for c in qbo.find_customers(display_name="Dan O'Brien")] == [created.id]


def test_a_duplicate_display_name_is_a_permanent_error_in_plain_words(qbo) -> None:
    _customer(qbo)
    with pytest.raises(PermanentError, match="name is already used") as caught:
        qbo.create_customer(display_name="Jane Doe (jane@example.com)", given_name="", family_name="", email="",
                            company="", request_id="another-request")
    assert caught.value.code == "6240"


def test_an_invoice_lowers_the_stock_of_the_inventory_items_it_sells(qbo) -> None:
    customer = _customer(qbo)
    before = by_sku(list(qbo.iter_items()))["RF-1001"]
    doc = qbo.create_document(doc_type="invoice", body=_invoice_body(qbo, customer.id), request_id="inv-1")
    assert doc.doc_number == "SHOP-1001" and doc.total == Decimal("511.05")
    after = by_sku(list(qbo.iter_items()))["RF-1001"]
    assert after.quantity == before.quantity - 2
    assert int(after.version) == int(before.version) + 1
    assert after.updated_at >= before.updated_at
    assert set(doc.item_ids) == {before.external_id, by_sku(list(qbo.iter_items()))["GW-01"].external_id}


def test_a_sales_receipt_is_created_and_found_by_doc_number(qbo) -> None:
    customer = _customer(qbo)
    doc = qbo.create_document(doc_type="sales_receipt", body=_invoice_body(qbo, customer.id, "SR-7"), request_id="sr-7")
    found = qbo.find_document(doc_type="sales_receipt", doc_number="SR-7")
    assert found is not None and found.id == doc.id
    assert qbo.find_document(doc_type="invoice", doc_number="SR-7") is None


def test_a_document_is_found_by_its_private_note_marker(qbo) -> None:
    customer = _customer(qbo)
    body = _invoice_body(qbo, customer.id, "")
    del body["DocNumber"]
    body["PrivateNote"] = "Shopify order #1001 [ref:abc123]"
    doc = qbo.create_document(doc_type="invoice", body=body, request_id="inv-marker")
    found = qbo.find_document(doc_type="invoice", private_note_marker="[ref:abc123]")
    assert found is not None and found.id == doc.id and found.doc_number


def test_a_bookkeepers_document_with_our_number_is_not_taken_for_ours(qbo) -> None:
    customer = _customer(qbo)
    theirs = _invoice_body(qbo, customer.id, "SR-8")
    theirs["PrivateNote"] = "typed by hand"
    qbo.create_document(doc_type="invoice", body=theirs, request_id="inv-theirs")
    assert qbo.find_document(doc_type="invoice", doc_number="SR-8", private_note_marker="[ref:ours]") is None
    ours = _invoice_body(qbo, customer.id, "")
    del ours["DocNumber"]
    ours["PrivateNote"] = "Shopify order #1002 [ref:ours]"
    doc = qbo.create_document(doc_type="invoice", body=ours, request_id="inv-ours")
    found = qbo.find_document(doc_type="invoice", doc_number="SR-8", private_note_marker="[ref:ours]")
    assert found is not None and found.id == doc.id


def test_a_duplicate_doc_number_is_a_permanent_error(qbo) -> None:
    customer = _customer(qbo)
    qbo.create_document(doc_type="invoice", body=_invoice_body(qbo, customer.id), request_id="inv-a")
    with pytest.raises(PermanentError, match="document number is already used"):
        qbo.create_document(doc_type="invoice", body=_invoice_body(qbo, customer.id), request_id="inv-b")


def test_an_inventory_line_without_quantity_is_refused(qbo) -> None:
    customer = _customer(qbo)
    body = _invoice_body(qbo, customer.id)
    del body["Line"][0]["SalesItemLineDetail"]["Qty"]
    with pytest.raises(PermanentError, match="no quantity") as caught:
        qbo.create_document(doc_type="invoice", body=body, request_id="inv-noqty")
    assert caught.value.code == "6520"


def test_a_repeated_requestid_returns_the_original_document_without_a_second_sale(qbo) -> None:
    customer = _customer(qbo)
    body = _invoice_body(qbo, customer.id)
    first = qbo.create_document(doc_type="invoice", body=body, request_id="inv-replay")
    second = qbo.create_document(doc_type="invoice", body=body, request_id="inv-replay")
    assert first == second
    assert len(store(REALM).all("Invoice")) == 1
    assert by_sku(list(qbo.iter_items()))["RF-1001"].quantity == 8


def test_every_write_carries_a_requestid_and_the_pinned_minorversion(qbo, qbo_url) -> None:
    seen: list[str] = []
    qbo.session.hooks["response"].append(lambda r, *a, **k: seen.append(r.request.url))
    _customer(qbo, "Hook Test")
    assert "requestid=cust-Hook+Test" in seen[-1] or "requestid=cust-Hook%20Test" in seen[-1]
    assert "minorversion=75" in seen[-1]


def test_a_stale_sync_token_is_a_permanent_error(qbo, qbo_url, system) -> None:
    item = by_sku(list(qbo.iter_items()))["RF-1001"]
    url = f"{qbo_url}/v3/company/{REALM}/item?minorversion=75&operation=update"
    headers = {"Authorization": f"Bearer {system.credentials['access_token']}", "Accept": "application/json"}
    body = {"Id": item.external_id, "SyncToken": "0", "sparse": True, "Name": "Rock Fountain XL"}
    assert requests.post(url, json=body, headers=headers, timeout=5).status_code == 200
    with pytest.raises(PermanentError, match="at the same time") as caught:
        qbo.api("POST", "item", params={"operation": "update"}, json=body)
    assert caught.value.code == "5010"


def test_the_emulated_invoice_carries_the_reference_sample_fields(qbo) -> None:
    customer = _customer(qbo)
    doc = qbo.create_document(doc_type="invoice", body=_invoice_body(qbo, customer.id), request_id="inv-shape")
    read = qbo.api("GET", f"invoice/{doc.id}")
    sample = fixture("invoice.json")
    assert set(read) == set(sample)
    optional = {"SalesTermRef", "DueDate", "CustomerMemo", "ProjectRef", "Deposit", "LinkedTxn", "BillAddr",
                "CustomField"}
    assert set(sample["Invoice"]) - set(read["Invoice"]) <= optional
    assert read["Invoice"]["Line"][-1]["DetailType"] == "SubTotalLineDetail"


def test_a_request_id_longer_than_fifty_characters_still_replays(qbo) -> None:
    long_id = "order:" + "x" * 80
    first = qbo.create_customer(display_name="Long Id", given_name="", family_name="", email="", company="",
                                request_id=long_id)
    second = qbo.create_customer(display_name="Long Id", given_name="", family_name="", email="", company="",
                                 request_id=long_id)
    assert first == second and len(store(REALM).all("Customer")) == 1


def test_customers_are_found_by_email_even_where_email_cannot_be_queried(qbo, qbo_url) -> None:
    created = _customer(qbo)
    requests.post(f"{qbo_url}/_control/config", json={"account": REALM, "email_queryable": False}, timeout=5)
    assert [c.id for c in qbo.find_customers(email="jane@example.com")] == [created.id]
