"""Orders: QuickBooks calls per posted order when the customers are already linked (target at
most 1.2; the lower bound is 1, the create itself), and wall time per posted order versus the
bare create calls. Emulators on a live server in this process, so every call is real HTTP.

BENCH_ORDERS (default 100) orders across BENCH_ORDER_CUSTOMERS (default 10) customers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.common import BenchResult, fresh_database, timed

ORDERS = int(os.environ.get("BENCH_ORDERS", "100"))
CUSTOMERS = int(os.environ.get("BENCH_ORDER_CUSTOMERS", "10"))
REALM = "4620816365000001"
SHOP = "bench-orders.myshopify.com"
SKUS = [f"BENCH-{n:03d}" for n in range(20)]


class _Counter(logging.Handler):
    """Counts the calls BaseClient logs, per platform ("quickbooks GET <path> 200 ...")."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.counts: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        platform = record.getMessage().split(" ", 1)[0]
        self.counts[platform] = self.counts.get(platform, 0) + 1


@contextmanager
def _counting() -> Iterator[_Counter]:
    logger = logging.getLogger("connector.http")
    counter, level = _Counter(), logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.INFO)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)


@contextmanager
def _live_server() -> Iterator[str]:
    """The project's WSGI app (emulators mounted) on a thread, sharing an in-memory SQLite
    connection as Django's LiveServerTestCase does."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.db import connections
    from django.test.testcases import LiveServerThread

    override = {}
    conn = connections["default"]
    if conn.vendor == "sqlite" and conn.is_in_memory_db():
        conn.inc_thread_sharing()
        override["default"] = conn
    thread = LiveServerThread("localhost", StaticFilesHandler, connections_override=override, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    try:
        yield f"http://localhost:{thread.port}"
    finally:
        thread.terminate()
        if override:
            conn.dec_thread_sharing()
        elif conn.vendor == "postgresql":
            # Request threads kept alive by clients' pooled connections still hold database
            # sessions; end them so the throw-away database can be dropped.
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()")


def _setup(base: str) -> tuple[Any, Any, list[str]]:
    from accounts.models import Organization
    from connector.models import Product, ProductLink
    from connector.platforms.base import ExternalCustomer
    from connector.platforms.quickbooks.client import QuickBooksClient
    from connector.platforms.shopify.client import ShopifyClient
    from connector.services.customers import customer_resolve
    from emulators.quickbooks.emulator import emulator_connect as qbo_connect
    from emulators.quickbooks.emulator import emulator_seed as qbo_seed
    from emulators.shopify.emulator import emulator_connect as shop_connect
    from emulators.shopify.emulator import emulator_seed as shop_seed
    from emulators.shopify.orders import place_order
    from emulators.store import EmulatorStore

    org = Organization.objects.create(name="Bench orders", slug="bench-orders")
    qbo_seed(REALM, [{"sku": sku, "name": f"Item {sku}", "type": "Inventory", "qty_on_hand": 1_000_000,
                      "unit_price": 10} for sku in SKUS])
    EmulatorStore("quickbooks", REALM).ensure_account(webhooks=False, rate_per_minute=0)
    accounting = qbo_connect(organization=org, account=REALM, base_url=f"{base}/_emulators/quickbooks")
    shop_seed(SHOP, [{"sku": sku, "name": f"Item {sku}", "quantity": 1_000_000, "tracks_stock": True}
                     for sku in SKUS])
    store = shop_connect(organization=org, account=SHOP, base_url=f"{base}/_emulators/shopify")
    items = {p.sku: Product.objects.create(organization=org, system=accounting, external_id=p.external_id, sku=p.sku,
                                           sku_key=p.sku.casefold(), tracks_stock=True)
             for p in QuickBooksClient(accounting).iter_items()}
    for p in ShopifyClient(store).iter_products():
        variant = Product.objects.create(organization=org, system=store, external_id=p.external_id, sku=p.sku,
                                         sku_key=p.sku.casefold(), tracks_stock=True)
        ProductLink.objects.create(organization=org, store_product=variant, accounting_product=items[p.sku])
    people = [{"first_name": "Buyer", "last_name": f"Number {n}", "email": f"buyer{n}@example.com"}
              for n in range(CUSTOMERS)]
    client = QuickBooksClient(accounting)
    for person in people:  # "with linked customers": each has bought before
        customer_resolve(accounting_system=accounting, client=client,
                         customer=ExternalCustomer(person["first_name"], person["last_name"], person["email"]))
    order_ids = [str(place_order(SHOP, [{"sku": SKUS[n % len(SKUS)], "qty": 1 + n % 3},
                                        {"sku": SKUS[(n * 7 + 3) % len(SKUS)], "qty": 1}],
                                 people[n % CUSTOMERS], {"shipping": "4.95"})["id"]) for n in range(ORDERS)]
    return accounting, store, order_ids


def _post_all(store: Any, order_count: int) -> int:
    """Poll the shop (orders come 250 to a page), then post every order's document."""
    from connector.models import DocumentStatus, SalesDocument
    from connector.services.sales import orders_poll
    from connector.services.sales_post import preferences_forget, sales_document_post

    preferences_forget()  # the company preferences read counts against these orders
    orders_poll(system=store, budget_seconds=3600)
    for document_id in SalesDocument.objects.filter(store_system=store).values_list("pk", flat=True):
        sales_document_post(document_id=document_id)
    posted = SalesDocument.objects.filter(store_system=store, status=DocumentStatus.POSTED).count()
    assert posted == order_count, f"posted {posted} of {order_count}"
    return posted


def _bare_creates(accounting: Any, count: int) -> None:
    from connector.models import CustomerLink
    from connector.platforms.quickbooks.client import QuickBooksClient

    client = QuickBooksClient(accounting)
    customer_id = CustomerLink.objects.filter(accounting_system=accounting).first().accounting_customer_id
    item_id = "1"
    for n in range(count):
        client.create_document(doc_type="invoice", request_id=f"bare-{n}", body={
            "CustomerRef": {"value": customer_id}, "DocNumber": f"BARE-{n}",
            "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 10,
                      "SalesItemLineDetail": {"ItemRef": {"value": item_id}, "Qty": 1, "UnitPrice": 10}}]})


def run() -> list[BenchResult]:
    from django.conf import settings

    settings.JOB_WAKE_WORKERS = False
    settings.EMULATOR_WEBHOOK_DELIVERY = "manual"
    with fresh_database("orders") as vendor, _live_server() as base:
        settings.CONNECTOR_PUBLIC_URL = base
        accounting, store, order_ids = _setup(base)
        with _counting() as counter:
            seconds, posted = timed(lambda: _post_all(store, len(order_ids)))
        per_order = counter.counts.get("quickbooks", 0) / posted
        bare_seconds, _ = timed(lambda: _bare_creates(accounting, posted))
    return [
        BenchResult(f"orders: QuickBooks calls per posted order ({vendor})", per_order, 1.0, unit="",
                    note=f"{posted} orders, {CUSTOMERS} linked customers; target <= 1.2"),
        BenchResult(f"orders: ingest + post per order vs bare create ({vendor})", seconds / posted,
                    bare_seconds / posted, note="order polling, ledger rows, lines and customer lookup included"),
    ]
