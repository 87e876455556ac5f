"""Back-office screens: actions start the right jobs, filters find the right products, each row
says why it is (not) linked, viewers change nothing, the dashboard draws the last 24 hours."""

from __future__ import annotations

import pytest
from django.utils import timezone

from connector.models import ProductLink, SalesDocument
from syncjobs.inbox_queue import deliveries_queue_planning
from syncjobs.models import DeliveryStatus, Job, JobStatus, StockPushEvent, WebhookDelivery

pytestmark = pytest.mark.django_db

SYSTEMS = "/admin/connector/connectedsystem/"


def act(client, url: str, action: str, *pks: int):  # type: ignore[no-untyped-def]
    return client.post(url, {"action": action, "_selected_action": list(pks)}, follow=True)


@pytest.mark.parametrize(("action", "kind", "side"), [
    ("pull_products", "products.pull", "shop"), ("push_stock", "stock.push", "shop"),
    ("reconcile", "stock.reconcile", "qbo"), ("poll_orders", "orders.poll", "shop"),
])
def test_system_actions_enqueue_their_job(client, bookkeeper, world, action, kind, side) -> None:
    client.force_login(bookkeeper)
    system = getattr(world, side)
    act(client, SYSTEMS, action, system.pk)
    assert Job.objects.filter(system=system, kind=kind, status=JobStatus.PENDING).count() == 1


def test_a_store_only_action_skips_quickbooks_and_says_so(client, bookkeeper, world) -> None:
    client.force_login(bookkeeper)
    response = act(client, SYSTEMS, "poll_orders", world.qbo.pk)
    assert "Skipped" in response.content.decode() and not Job.objects.exists()


def test_a_viewer_starts_nothing(client, viewer, world) -> None:
    client.force_login(viewer)
    act(client, SYSTEMS, "pull_products", world.shop.pk)
    act(client, "/admin/connector/productlink/", "lock", world.link.pk)
    assert not Job.objects.exists() and not ProductLink.objects.get(pk=world.link.pk).locked
    assert client.get(f"/admin/connector/productlink/{world.link.pk}/change/").status_code == 200
    response = client.post(f"/admin/connector/productlink/{world.link.pk}/change/",
                           {"store_product": world.products["TEA-1"].pk, "accounting_product": world.items["MUG-1"].pk})
    assert response.status_code == 403
    assert client.get("/admin/connector/productlink/import-csv/").status_code == 403


@pytest.mark.parametrize(("choice", "expected"), [
    ("unmatched", {"tea-2 ", "ORPHAN-9", "DUP-S", "GEN-a-6"}),
    ("duplicate", {"DUP-S"}),
    ("generated", {"GEN-a-6"}),
])
def test_product_filters(client, bookkeeper, world, choice, expected) -> None:
    client.force_login(bookkeeper)
    rows = client.get("/admin/connector/product/", {"link": choice}).context["cl"].result_list
    assert {p.sku for p in rows} == expected


def test_the_drift_and_tracks_stock_filters(client, bookkeeper, world) -> None:
    world.products["TEA-2"].drift_detected_at = timezone.now()
    world.products["TEA-2"].save()
    client.force_login(bookkeeper)
    assert [p.sku for p in client.get("/admin/connector/product/", {"link": "drift"}).context["cl"].result_list] == ["tea-2 "]
    tracked = client.get("/admin/connector/product/", {"tracks_stock__exact": "1"}).context["cl"].result_list
    assert all(p.tracks_stock for p in tracked) and len(tracked) == 7


def test_each_row_says_why_it_is_not_linked(client, bookkeeper, world) -> None:
    from django.utils.html import escape

    from connector.selectors import product_link_reason

    client.force_login(bookkeeper)
    html = client.get("/admin/connector/product/", {"link": "unmatched"}).content.decode()
    for key in ("ORPHAN", "DUP-A", "GEN", "TEA-2"):
        assert escape(product_link_reason(world.products[key], quick=True)) in html
        detail = client.get(f"/admin/connector/product/{world.products[key].pk}/change/").content.decode()
        assert escape(product_link_reason(world.products[key])) in detail
    assert "ORPHAN-9" in product_link_reason(world.products["ORPHAN"])
    assert "DUP-S" in product_link_reason(world.products["DUP-A"])
    assert "no sku" in product_link_reason(world.products["GEN"]).lower()


def test_the_quick_reason_of_list_pages_comes_from_the_rows(world) -> None:
    from functools import partial

    from connector import selectors

    reason = partial(selectors.product_link_reason, quick=True)
    assert reason(world.products["ORPHAN"]) == "No QuickBooks item has SKU ORPHAN-9."
    assert reason(world.products["DUP-A"]).startswith("2 products in this store share SKU DUP-S")
    assert reason(world.products["GEN"]).startswith("It has no SKU in the store")
    assert reason(world.products["TEA-2"]) == "A QuickBooks item has this SKU; matching has not run since the last pull."
    assert reason(world.products["TEA-1"]).startswith("Linked to TEA-1")
    assert reason(world.items["MUG-1"]) == "No store product is linked to it."


def test_search_by_sku_and_name(client, bookkeeper, world) -> None:
    client.force_login(bookkeeper)
    rows = client.get("/admin/connector/product/", {"q": "orphan"}).context["cl"].result_list
    assert [p.sku for p in rows] == ["ORPHAN-9"]


