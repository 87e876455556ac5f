"""What a posted document holds: items, shipping, discounts, fees and tax exactly as the store
reported them, and the DocNumber; what holds an order instead of being guessed."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.models import DocumentStatus, Product, ProductLink, SalesDocument
from connector.platforms.base import ExternalCustomer, ExternalOrder, OrderLine, TaxLine
from connector.platforms.quickbooks.client import QuickBooksClient
from connector.services.orders_ingest import order_ingest
from connector.services.sales_ledger import DOC_NUMBER_MAX, doc_number_for
from emulators.store import EmulatorStore
from tests.engine.sales.conftest import JANE, SHOP, ingest, run_jobs, store_options

SHOPIFY_ORDER = json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "shopify" / "order_webhook.json")
                           .read_text())


def _raw(accounting, document: SalesDocument) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    entity = "Invoice" if document.document_type == "invoice" else "SalesReceipt"
    return QuickBooksClient(accounting).api("GET", f"{entity.lower()}/{document.accounting_document_id}")[entity]


def _by_type(raw: dict[str, Any], detail: str) -> list[dict[str, Any]]:
    return [line for line in raw["Line"] if line["DetailType"] == detail]


@pytest.fixture
def ipods(accounting, store) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """QuickBooks items for the sample order's two variants, linked as matching would link them."""
    client = QuickBooksClient(accounting)
    ids = {}
    for line in SHOPIFY_ORDER["line_items"]:
        made = client.create_item(name=line["name"], sku=line["sku"], tracks_stock=False, income_account_id="79",
                                  asset_account_id="81", expense_account_id="80", request_id=f"item-{line['sku']}")
        item = Product.objects.create(organization=store.organization, system=accounting,
                                      external_id=made.external_id, sku=line["sku"], sku_key=line["sku"].casefold())
        variant = Product.objects.create(organization=store.organization, system=store,
                                         external_id=f"gid://shopify/ProductVariant/{line['variant_id']}",
                                         sku=line["sku"], sku_key=line["sku"].casefold())
        ProductLink.objects.create(organization=store.organization, store_product=variant, accounting_product=item)
        ids[line["sku"]] = made.external_id
    return ids


def _sample_order(store, **changes: Any) -> str:  # type: ignore[no-untyped-def]
    """The reference pack's orders/create payload, as the shop would serve it."""
    order = copy.deepcopy(SHOPIFY_ORDER)
    order.update({"financial_status": "paid", **changes})
    EmulatorStore("shopify", SHOP).put("orders", order["id"], order)
    return str(order["id"])


def test_the_sample_order_posts_items_discount_and_the_reported_tax(store, accounting, ipods):
    ingest(store, _sample_order(store))
    document = SalesDocument.objects.get()
    assert document.status == DocumentStatus.POSTED, document.message
    raw = _raw(accounting, document)
    items = {line["SalesItemLineDetail"]["ItemRef"]["value"]: line for line in _by_type(raw, "SalesItemLineDetail")}
    assert set(items) == set(ipods.values())  # the free shipping line adds nothing
    assert {line["Amount"] for line in items.values()} == {199.0}
    assert {line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in items.values()} == {"TAX"}
    [discount] = _by_type(raw, "DiscountLineDetail")
    assert discount["Amount"] == 6.67 and "TENOFF" in discount["Description"]
    assert raw["TxnTaxDetail"]["TotalTax"] == 7.96  # the sum of the tax Shopify put on each line
    assert raw["DocNumber"] == "1001" and "GlobalTaxCalculation" not in raw
    assert raw["BillEmail"]["Address"] == "bob.norman@mail.example.com"


def test_tax_inclusive_prices_post_net_amounts_with_the_gross_kept(store, accounting, ipods):
    ingest(store, _sample_order(store, taxes_included=True))
    raw = _raw(accounting, SalesDocument.objects.get())
    assert raw["GlobalTaxCalculation"] == "TaxInclusive"
    for line in _by_type(raw, "SalesItemLineDetail"):
        assert line["Amount"] == 195.02  # 199.00 including 3.98 tax
        assert line["SalesItemLineDetail"]["TaxInclusiveAmt"] == 199.0
        assert line["SalesItemLineDetail"]["UnitPrice"] == 195.02


