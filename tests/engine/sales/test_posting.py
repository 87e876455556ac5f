"""Each order becomes exactly one QuickBooks document: duplicates, retries and dead workers."""

from __future__ import annotations

import pytest

from connector.models import DocumentStatus, SalesDocument, SalesDocumentLine
from connector.platforms.base import RetryableError
from connector.platforms.quickbooks.client import QuickBooksClient
from connector.platforms.shopify.client import ShopifyClient
from connector.services.orders_ingest import order_ingest
from connector.services.sales_post import _lease_take, sales_document_post
from syncjobs.models import Job
from tests.engine.sales.conftest import JANE, enqueue, ingest, run_jobs, store_options


def test_an_order_becomes_one_invoice_with_its_lines(store, linked, control):
    order_id = control.order([{"sku": "MUG-1", "qty": 2}, {"sku": "TS-S", "qty": 1}], JANE)
    ingest(store, order_id)
    document = SalesDocument.objects.get(store_system=store, order_external_id=order_id)
    assert document.status == DocumentStatus.POSTED
    state = control.qbo_state()
    [invoice] = state["invoices"]
    assert invoice["id"] == document.accounting_document_id
    assert invoice["doc_number"] == document.doc_number == document.order_number
    items = {i["sku"]: i for i in state["items"]}
    assert sorted((line["item_id"], line["qty"]) for line in invoice["lines"]) == sorted(
        [(items["MUG-1"]["id"], 2), (items["TS-S"]["id"], 1)])
    assert items["MUG-1"]["qty_on_hand"] == 8  # QuickBooks moved its own stock
    # The units stay recorded: the stock engine counts them until it re-reads the items.
    assert list(SalesDocumentLine.objects.filter(document=document).values_list("sku", "quantity")) == [
        ("MUG-1", 2), ("TS-S", 1)]


def test_sales_receipt_when_the_store_asks_for_it(store, linked, control):
    store_options(store, document_type="sales_receipt")
    ingest(store, control.order([{"sku": "MUG-1", "qty": 1}], JANE))
    state = control.qbo_state()
    assert len(state["sales_receipts"]) == 1 and state["invoices"] == []


def test_duplicate_deliveries_post_once(store, linked, control, qbo_calls):
    order_id = control.order([{"sku": "MUG-1", "qty": 1}], JANE)
    for _ in range(3):  # three webhook deliveries for one order, planned separately
        enqueue("orders.ingest", store, system_id=store.pk, order_id=order_id)
    run_jobs()
    document = SalesDocument.objects.get(order_external_id=order_id)
    enqueue("sales.post", store, sales_document_id=document.pk)  # and a manual retry on top
    run_jobs()
    assert len(control.qbo_state()["invoices"]) == 1
    assert len(qbo_calls.creates()) == 1
    assert SalesDocument.objects.filter(order_external_id=order_id).count() == 1


@pytest.mark.parametrize("custom_numbers", [True, False], ids=["by-docnumber", "by-private-note"])
def test_retry_after_applied_then_failed_finds_the_document(store, linked, control, qbo_calls, custom_numbers):
    control.qbo_config(custom_txn_numbers=custom_numbers)
    ingest(store, control.order([{"sku": "MUG-1", "qty": 1}], JANE))  # links Jane, reads preferences
    order_id = control.order([{"sku": "TS-S", "qty": 1}], JANE)
    control.qbo_faults(error_rate=1.0, statuses=["applied_then_failed"])
    ingest(store, order_id)  # the only QuickBooks call is the create: applied, then a 500
    control.qbo_faults(error_rate=0)
    document = SalesDocument.objects.get(order_external_id=order_id)
    assert document.status == DocumentStatus.PENDING
    assert document.snapshot["create_attempts"] == 1
    assert len(control.qbo_state()["invoices"]) == 2  # QuickBooks did create it
    qbo_calls.clear()
    job = Job.objects.get(kind="sales.post", payload__sales_document_id=document.pk, status="pending")
    Job.objects.filter(pk=job.pk).update(run_after=job.created_at)  # due now rather than after backoff
    run_jobs()
    document.refresh_from_db()
    assert document.status == DocumentStatus.POSTED
    assert qbo_calls.creates() == []  # looked up, not created again
    invoices = control.qbo_state()["invoices"]
    assert len(invoices) == 2
    assert document.accounting_document_id in {i["id"] for i in invoices}


