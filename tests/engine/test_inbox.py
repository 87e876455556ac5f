"""Planning stored webhook deliveries into jobs."""

from __future__ import annotations

import pytest

from connector.models import Product
from connector.services.inbox import delivery_plan_job
from syncjobs.inbox_queue import deliveries_queue_planning
from syncjobs.models import DeliveryStatus, Job, JobStatus, WebhookDelivery
from tests.engine.conftest import REALM, Engine, fixture_json, run_jobs
from tests.engine.hooks import legacy_item_payload, post_quickbooks, post_shopify

pytestmark = pytest.mark.django_db(transaction=True)


def _plan_all() -> None:
    deliveries_queue_planning()
    for job in Job.objects.filter(kind="webhook.plan", status=JobStatus.PENDING):
        delivery_plan_job(job)


def test_an_item_change_for_an_unknown_company_is_recorded_and_ignored(engine: Engine) -> None:
    payload = legacy_item_payload("1185883450", ["5"], fixture_json("quickbooks", "webhook_payload.json"))
    assert post_quickbooks(engine.base, payload).status_code == 200
    run_jobs()
    delivery = WebhookDelivery.objects.get(platform="quickbooks")
    assert delivery.status == DeliveryStatus.IGNORED
    assert "no active connection for account 1185883450" in delivery.note
    assert not Job.objects.filter(kind="stock.refresh_items").exists()


def test_a_customer_change_re_reads_that_customer_and_a_vendor_is_ignored(engine: Engine) -> None:
    payload = fixture_json("quickbooks", "webhook_payload.json")  # Customer 1 and Vendor 1 created
    payload["eventNotifications"][0]["realmId"] = REALM
    assert post_quickbooks(engine.base, payload).status_code == 200
    _plan_all()
    delivery = WebhookDelivery.objects.get(platform="quickbooks")
    assert delivery.status == DeliveryStatus.PLANNED
    refresh = Job.objects.get(kind="customers.refresh")
    assert refresh.payload == {"system_id": engine.qbo.pk, "customer_ids": ["1"]}
    assert not Job.objects.filter(kind__startswith="stock.").exists()


def test_item_changes_for_one_company_collapse_into_one_refresh_job(pulled: Engine) -> None:
    template = fixture_json("quickbooks", "webhook_payload.json")
    ids = list(Product.objects.filter(system=pulled.qbo).order_by("pk").values_list("external_id", flat=True)[:3])
    for ident in [ids[0], ids[1], ids[0], ids[2]]:
        post_quickbooks(pulled.base, legacy_item_payload(REALM, [ident], template))
    _plan_all()
    refresh = Job.objects.filter(kind="stock.refresh_items", status=JobStatus.PENDING)
    assert refresh.count() == 1
    assert sorted(refresh.get().payload["item_ids"]) == sorted(ids)
    # The repeat is one row (Shopify's own inventory_levels/update for the setup's stock pushes aside).
    assert WebhookDelivery.objects.filter(platform="quickbooks", status=DeliveryStatus.PLANNED).count() == 3


def test_planning_a_delivery_twice_enqueues_nothing_more(pulled: Engine) -> None:
    template = fixture_json("quickbooks", "webhook_payload.json")
    post_quickbooks(pulled.base, legacy_item_payload(REALM, ["1"], template))
    deliveries_queue_planning()
    job = Job.objects.get(kind="webhook.plan", status=JobStatus.PENDING)
    delivery_plan_job(job)
    assert delivery_plan_job(job) == "already turned into jobs"
    assert Job.objects.filter(kind="stock.refresh_items").count() == 1


def test_a_signed_body_of_the_wrong_shape_is_kept_as_unreadable(engine: Engine) -> None:
    assert post_quickbooks(engine.base, {"unexpected": True}).status_code == 200
    run_jobs()
    delivery = WebhookDelivery.objects.get(platform="quickbooks")
    assert delivery.status == DeliveryStatus.UNPARSEABLE and "neither" in delivery.note


def test_an_order_webhook_enqueues_the_order_for_ingestion(engine: Engine) -> None:
    order = fixture_json("shopify", "order_webhook.json")
    assert post_shopify(engine.base, engine.shop, "orders/create", order).status_code == 200
    _plan_all()
    job = Job.objects.get(kind="orders.ingest")
    assert job.payload == {"system_id": engine.shop.pk, "order_id": str(order["id"])}
    assert job.dedupe_key == f"orders.ingest:{engine.shop.pk}:{order['id']}"


def test_a_product_update_webhook_pulls_the_store_again(engine: Engine) -> None:
    products = fixture_json("shopify", "products_response.json")
    product = (products.get("products") or [products])[0] if isinstance(products, dict) else products[0]
    post_shopify(engine.base, engine.shop, "products/update", product)
    _plan_all()
    assert Job.objects.filter(kind="products.pull", system=engine.shop, status=JobStatus.PENDING).count() == 1


def test_a_stock_edit_for_a_product_we_do_not_know_is_ignored(engine: Engine) -> None:
    level = fixture_json("shopify", "webhook_compliance_payloads.json")["inventory_levels/update"]
    post_shopify(engine.base, engine.shop, "inventory_levels/update", level)
    _plan_all()
    delivery = WebhookDelivery.objects.get(platform="shopify")
    assert delivery.status == DeliveryStatus.PLANNED and "do not know" in delivery.note
    assert not Product.objects.filter(drift_detected_at__isnull=False).exists()
