"""Which orders are posted, held, skipped or cancelled, and how polling walks the store's orders."""

from __future__ import annotations

from connector.models import DocumentStatus, Product, ProductLink, SalesDocument, SalesDocumentLine
from connector.platforms.quickbooks.client import QuickBooksClient
from connector.platforms.shopify.client import ShopifyClient
from connector.services.jobs import sales_document_retry
from connector.services.orders_ingest import order_ingest
from connector.services.sales import ORDERS_CURSOR
from emulators.store import EmulatorStore
from syncjobs.models import LogLevel, SyncLog
from tests.engine.sales.conftest import JANE, SHOP, enqueue, ingest, run_jobs, store_options


def _set_shop_order(order_id: str, **changes: object) -> None:
    shop = EmulatorStore("shopify", SHOP)
    order = shop.get("orders", int(order_id))
    assert order is not None
    order.update(changes)
    shop.put("orders", int(order_id), order)


def test_unmatched_sku_holds_the_order_naming_it_then_posts_after_linking(store, linked, control, accounting):
    order_id = control.order([{"sku": "MUG-1", "qty": 1}, {"sku": "POSTER-9", "qty": 2}], JANE)
    ingest(store, order_id)
    document = SalesDocument.objects.get(order_external_id=order_id)
    assert document.status == DocumentStatus.HELD
    assert "SKU 'POSTER-9'" in document.message and "MUG-1" not in document.message
    assert control.qbo_state()["invoices"] == []
    held = {line.sku: line for line in SalesDocumentLine.objects.filter(document=document)}
    assert held["MUG-1"].quantity == 1 and held["MUG-1"].accounting_product == linked["MUG-1"].accounting_product
    assert held["POSTER-9"].quantity == 2 and held["POSTER-9"].accounting_product is None
    assert SyncLog.objects.filter(level=LogLevel.WARNING, message__contains="POSTER-9").exists()

    created = QuickBooksClient(accounting).create_item(
        name="Poster", sku="POSTER-9", tracks_stock=False, income_account_id="79", asset_account_id="81",
        expense_account_id="80", request_id="poster-item")
    item = Product.objects.create(organization=accounting.organization, system=accounting,
                                  external_id=created.external_id, sku="POSTER-9", sku_key="poster-9", name="Poster")
    poster = Product.objects.get(system=store, sku="POSTER-9")
    ProductLink.objects.create(organization=store.organization, store_product=poster, accounting_product=item,
                               origin="manual")
    sales_document_retry(document=document)
    run_jobs()
    document.refresh_from_db()
    assert document.status == DocumentStatus.POSTED and document.message == ""
    assert SalesDocumentLine.objects.get(document=document, sku="POSTER-9").accounting_product == item
    [invoice] = control.qbo_state()["invoices"]
    assert created.external_id in {line["item_id"] for line in invoice["lines"]}


def test_only_chosen_statuses_are_posted(store, linked, control):
    order_id = control.order([{"sku": "MUG-1", "qty": 1}], JANE)
    _set_shop_order(order_id, financial_status="pending")
    ingest(store, order_id)
    document = SalesDocument.objects.get(order_external_id=order_id)
    assert document.status == DocumentStatus.SKIPPED
    assert not document.lines.exists()
    assert control.qbo_state()["invoices"] == []

    store_options(store, order_statuses=["pending", "paid"])
    ingest(store, order_id)
    document.refresh_from_db()
    assert document.status == DocumentStatus.POSTED
    assert len(control.qbo_state()["invoices"]) == 1


def test_a_skipped_order_is_posted_once_it_is_paid(store, linked, control):
    order_id = control.order([{"sku": "MUG-1", "qty": 1}], JANE)
    _set_shop_order(order_id, financial_status="pending", updated_at="2026-01-01T10:00:00-05:00")
    ingest(store, order_id)
    _set_shop_order(order_id, financial_status="paid", updated_at="2026-01-01T11:00:00-05:00")
    ingest(store, order_id)
    assert SalesDocument.objects.get(order_external_id=order_id).status == DocumentStatus.POSTED


