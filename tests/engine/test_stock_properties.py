"""Property tests over the real emulators and database:

1. whatever order item snapshots arrive in, and however often, the store converges to QuickBooks'
   newest value, and no older value is ever pushed after a newer one;
2. whatever interleaving of orders, postings, cancellations, restocks and refreshes, the store
   never shows more than QuickBooks has minus the units of orders not yet posted.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.models import DocumentStatus, Product, ProductLink, SalesDocument, SalesDocumentLine
from connector.platforms.quickbooks.client import QuickBooksClient
from connector.platforms.quickbooks.mapping import item_product
from connector.services.stock import stock_refresh_items
from connector.services.stock_push import stock_push
from connector.services.stock_snapshots import links_mark_for_push, stock_snapshots_apply
from tests.engine.conftest import REALM, Engine, fixture_json

pytestmark = pytest.mark.django_db(transaction=True)
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])

snapshots = st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=5)  # qty of versions 1..n


@SLOW
@given(quantities=snapshots, data=st.data())
def test_any_order_and_duplication_of_item_events_converges_to_the_newest_value(pulled: Engine, quantities: list[int],
                                                                                data: st.DataObject) -> None:
    item = Product.objects.get(system=pulled.qbo, sku="MUG-1")
    link = ProductLink.objects.get(accounting_product=item)
    base = int(item.source_sequence) + 1  # versions above anything stored by earlier examples
    raw = fixture_json("quickbooks", "item_inventory.json")["Item"]
    versions = [item_product({**raw, "Id": item.external_id, "SyncToken": str(base + i), "QtyOnHand": q})
                for i, q in enumerate(quantities)]
    events = data.draw(st.lists(st.sampled_from(versions), min_size=len(versions), max_size=3 * len(versions))
                       .map(lambda drawn: drawn + versions)  # every version arrives at least once
                       .flatmap(st.permutations))
    pushed_versions: list[int] = []
    for snap in events:
        changed, _ = stock_snapshots_apply(system=pulled.qbo, snapshots=[snap])
        links_mark_for_push(accounting_product_ids=changed, quickbooks_changed=True)
        stock_push(store=pulled.shop)
        link.refresh_from_db()
        if link.last_pushed_version:
            pushed_versions.append(int(link.last_pushed_version))
    assert pushed_versions == sorted(pushed_versions), "an older QuickBooks value was pushed after a newer one"
    assert pulled.shop_quantities()[" mug-1 "] == quantities[-1]
    item.refresh_from_db()
    assert item.quantity == quantities[-1] and int(item.source_version) == base + len(quantities) - 1


operations = st.lists(st.one_of(
    st.tuples(st.just("order"), st.integers(min_value=1, max_value=4)),
    st.tuples(st.just("post"), st.integers(min_value=0, max_value=9)),
    st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=9)),
    st.tuples(st.just("restock"), st.integers(min_value=1, max_value=5)),
    st.tuples(st.just("refresh"), st.just(0)),
), min_size=1, max_size=8)


@SLOW
@given(ops=operations)
def test_the_store_never_shows_more_than_quickbooks_minus_unposted_orders(pulled: Engine,
                                                                          ops: list[tuple[str, int]]) -> None:
    pulled.control("quickbooks", "config", {"account": REALM, "webhooks": False})
    qbo = QuickBooksClient(pulled.qbo)
    customer = qbo.find_customers(display_name="Property Buyer") or [qbo.create_customer(
        display_name="Property Buyer", given_name="", family_name="", email="", company="", request_id="prop-cust")]
    SalesDocument.objects.all().delete()
    pulled.adjust("TS-M", 10)
    item = Product.objects.get(system=pulled.qbo, sku="TS-M")
    stock_refresh_items(system=pulled.qbo, item_ids=[item.external_id], documents=[], quickbooks_changed=True)
    stock_push(store=pulled.shop)
    orders: list[SalesDocument] = []
    for op, value in ops:
        if op == "order":
            doc = SalesDocument.objects.create(
                organization=pulled.org, store_system=pulled.shop, accounting_system=pulled.qbo,
                order_external_id=f"p-{timezone.now().timestamp()}-{len(orders)}",
                request_id=f"p-{timezone.now().timestamp()}-{len(orders)}")
            SalesDocumentLine.objects.create(document=doc, sku="TS-M", accounting_product=item, quantity=value)
            orders.append(doc)
            links_mark_for_push(accounting_product_ids=[item.pk], quickbooks_changed=False)
        elif op in ("post", "cancel") and orders:
            doc = orders[value % len(orders)]
            doc.refresh_from_db()
            if doc.status != DocumentStatus.PENDING:
                continue
            if op == "post":
                units = doc.lines.get().quantity
                qbo.create_document(doc_type="invoice", request_id=f"inv-{doc.request_id}", body={
                    "CustomerRef": {"value": customer[0].id}, "Line": [{
                        "DetailType": "SalesItemLineDetail", "Amount": units,
                        "SalesItemLineDetail": {"ItemRef": {"value": item.external_id}, "Qty": units, "UnitPrice": 1}}]})
                SalesDocument.objects.filter(pk=doc.pk).update(status=DocumentStatus.POSTED, posted_at=timezone.now())
            else:
                SalesDocument.objects.filter(pk=doc.pk).update(status=DocumentStatus.CANCELLED)
            links_mark_for_push(accounting_product_ids=[item.pk], quickbooks_changed=False)
        elif op == "restock":
            current = next(i for i in pulled.control("quickbooks", "state", account=REALM)["items"] if i["sku"] == "TS-M")
            pulled.adjust("TS-M", int(current["qty_on_hand"]) + value)
        elif op == "refresh":
            stock_refresh_items(system=pulled.qbo, item_ids=[item.external_id], documents=[], quickbooks_changed=True)
        stock_push(store=pulled.shop)
        truth = next(i for i in pulled.control("quickbooks", "state", account=REALM)["items"] if i["sku"] == "TS-M")
        unposted = sum(line.quantity for line in SalesDocumentLine.objects.filter(
            accounting_product=item, document__status=DocumentStatus.PENDING))
        shown = pulled.shop_quantities()["TS-M"]
        assert shown <= max(0, int(truth["qty_on_hand"]) - unposted), (op, value, shown, truth, unposted)