@pytest.mark.parametrize("key", ["State Tax", "state tax", "6%", "0.06"])
def test_the_tax_mapping_names_the_code_by_tax_name_or_rate(store, accounting, ipods, key):
    store_options(store, tax_mapping={key: "TAX", "none": "NON"})
    ingest(store, _sample_order(store))
    raw = _raw(accounting, SalesDocument.objects.get())
    assert {line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in _by_type(raw, "SalesItemLineDetail")} == {
        "TAX"}
    assert raw["GlobalTaxCalculation"] == "TaxExcluded"


def test_a_tax_the_mapping_does_not_name_holds_the_order(store, accounting, ipods, control):
    store_options(store, tax_mapping={"VAT 20%": "TAX"})
    ingest(store, _sample_order(store))
    document = SalesDocument.objects.get()
    assert document.status == DocumentStatus.HELD
    assert "'State Tax' (6%)" in document.message
    assert control.qbo_state()["invoices"] == []


def test_shipping_goes_to_quickbooks_shipping_line_or_the_chosen_item(store, linked, accounting, control, items):
    ingest(store, control.order([{"sku": "MUG-1", "qty": 1}], JANE, shipping="7.50"))
    store_options(store, shipping_item_id=items["SHIP"].external_id)
    ingest(store, control.order([{"sku": "MUG-1", "qty": 1}], JANE, shipping="4.25"))
    first, second = SalesDocument.objects.order_by("pk")
    [default] = [line for line in _by_type(_raw(accounting, first), "SalesItemLineDetail")
                 if line["SalesItemLineDetail"]["ItemRef"]["value"] == "SHIPPING_ITEM_ID"]
    assert default["Amount"] == 7.5
    [chosen] = [line for line in _by_type(_raw(accounting, second), "SalesItemLineDetail")
                if line["SalesItemLineDetail"]["ItemRef"]["value"] == items["SHIP"].external_id]
    assert chosen["Amount"] == 4.25 and chosen["SalesItemLineDetail"]["Qty"] == 1


def _order(number: str, lines: tuple[OrderLine, ...], **extra: Any) -> ExternalOrder:
    when = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    return ExternalOrder(external_id=f"ext-{number}", number=number, status="paid", created_at=when, updated_at=when,
                         currency="USD", customer=ExternalCustomer(first_name="Jane", last_name="Doe",
                                                                   email="jane@example.com"),
                         lines=lines, total=sum((line.total for line in lines), Decimal(0)), **extra)


MUG = OrderLine(kind="product", name="Mug", quantity=Decimal(2), unit_price=Decimal("12.00"), total=Decimal("24.00"),
                sku="MUG-1", taxes=(TaxLine(name="Sales Tax", rate=Decimal("0.05"), amount=Decimal("1.20")),))
FEE = OrderLine(kind="fee", name="Gift packing", quantity=Decimal(1), unit_price=Decimal("3.00"),
                total=Decimal("3.00"), code="packing")


def test_a_fee_goes_to_the_fee_item(store, linked, accounting, items):
    store_options(store, fee_item_id=items["FEE"].external_id)
    order_ingest(store=store, order=_order("2001", (MUG, FEE)))
    run_jobs()
    raw = _raw(accounting, SalesDocument.objects.get())
    [fee] = [line for line in _by_type(raw, "SalesItemLineDetail")
             if line["SalesItemLineDetail"]["ItemRef"]["value"] == items["FEE"].external_id]
    assert fee["Amount"] == 3.0 and fee["Description"] == "Gift packing"
    assert raw["TxnTaxDetail"]["TotalTax"] == 1.2


def test_a_fee_without_a_fee_item_holds_the_order(store, linked, control):
    order_ingest(store=store, order=_order("2002", (MUG, FEE)))
    run_jobs()
    document = SalesDocument.objects.get()
    assert document.status == DocumentStatus.HELD and "'Gift packing'" in document.message
    assert control.qbo_state()["invoices"] == []