def test_worker_killed_after_the_create_does_not_post_twice(store, linked, control, qbo_calls, monkeypatch):
    order_id = control.order([{"sku": "MUG-1", "qty": 3}], JANE)
    original = QuickBooksClient.create_document

    def create_then_die(self, **kwargs):  # type: ignore[no-untyped-def]
        original(self, **kwargs)
        raise SystemExit("worker killed before it could record the result")

    monkeypatch.setattr(QuickBooksClient, "create_document", create_then_die)
    enqueue("orders.ingest", store, system_id=store.pk, order_id=order_id)
    with pytest.raises(SystemExit):
        run_jobs()
    monkeypatch.setattr(QuickBooksClient, "create_document", original)
    document = SalesDocument.objects.get(order_external_id=order_id)
    assert document.status == DocumentStatus.PENDING and document.snapshot["create_attempts"] == 1
    qbo_calls.clear()
    sales_document_post(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == DocumentStatus.POSTED
    assert qbo_calls.creates() == []
    assert len(control.qbo_state()["invoices"]) == 1


def test_a_lease_held_by_a_live_worker_defers_a_second_poster(store, linked, control):
    order_id = control.order([{"sku": "MUG-1", "qty": 1}], JANE)
    result = order_ingest(store=store, order=ShopifyClient(store).get_order(order_id))
    _lease_take(result.document.pk)  # a first worker is posting
    with pytest.raises(RetryableError, match="another worker"):
        sales_document_post(document_id=result.document.pk)
    assert control.qbo_state()["invoices"] == []


def test_a_shop_webhook_brings_the_order_to_quickbooks(store, linked, control, settings):
    """The whole path: the shop's orders/create webhook -> inbox -> planning job -> ingest -> post."""
    from connector.platforms.shopify.oauth import WEBHOOK_TOPICS, webhook_address
    from emulators.shopify.control import subscribe

    subscribe(store.external_account_id, webhook_address(store), WEBHOOK_TOPICS)
    order_id = control.order([{"sku": "TS-M", "qty": 2}], JANE)  # delivered synchronously to our intake
    run_jobs()
    document = SalesDocument.objects.get(order_external_id=order_id)
    assert document.status == DocumentStatus.POSTED
    assert len(control.qbo_state()["invoices"]) == 1


def test_two_workers_posting_one_order_at_once_create_one_invoice(store, linked, control):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("the posting race runs on PostgreSQL (set DATABASE_URL); SQLite serialises writers anyway")
    for round_no in range(5):
        order_id = control.order([{"sku": "MUG-1", "qty": 1}], JANE)
        document = order_ingest(store=store, order=ShopifyClient(store).get_order(order_id)).document
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def worker(document_id: int = document.pk) -> None:
            try:
                barrier.wait()
                outcomes.append(sales_document_post(document_id=document_id))
            except RetryableError:
                outcomes.append("deferred")
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(outcomes) == 2, f"round {round_no}: {outcomes}"
        sales_document_post(document_id=document.pk)  # whoever was deferred retries later
        assert len(control.qbo_state()["invoices"]) == round_no + 1
    assert SalesDocument.objects.filter(status=DocumentStatus.POSTED).count() == 5


def test_a_refused_create_fails_plainly_and_posts_once_fixed(store, linked, control, items, accounting):
    from connector.models import Product

    link = linked["MUG-1"]
    gone = Product.objects.create(organization=accounting.organization, system=accounting, external_id="999",
                                  sku="OLD-MUG", sku_key="old-mug")
    link.accounting_product = gone  # linked to an item QuickBooks no longer has
    link.save()
    order_id = control.order([{"sku": "MUG-1", "qty": 1}], JANE)
    ingest(store, order_id)
    document = SalesDocument.objects.get(order_external_id=order_id)
    assert document.status == DocumentStatus.FAILED
    assert document.message.startswith(f"QuickBooks refused order {document.order_number}:")
    assert Job.objects.get(kind="sales.post").status == "failed"

    link.accounting_product = items["MUG-1"]
    link.save()
    sales_document_post(document_id=document.pk)  # the retry button
    document.refresh_from_db()
    assert document.status == DocumentStatus.POSTED  # a fresh requestid: the refusal is not replayed
    assert document.lines.get().accounting_product == items["MUG-1"]  # held-back units follow the fix
    assert len(control.qbo_state()["invoices"]) == 1
