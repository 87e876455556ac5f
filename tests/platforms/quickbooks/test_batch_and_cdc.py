"""Batch (at most 30 operations, results matched by bId) and change data capture windows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from connector.platforms.base import PermanentError
from emulators.quickbooks.state import add_item, now_local, store
from tests.platforms.quickbooks.conftest import REALM, by_sku, fixture

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_batch_reports_each_item_by_bid_with_partial_failures(qbo) -> None:
    fountain = by_sku(list(qbo.iter_items()))["RF-1001"]
    results = qbo.batch([
        {"bId": "c1", "operation": "create", "Customer": {"DisplayName": "Smith Family Store"}},
        {"bId": "c2", "operation": "create", "Customer": {"DisplayName": "Smith Family Store"}},
        {"bId": "u1", "operation": "update", "Item": {"Id": fountain.external_id, "SyncToken": "7", "sparse": True,
                                                       "Name": "Renamed"}},
        {"bId": "q1", "Query": "select * from Item where Sku = 'RF-1001'"},
    ])
    assert results["c1"]["Customer"]["DisplayName"] == "Smith Family Store"
    assert isinstance(results["c2"], PermanentError) and results["c2"].code == "6240"
    assert isinstance(results["u1"], PermanentError) and results["u1"].code == "5010"
    assert results["q1"]["QueryResponse"]["Item"][0]["Id"] == fountain.external_id
    assert len(store(REALM).all("Customer")) == 1


def test_the_reference_batch_sample_gets_a_fault_or_result_per_bid(qbo) -> None:
    results = qbo.batch(fixture("batch_request.json")["BatchItemRequest"])
    assert set(results) == {"bid1", "bid2", "bid3", "bid4"}
    assert all(isinstance(results[b], PermanentError) for b in ("bid1", "bid2", "bid3"))
    assert "QueryResponse" in results["bid4"]


def test_a_batch_of_more_than_thirty_operations_is_refused_before_sending(qbo) -> None:
    with pytest.raises(ValueError, match="at most 30"):
        qbo.batch([{"Query": "select * from Item"}] * 31)


def test_cdc_reports_changed_items_documents_and_customers(qbo) -> None:
    since = timezone.now() - timedelta(minutes=5)
    customer = qbo.create_customer(display_name="Cdc Buyer", given_name="", family_name="", email="", company="",
                                   request_id="cdc-c")
    fountain = by_sku(list(qbo.iter_items()))["RF-1001"]
    qbo.create_document(doc_type="sales_receipt", request_id="cdc-sr", body={
        "CustomerRef": {"value": customer.id},
        "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 275,
                  "SalesItemLineDetail": {"ItemRef": {"value": fountain.external_id}, "Qty": 1, "UnitPrice": 275}}]})
    result = qbo.cdc(since=since)
    assert result.windows == 1
    assert by_sku(list(result.items))["RF-1001"].quantity == 9
    assert fountain.external_id in result.document_item_ids
    assert customer.id in result.customer_ids


def test_cdc_splits_the_window_when_a_response_hits_the_thousand_object_cap(qbo) -> None:
    start = now_local() - timedelta(hours=2)
    realm_store = store(REALM)
    for n in range(1500):
        item = add_item(REALM, {"sku": f"CDC-{n}", "name": f"Cdc {n}", "type": "NonInventory"})
        stamp = (start + timedelta(seconds=3 * n)).isoformat()
        item["MetaData"] = {"CreateTime": stamp, "LastUpdatedTime": stamp}
        realm_store.put("Item", item["Id"], item)
    result = qbo.cdc(since=timezone.now() - timedelta(hours=3))
    assert result.windows >= 2
    skus = {p.sku for p in result.items}
    assert {f"CDC-{n}" for n in range(1500)} <= skus


def test_cdc_reports_deleted_items_separately(qbo, system) -> None:
    since = timezone.now() - timedelta(minutes=1)
    gift = by_sku(list(qbo.iter_items()))["GW-01"]
    realm_store = store(REALM)
    realm_store.delete("Item", gift.external_id)
    realm_store.put("deleted", f"Item:{gift.external_id}", {"entity": "Item", "Id": gift.external_id,
                                                           "at": now_local().isoformat()})
    result = qbo.cdc(since=since)
    assert gift.external_id in result.deleted_item_ids
    assert gift.external_id not in {p.external_id for p in result.items}


def test_cdc_never_asks_for_more_than_thirty_days(qbo) -> None:
    result = qbo.cdc(since=timezone.now() - timedelta(days=90))
    assert result.windows == 1


def test_the_emulated_cdc_envelope_matches_the_reference_sample(qbo) -> None:
    payload = qbo.api("GET", "cdc", params={"entities": "Item", "changedSince": (now_local() - timedelta(days=1)).isoformat()})
    sample = fixture("cdc_response.json")
    assert set(payload) == set(sample)
    block = payload["CDCResponse"][0]["QueryResponse"][0]
    assert {"Item", "startPosition", "maxResults"} <= set(block)