def test_an_older_copy_of_the_order_never_overwrites_a_newer(store, linked, control):
    order_id = control.order([{"sku": "MUG-1", "qty": 1}], JANE)
    _set_shop_order(order_id, financial_status="paid", updated_at="2026-01-01T11:00:00-05:00")
    store_options(store, post_sales=True)
    ingest(store, order_id)
    _set_shop_order(order_id, financial_status="pending", updated_at="2026-01-01T09:00:00-05:00")
    ingest(store, order_id)
    document = SalesDocument.objects.get(order_external_id=order_id)
    assert document.order_status == "paid"


def test_cancelled_before_posting_is_never_posted(store, linked, control):
    order_id = control.order([{"sku": "MUG-1", "qty": 1}], JANE)
    shopify = ShopifyClient(store)
    document = order_ingest(store=store, order=shopify.get_order(order_id)).document
    assert document is not None
    assert document.status == DocumentStatus.PENDING and document.lines.count() == 1  # units held back
    control.cancel(order_id)
    order_ingest(store=store, order=shopify.get_order(order_id))  # the cancellation arrives first
    run_jobs()  # then the post job that was waiting
    document.refresh_from_db()
    assert document.status == DocumentStatus.CANCELLED
    assert not document.lines.exists()  # no units held back for a cancelled order
    assert control.qbo_state()["invoices"] == []


def test_cancelled_after_posting_is_reported(store, linked, control):
    order_id = control.order([{"sku": "MUG-1", "qty": 1}], JANE)
    ingest(store, order_id)
    control.cancel(order_id)
    ingest(store, order_id)
    document = SalesDocument.objects.get(order_external_id=order_id)
    assert document.status == DocumentStatus.CANCELLED_AFTER_POST
    assert len(control.qbo_state()["invoices"]) == 1  # never deleted behind the bookkeeper's back
    log = SyncLog.objects.get(level=LogLevel.WARNING, message__contains="cancelled in the store after it was posted")
    assert document.doc_number in log.message


def test_a_refund_is_recorded_in_the_log(store, linked, control):
    order_id = control.order([{"sku": "MUG-1", "qty": 1}], JANE)
    ingest(store, order_id)
    _set_shop_order(order_id, financial_status="partially_refunded", updated_at="2099-01-01T00:00:00Z")
    ingest(store, order_id)
    ingest(store, order_id)
    logs = SyncLog.objects.filter(message__contains="partly refunded in the store")
    assert logs.count() == 1
    assert SalesDocument.objects.get(order_external_id=order_id).status == DocumentStatus.POSTED


def test_sales_off_ingests_nothing(store, linked, control):
    store_options(store, post_sales=False)
    ingest(store, control.order([{"sku": "MUG-1", "qty": 1}], JANE))
    assert not SalesDocument.objects.exists()


def test_polling_ingests_each_order_once_and_moves_the_cursor(store, linked, control):
    first = control.order([{"sku": "MUG-1", "qty": 1}], JANE)
    second = control.order([{"sku": "TS-M", "qty": 2}], JANE)
    enqueue("orders.poll", store, system_id=store.pk)
    run_jobs()
    store.refresh_from_db()
    assert store.cursors[ORDERS_CURSOR].endswith(f"|{second}")
    assert set(SalesDocument.objects.values_list("order_external_id", flat=True)) == {first, second}
    enqueue("orders.poll", store, system_id=store.pk)
    run_jobs()
    assert len(control.qbo_state()["invoices"]) == 2


def test_polling_waits_for_quickbooks_without_losing_orders(store, linked, control, accounting):
    accounting.status = "disconnected"
    accounting.save(update_fields=["status"])
    order_id = control.order([{"sku": "MUG-1", "qty": 1}], JANE)
    enqueue("orders.poll", store, system_id=store.pk)
    run_jobs()
    store.refresh_from_db()
    assert ORDERS_CURSOR not in (store.cursors or {}) and not SalesDocument.objects.exists()
    accounting.status = "active"
    accounting.save(update_fields=["status"])
    enqueue("orders.poll", store, system_id=store.pk)
    run_jobs()
    assert SalesDocument.objects.get().order_external_id == order_id