def test_a_discount_item_option_books_discounts_to_that_item(store, linked, accounting, items):
    store_options(store, discount_item_id=items["FEE"].external_id)
    coupon = OrderLine(kind="discount", name="Spring", quantity=Decimal(1), unit_price=Decimal("-5.00"),
                       total=Decimal("-5.00"), code="SPRING5")
    order_ingest(store=store, order=_order("2003", (MUG, coupon)))
    run_jobs()
    raw = _raw(accounting, SalesDocument.objects.get())
    [discount] = [line for line in _by_type(raw, "SalesItemLineDetail")
                  if line["SalesItemLineDetail"]["ItemRef"]["value"] == items["FEE"].external_id]
    assert discount["Amount"] == -5.0 and "SPRING5" in discount["Description"]
    assert _by_type(raw, "DiscountLineDetail") == []


@pytest.mark.parametrize("extra", [
    {"unrecognised": ("Reward points redeemed (-50 points)",)},
    {"lines": (OrderLine(kind="other", name="Gift card GC-77", quantity=Decimal(1), unit_price=Decimal("-10"),
                         total=Decimal("-10")),)},
], ids=["unrecognised", "other-line"])
def test_unrecognised_lines_hold_the_order_and_are_named(store, linked, control, extra):
    lines = (MUG, *extra.pop("lines", ()))
    order_ingest(store=store, order=_order("2004", lines, **extra))
    run_jobs()
    document = SalesDocument.objects.get()
    assert document.status == DocumentStatus.HELD
    assert ("Reward points redeemed" in document.message) or ("Gift card GC-77" in document.message)
    assert control.qbo_state()["invoices"] == []


def test_docnumber_is_the_prefix_and_order_number(store, linked, control):
    store_options(store, doc_number_prefix="SHOP-")
    ingest(store, control.order([{"sku": "MUG-1", "qty": 1}], JANE))
    document = SalesDocument.objects.get()
    assert document.doc_number == "SHOP-1001"
    assert [i["doc_number"] for i in control.qbo_state()["invoices"]] == ["SHOP-1001"]


def test_a_long_order_number_is_shortened_to_21_characters(store, linked, control):
    store_options(store, doc_number_prefix="WEB-")
    order_ingest(store=store, order=_order("2026-03-EU-0000012345-B", (MUG,)))
    run_jobs()
    [invoice] = control.qbo_state()["invoices"]
    assert len(invoice["doc_number"]) <= 21 and invoice["doc_number"].startswith("WEB-2026-03")
    assert invoice["doc_number"] == SalesDocument.objects.get().doc_number


def test_without_custom_numbers_quickbooks_numbers_the_document(store, linked, control):
    control.qbo_config(custom_txn_numbers=False)
    store_options(store, doc_number_prefix="SHOP-")
    ingest(store, control.order([{"sku": "MUG-1", "qty": 1}], JANE))
    document = SalesDocument.objects.get()
    [invoice] = control.qbo_state()["invoices"]
    assert not invoice["doc_number"].startswith("SHOP-")
    assert document.doc_number == invoice["doc_number"] and document.snapshot["numbering"] == "quickbooks"


@given(st.text(max_size=10), st.text(min_size=1, max_size=60))
def test_docnumbers_fit_quickbooks_and_are_deterministic(prefix, number):
    made = doc_number_for(prefix, number)
    assert len(made) <= DOC_NUMBER_MAX and made.startswith(prefix)
    assert made == doc_number_for(prefix, number)
    compact = "".join(number.strip().lstrip("#").split())
    if len(prefix) + len(compact) <= DOC_NUMBER_MAX:
        assert made == prefix + compact


@given(st.lists(st.text(alphabet="0123456789-ABC", min_size=18, max_size=40), min_size=2, max_size=30, unique=True))
def test_distinct_long_order_numbers_get_distinct_docnumbers(numbers):
    compact = {"".join(n.strip().lstrip("#").split()) for n in numbers}
    made = {doc_number_for("SHOP-", n) for n in compact}
    assert len(made) == len(compact)