def test_fixing_an_unmatched_product_by_hand(client, bookkeeper, world) -> None:
    client.force_login(bookkeeper)
    response = client.post("/admin/connector/productlink/add/", {
        "store_product": world.products["ORPHAN"].pk, "accounting_product": world.items["MUG-1"].pk, "locked": "on"})
    assert response.status_code == 302
    link = ProductLink.objects.get(store_product=world.products["ORPHAN"])
    assert link.origin == "manual" and link.locked and link.needs_push and link.organization == world.org


def test_a_link_must_join_a_store_product_to_a_quickbooks_item(client, bookkeeper, world) -> None:
    client.force_login(bookkeeper)
    response = client.post("/admin/connector/productlink/add/", {
        "store_product": world.items["MUG-1"].pk, "accounting_product": world.products["ORPHAN"].pk})
    assert "Link a store product (left) to a QuickBooks item (right)." in response.content.decode()


def test_push_stock_now_on_links(client, bookkeeper, world) -> None:
    ProductLink.objects.filter(pk=world.link.pk).update(last_pushed_quantity=10, needs_push=False)
    client.force_login(bookkeeper)
    act(client, "/admin/connector/productlink/", "push_stock_now", world.link.pk)
    link = ProductLink.objects.get(pk=world.link.pk)
    assert link.needs_push and link.last_pushed_quantity is None
    assert Job.objects.filter(system=world.shop, kind="stock.push").count() == 1


def test_sales_documents_show_the_reason_and_retry(client, bookkeeper, world) -> None:
    client.force_login(bookkeeper)
    html = client.get("/admin/connector/salesdocument/").content.decode()
    assert "No QuickBooks item for SKU ORPHAN-9" in html and "S1001" in html
    act(client, "/admin/connector/salesdocument/", "retry", world.document.pk)
    job = Job.objects.get(kind="sales.post")
    assert job.payload == {"sales_document_id": world.document.pk}
    SalesDocument.objects.filter(pk=world.document.pk).update(status="posted")
    act(client, "/admin/connector/salesdocument/", "retry", world.document.pk)
    assert Job.objects.filter(kind="sales.post").count() == 1


def test_a_dead_job_is_retried_with_fresh_attempts(client, bookkeeper, world) -> None:
    dead = Job.objects.create(organization=world.org, system=world.shop, kind="stock.push", status=JobStatus.DEAD,
                              attempts=5, run_after=timezone.now(), dedupe_key=f"stock.push:{world.shop.pk}")
    client.force_login(bookkeeper)
    assert [j.pk for j in client.get("/admin/syncjobs/job/", {"status__exact": "dead"}).context["cl"].result_list] == [dead.pk]
    act(client, "/admin/syncjobs/job/", "retry", dead.pk)
    fresh = Job.objects.exclude(pk=dead.pk).get()
    assert fresh.status == JobStatus.PENDING and fresh.attempts == 0 and fresh.kind == "stock.push"


def test_webhook_deliveries_are_read_only_and_replayable(client, bookkeeper, world) -> None:
    delivery = WebhookDelivery.objects.create(platform="shopify", delivery_id="d-1", organization=world.org,
                                              system=world.shop, topic="orders/create", body="{}",
                                              status=DeliveryStatus.PLANNED)
    client.force_login(bookkeeper)
    assert client.get("/admin/syncjobs/webhookdelivery/add/").status_code == 403
    page = client.get(f"/admin/syncjobs/webhookdelivery/{delivery.pk}/change/")
    assert page.status_code == 200 and 'name="body"' not in page.content.decode()
    act(client, "/admin/syncjobs/webhookdelivery/", "replay", delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RECEIVED  # a worker queues it for planning again
    assert deliveries_queue_planning() == 1
    assert Job.objects.get(kind="webhook.plan").payload == {"delivery_id": delivery.pk}


def test_the_dashboard_draws_pushes_failures_and_latency(client, bookkeeper, world, other_world) -> None:
    for ok, latency in [(True, 800), (True, 1200), (False, None)]:
        StockPushEvent.objects.create(organization=world.org, system=world.shop, ok=ok, quantity=3, latency_ms=latency)
    StockPushEvent.objects.create(organization=other_world.org, system=other_world.shop, ok=True, quantity=1)
    client.force_login(bookkeeper)
    html = client.get("/admin/connector/connectedsystem/dashboard/").content.decode()
    assert "<svg" in html and "<polyline" in html and "1000 ms" in html
    panel = html.split('data-org="acme"')[1]
    assert "<strong>2</strong>stock pushes" in panel and "<strong>1</strong>failures" in panel
    assert 'data-org="other"' not in html


def test_django_q_admin_is_for_superusers_only(client, bookkeeper, admin_user) -> None:
    client.force_login(bookkeeper)
    assert client.get("/admin/django_q/schedule/").status_code == 403
    client.force_login(admin_user)
    assert client.get("/admin/django_q/schedule/").status_code == 200


def test_the_admin_sign_in_is_allauths(client) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_systems_list_counts_unmatched_products_and_failing_jobs(client, bookkeeper, world) -> None:
    Job.objects.create(organization=world.org, system=world.shop, kind="stock.push", status=JobStatus.FAILED,
                       run_after=timezone.now())
    client.force_login(bookkeeper)
    rows = {s.pk: s for s in client.get(SYSTEMS).context["cl"].result_list}
    assert (rows[world.shop.pk].unmatched_count, rows[world.shop.pk].failing_count) == (5, 1)
    assert (rows[world.qbo.pk].unmatched_count, rows[world.qbo.pk].failing_count) == (0, 0)
