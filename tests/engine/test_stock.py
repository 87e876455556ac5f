"""Stock from QuickBooks to the store, over the emulators: webhooks, holds for unposted orders,
drift, CDC recovery, stale snapshots."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from connector.models import DocumentStatus, Product, ProductLink, SalesDocument, SalesDocumentLine
from connector.platforms.quickbooks.client import QuickBooksClient
from connector.platforms.quickbooks.mapping import item_product
from connector.services.stock import stock_items_changed
from connector.services.stock_snapshots import stock_snapshots_apply
from syncjobs.models import DeliveryStatus, Job, StockPushEvent, WebhookDelivery
from tests.engine.conftest import REALM, SHOP, Engine, fixture_json, run_jobs

pytestmark = pytest.mark.django_db(transaction=True)


def _item(engine: Engine, sku: str) -> Product:
    return Product.objects.get(system=engine.qbo, sku=sku)


def _order(engine: Engine, sku: str, qty: int, number: str, status: str = DocumentStatus.PENDING) -> SalesDocument:
    doc = SalesDocument.objects.create(organization=engine.org, store_system=engine.shop, accounting_system=engine.qbo,
                                       order_external_id=f"o-{number}", order_number=number, request_id=f"rq-{number}",
                                       status=status)
    SalesDocumentLine.objects.create(document=doc, sku=sku, accounting_product=_item(engine, sku), quantity=qty)
    return doc


def test_the_first_sync_writes_quickbooks_quantities_to_linked_tracked_products(pulled: Engine) -> None:
    quantities = pulled.shop_quantities()
    assert quantities[" mug-1 "] == 10 and quantities["ts-s"] == 7 and quantities["TS-M"] == 5
    assert quantities["WRAP-1"] == 0  # not tracked on either side: nothing written
    assert quantities["SHOP-ONLY"] == 0  # not linked
    link = ProductLink.objects.get(store_product__sku=" mug-1 ")
    assert link.last_pushed_quantity == 10 and link.last_pushed_version == _item(pulled, "MUG-1").source_version
    assert pulled.shop.__class__.objects.get(pk=pulled.shop.pk).cursors.get("stock_first_sync_at")


def test_a_quickbooks_item_webhook_sets_the_new_quantity_in_the_store(pulled: Engine) -> None:
    pulled.adjust("MUG-1", 4)  # the emulator sends a signed Item webhook to the live server
    delivery = WebhookDelivery.objects.filter(platform="quickbooks").latest("pk")
    run_jobs()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PLANNED and delivery.processed_at is not None
    assert pulled.shop_quantities()[" mug-1 "] == 4
    assert _item(pulled, "MUG-1").quantity == 4


def test_it_skips_an_unchanged_quantity(pulled: Engine) -> None:
    before = StockPushEvent.objects.count()
    stock_items_changed(organization=pulled.org, accounting_product_ids=[_item(pulled, "MUG-1").pk])
    run_jobs()
    assert StockPushEvent.objects.count() == before
    assert "1 unchanged" in Job.objects.filter(kind="stock.push").latest("pk").result


def test_units_of_unposted_orders_are_held_back_until_quickbooks_counts_them(pulled: Engine) -> None:
    doc = _order(pulled, "MUG-1", 3, "1001")
    stock_items_changed(organization=pulled.org, accounting_product_ids=[_item(pulled, "MUG-1").pk])
    run_jobs()
    assert pulled.shop_quantities()[" mug-1 "] == 7  # 10 in QuickBooks, 3 not yet posted
    # Posting: QuickBooks lowers QtyOnHand itself; our hold is released once the snapshot is newer.
    qbo = QuickBooksClient(pulled.qbo)
    customer = qbo.create_customer(display_name="Ada Lovelace", given_name="Ada", family_name="Lovelace",
                                   email="ada@example.com", company="", request_id="cust-1001")
    item = _item(pulled, "MUG-1")
    qbo.create_document(doc_type="invoice", request_id="inv-1001", body={
        "CustomerRef": {"value": customer.id}, "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 24,
                                                         "SalesItemLineDetail": {"ItemRef": {"value": item.external_id},
                                                                                 "Qty": 3, "UnitPrice": 8}}]})
    SalesDocument.objects.filter(pk=doc.pk).update(status=DocumentStatus.POSTED, posted_at=timezone.now())
    # Before QuickBooks is re-read, the posted order is still held back (our snapshot predates it).
    from connector.services.stock_push import published_quantities

    link = ProductLink.objects.select_related("accounting_product", "store_product").get(store_product__sku=" mug-1 ")
    assert published_quantities([link])[link.pk] == 7
    stock_items_changed(organization=pulled.org, accounting_product_ids=[item.pk])
    run_jobs()
    assert _item(pulled, "MUG-1").quantity == 7
    assert pulled.shop_quantities()[" mug-1 "] == 7


def test_orders_from_every_store_are_held_back_and_never_below_zero(pulled: Engine) -> None:
    _order(pulled, "TS-M", 4, "2001")
    _order(pulled, "TS-M", 4, "2002", status=DocumentStatus.HELD)
    _order(pulled, "TS-M", 9, "2003", status=DocumentStatus.CANCELLED)  # never counted
    stock_items_changed(organization=pulled.org, accounting_product_ids=[_item(pulled, "TS-M").pk])
    run_jobs()
    assert pulled.shop_quantities()["TS-M"] == 0  # 5 - 8, floored at zero


def test_an_older_snapshot_never_overwrites_a_newer_one(pulled: Engine) -> None:
    raw = fixture_json("quickbooks", "item_inventory.json")["Item"]
    item = _item(pulled, "MUG-1")
    newer = item_product({**raw, "Id": item.external_id, "SyncToken": "41", "QtyOnHand": 3})
    older = item_product({**raw, "Id": item.external_id, "SyncToken": "40", "QtyOnHand": 30})
    assert stock_snapshots_apply(system=pulled.qbo, snapshots=[newer])[0] == [item.pk]
    assert stock_snapshots_apply(system=pulled.qbo, snapshots=[older]) == ([], [])
    item.refresh_from_db()
    assert item.quantity == 3 and item.source_version == "41"


def test_a_stock_edit_in_the_store_is_recorded_as_drift_and_not_overwritten(pulled: Engine) -> None:
    pulled.control("shopify", "stock", {"account": SHOP, "sku": "ts-s", "quantity": 99})
    run_jobs()
    small = Product.objects.get(system=pulled.shop, sku="ts-s")
    assert small.observed_quantity == 99 and small.drift_detected_at is not None
    # held units changing does not overwrite a manual edit...
    stock_items_changed(organization=pulled.org, accounting_product_ids=[_item(pulled, "TS-S").pk])
    run_jobs()
    assert pulled.shop_quantities()["ts-s"] == 99
    # ...the next QuickBooks change for the item does, and clears the drift.
    pulled.adjust("TS-S", 6)
    run_jobs()
    assert pulled.shop_quantities()["ts-s"] == 6
    small.refresh_from_db()
    assert small.observed_quantity is None and small.drift_detected_at is None


def test_our_own_write_echoed_back_is_not_drift(pulled: Engine) -> None:
    pulled.control("shopify", "stock", {"account": SHOP, "sku": "TS-M", "quantity": 5})  # what we pushed
    run_jobs()
    medium = Product.objects.get(system=pulled.shop, sku="TS-M")
    assert medium.drift_detected_at is None and medium.observed_quantity is None


def test_the_cdc_reconcile_recovers_a_dropped_webhook(pulled: Engine) -> None:
    from connector.services.jobs import stock_reconcile_request

    pulled.control("quickbooks", "config", {"account": REALM, "webhooks": False})  # the webhook is lost
    pulled.adjust("TS-M", 2)
    run_jobs()
    assert pulled.shop_quantities()["TS-M"] == 5
    before = pulled.qbo.__class__.objects.get(pk=pulled.qbo.pk).cursors["cdc_since"]
    stock_reconcile_request(system=pulled.qbo)
    run_jobs()
    assert pulled.shop_quantities()["TS-M"] == 2
    after = pulled.qbo.__class__.objects.get(pk=pulled.qbo.pk).cursors["cdc_since"]
    assert after > before


def test_a_store_with_stock_sync_off_is_never_written(pulled: Engine) -> None:
    from connector.services.systems import system_update_options

    system_update_options(system=pulled.shop, options={"sync_stock": False})
    pulled.adjust("MUG-1", 1)
    run_jobs()
    assert pulled.shop_quantities()[" mug-1 "] == 10


def test_a_sale_document_webhook_rereads_the_items_on_it(pulled: Engine) -> None:
    pulled.control("quickbooks", "config", {"account": REALM, "item_webhook_on_sale": False})
    qbo = QuickBooksClient(pulled.qbo)
    customer = qbo.create_customer(display_name="Grace Hopper", given_name="Grace", family_name="Hopper",
                                   email="grace@example.com", company="", request_id="cust-g")
    item = _item(pulled, "TS-S")
    qbo.create_document(doc_type="sales_receipt", request_id="sr-1", body={
        "CustomerRef": {"value": customer.id}, "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 30,
                                                         "SalesItemLineDetail": {"ItemRef": {"value": item.external_id},
                                                                                 "Qty": 2, "UnitPrice": 15}}]})
    run_jobs()
    assert pulled.shop_quantities()["ts-s"] == 5
    assert timezone.now() - _item(pulled, "TS-S").pulled_at < timedelta(minutes=1)


def test_the_user_may_push_quickbooks_value_over_a_drift_with_one_action(pulled: Engine) -> None:
    from connector.services.jobs import stock_push_request

    pulled.control("shopify", "stock", {"account": SHOP, "sku": "ts-s", "quantity": 42})
    run_jobs()
    link = ProductLink.objects.get(store_product__sku="ts-s")
    stock_push_request(system=pulled.shop, links=[link], force=True)
    run_jobs()
    assert pulled.shop_quantities()["ts-s"] == 7
    assert Product.objects.get(system=pulled.shop, sku="ts-s").drift_detected_at is None


def test_switching_stock_sync_on_again_brings_a_first_sync_at_the_next_reconcile(pulled: Engine) -> None:
    from connector.services.jobs import stock_reconcile_request
    from connector.services.systems import system_update_options

    system_update_options(system=pulled.shop, options={"sync_stock": False})
    stock_reconcile_request(system=pulled.qbo)
    run_jobs()
    pulled.control("shopify", "stock", {"account": SHOP, "sku": "TS-M", "quantity": 31})
    run_jobs()
    system_update_options(system=pulled.shop, options={"sync_stock": True})
    stock_reconcile_request(system=pulled.qbo)
    run_jobs()
    assert pulled.shop_quantities()["TS-M"] == 5


def test_switching_stock_sync_on_publishes_quickbooks_levels_at_once(pulled: Engine) -> None:
    from connector.services.systems import system_update_options

    system_update_options(system=pulled.shop, options={"sync_stock": False})
    run_jobs()
    pulled.control("shopify", "stock", {"account": SHOP, "sku": "TS-M", "quantity": 31})
    run_jobs()
    system_update_options(system=pulled.shop, options={"sync_stock": True})
    run_jobs()  # no reconcile, no webhook: the switch alone brings the first sync
    assert pulled.shop_quantities()["TS-M"] == 5


def test_a_push_waits_for_another_push_to_the_same_store_and_then_writes(pulled: Engine) -> None:
    """Two writers to one store could finish in the wrong order (the older quantity last)."""
    from syncjobs.leases import lease_acquire, lease_release

    holder = lease_acquire(f"stock.push:{pulled.shop.pk}", seconds=60)  # another worker is pushing
    pulled.adjust("MUG-1", 3)
    run_jobs()
    assert pulled.shop_quantities()[" mug-1 "] == 10  # nothing written beside the running push
    follower = Job.objects.filter(kind="stock.push", status="pending").get()
    assert follower.run_after > timezone.now() - timedelta(seconds=1)
    lease_release(f"stock.push:{pulled.shop.pk}", holder)
    Job.objects.filter(pk=follower.pk).update(run_after=timezone.now())
    run_jobs()
    assert pulled.shop_quantities()[" mug-1 "] == 3
    assert ProductLink.objects.get(store_product__sku=" mug-1 ").last_pushed_quantity == 3
