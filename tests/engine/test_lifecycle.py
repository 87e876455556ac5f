"""App uninstalled and privacy requests, from the signed webhook to the data we hold."""

from __future__ import annotations

import pytest

from connector.models import CustomerLink, Product, ProductLink, SalesDocument, SystemStatus
from syncjobs.models import Job, JobStatus, SyncLog, WebhookDelivery
from tests.engine.conftest import Engine, fixture_json, run_jobs
from tests.engine.hooks import post_shopify

pytestmark = pytest.mark.django_db(transaction=True)

COMPLIANCE = "webhook_compliance_payloads.json"


def _document(engine: Engine, order_id: str, email: str, link: CustomerLink | None = None) -> SalesDocument:
    return SalesDocument.objects.create(
        organization=engine.org, store_system=engine.shop, accounting_system=engine.qbo, order_external_id=order_id,
        order_number=f"#{order_id[-4:]}", request_id=f"rq-{order_id}", customer_link=link,
        snapshot={"number": order_id, "total": "24.00", "customer": {"first_name": "John", "last_name": "Smith",
                                                                   "email": email},
                  "billing_address": {"address1": "1 Main St", "city": "Ottawa", "zip": "K1A"},
                  "lines": [{"sku": "MUG-1", "quantity": 3}]})


def _link(engine: Engine, email: str) -> CustomerLink:
    return CustomerLink.objects.create(organization=engine.org, accounting_system=engine.qbo, email_key=email,
                                       name_key="john smith", display_name="John Smith", accounting_customer_id="58")


def test_app_uninstalled_disconnects_deletes_tokens_cancels_work_and_keeps_history(pulled: Engine) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from syncjobs.ledger import job_enqueue

    job_enqueue(organization=pulled.org, system=pulled.shop, kind="orders.poll", payload={"system_id": pulled.shop.pk},
                run_after=timezone.now() + timedelta(hours=1))
    products_before = Product.objects.filter(system=pulled.shop).count()
    links_before = ProductLink.objects.filter(store_product__system=pulled.shop).count()
    post_shopify(pulled.base, pulled.shop, "app/uninstalled", {"id": 1, "domain": pulled.shop.external_account_id})
    run_jobs()
    pulled.shop.refresh_from_db()
    assert pulled.shop.status == SystemStatus.DISCONNECTED and pulled.shop.credentials == {}
    assert "uninstalled" in pulled.shop.status_message
    assert Job.objects.get(kind="orders.poll").status == JobStatus.CANCELLED
    assert Product.objects.filter(system=pulled.shop).count() == products_before
    assert ProductLink.objects.filter(store_product__system=pulled.shop).count() == links_before


def test_a_customer_redact_request_erases_that_customer_everywhere_we_hold_it(engine: Engine) -> None:
    request = fixture_json("shopify", COMPLIANCE)["customers/redact"]
    email = request["customer"]["email"]
    link = _link(engine, email)
    redacted = _document(engine, str(request["orders_to_redact"][0]), email, link)
    by_email = _document(engine, "777001", email.upper())
    other = _document(engine, "777002", "someone@example.com")
    post_shopify(engine.base, engine.shop, "customers/redact", request)
    run_jobs()
    for doc in (redacted, by_email):
        doc.refresh_from_db()
        assert email not in str(doc.snapshot).lower() and "John" not in str(doc.snapshot)
        assert doc.snapshot["customer"]["email"] == "[redacted]" and doc.snapshot["billing_address"]["city"] == "[redacted]"
        assert doc.snapshot["lines"] == [{"sku": "MUG-1", "quantity": 3}]  # what was sold stays
        assert doc.customer_link is None
    other.refresh_from_db()
    assert other.snapshot["customer"]["email"] == "someone@example.com"
    assert not CustomerLink.objects.filter(pk=link.pk).exists()
    assert not WebhookDelivery.objects.filter(body__icontains=email).exists()
    assert SyncLog.objects.filter(subject="Privacy request").exists()


def test_a_customer_link_still_used_by_another_store_is_kept(engine: Engine) -> None:
    from tests.engine.conftest import OTHER_SHOP, connect_shop

    request = fixture_json("shopify", COMPLIANCE)["customers/redact"]
    email = request["customer"]["email"]
    link = _link(engine, email)
    other_shop = connect_shop(engine.org, engine.base, OTHER_SHOP, [{"sku": "X", "name": "X", "quantity": 1}])
    SalesDocument.objects.create(organization=engine.org, store_system=other_shop, accounting_system=engine.qbo,
                                 order_external_id="9", request_id="rq-other", customer_link=link)
    post_shopify(engine.base, engine.shop, "customers/redact", request)
    run_jobs()
    assert CustomerLink.objects.filter(pk=link.pk).exists()


def test_a_data_request_records_what_we_hold_for_the_merchant(engine: Engine) -> None:
    request = fixture_json("shopify", COMPLIANCE)["customers/data_request"]
    email = request["customer"]["email"]
    _link(engine, email)
    _document(engine, str(request["orders_requested"][1]), email)
    post_shopify(engine.base, engine.shop, "customers/data_request", request)
    run_jobs()
    log = SyncLog.objects.get(subject="Customer data request")
    assert "We hold 1 orders" in log.message and "John Smith" in log.message
    assert SalesDocument.objects.get(order_external_id=str(request["orders_requested"][1])).snapshot["customer"][
        "email"] == email  # a data request erases nothing


def test_shop_redact_after_uninstall_erases_every_order_of_the_shop(engine: Engine) -> None:
    from connector.services.lifecycle import system_uninstalled

    doc = _document(engine, "888001", "a@example.com")
    system_uninstalled(system=engine.shop)
    post_shopify(engine.base, engine.shop, "shop/redact", fixture_json("shopify", COMPLIANCE)["shop/redact"])
    run_jobs()
    doc.refresh_from_db()
    assert doc.snapshot["customer"]["email"] == "[redacted]"
