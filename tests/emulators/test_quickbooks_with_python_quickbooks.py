"""An independent check of the QuickBooks emulator: python-quickbooks, a client written against the
real service by others, creates, reads, voids and is refused as it would be by QuickBooks."""

from __future__ import annotations

import warnings
from decimal import Decimal
from typing import Any

import pytest
from quickbooks import QuickBooks
from quickbooks.exceptions import ObjectNotFoundException, QuickbooksException
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import DiscountLine, DiscountLineDetail, SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.salesreceipt import SalesReceipt
from quickbooks.objects.tax import TxnTaxDetail
from requests_oauthlib import OAuth2Session

from emulators.quickbooks.emulator import emulator_seed
from emulators.quickbooks.state import issue_token
from tests.emulators.conftest import get, post

pytestmark = pytest.mark.django_db(transaction=True)
REALM = "9341455327810553"


class EmulatedQuickBooks(QuickBooks):  # type: ignore[misc]
    """The library as shipped, its API root moved to the emulator (the only change)."""

    root = ""

    @property
    def api_url(self) -> str:
        return self.root


@pytest.fixture
def qb(emulator_url, monkeypatch) -> QuickBooks:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the emulator is served over plain HTTP
    emulator_seed(REALM, [{"sku": "MUG-1", "name": "Mug", "type": "Inventory", "qty_on_hand": 20, "unit_price": 12},
                          {"sku": "GW-01", "name": "Gift Wrap", "type": "NonInventory", "unit_price": 4.5}])
    token = issue_token(REALM)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        client = EmulatedQuickBooks(company_id=REALM, minorversion=75)
    client.root = f"{emulator_url('quickbooks')}/v3"
    client.session = OAuth2Session("client", token={"access_token": token["access_token"], "token_type": "Bearer"})
    return client


def _item(qb: QuickBooks, name: str) -> Item:
    [item] = Item.filter(Name=name, qb=qb)
    return item


def _line(item: Item, qty: int, unit_price: str) -> SalesItemLine:
    line = SalesItemLine()
    line.Amount = Decimal(unit_price) * qty
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = item.to_ref()
    line.SalesItemLineDetail.Qty = qty
    line.SalesItemLineDetail.UnitPrice = Decimal(unit_price)
    return line


def _customer(qb: QuickBooks) -> Any:
    customer = Customer()
    customer.DisplayName = "Library Buyer"
    return customer.save(qb=qb).to_ref()


def _state(qb: QuickBooks) -> dict[str, Any]:
    return get(qb.root.removesuffix("/v3") + "/_control/state", account=REALM)


def test_an_invoice_made_by_the_library_totals_lines_discount_and_tax(qb: QuickBooks) -> None:
    invoice = Invoice()
    invoice.CustomerRef = _customer(qb)
    discount = DiscountLine()
    discount.Amount = 0
    discount.DiscountLineDetail = DiscountLineDetail()
    discount.DiscountLineDetail.PercentBased = True
    discount.DiscountLineDetail.DiscountPercent = 10
    invoice.Line = [_line(_item(qb, "Mug"), 2, "12.00"), _line(_item(qb, "Gift Wrap"), 1, "4.50"), discount]
    invoice.TxnTaxDetail = TxnTaxDetail()
    invoice.TxnTaxDetail.TotalTax = Decimal("2.30")
    invoice.GlobalTaxCalculation = "TaxExcluded"
    saved = invoice.save(qb=qb)
    read = Invoice.get(saved.Id, qb=qb)
    # 28.50 of lines - 2.85 (10 %) + 2.30 tax
    assert float(read.TotalAmt) == 27.95 and float(read.Balance) == 27.95
    assert next(i for i in _state(qb)["items"] if i["sku"] == "MUG-1")["qty_on_hand"] == 18


def test_the_librarys_voids_zero_both_documents_and_return_their_stock(qb: QuickBooks) -> None:
    customer = _customer(qb)
    invoice, receipt = Invoice(), SalesReceipt()
    for document in (invoice, receipt):
        document.CustomerRef = customer
        document.Line = [_line(_item(qb, "Mug"), 3, "12.00")]
    saved_invoice, saved_receipt = invoice.save(qb=qb), receipt.save(qb=qb)
    assert next(i for i in _state(qb)["items"] if i["sku"] == "MUG-1")["qty_on_hand"] == 14
    saved_invoice.void(qb=qb)  # POST invoice?operation=void {Id, SyncToken}
    saved_receipt.void(qb=qb)  # POST salesreceipt?operation=update&include=void {Id, SyncToken, sparse}
    assert float(Invoice.get(saved_invoice.Id, qb=qb).TotalAmt) == 0
    assert float(SalesReceipt.get(saved_receipt.Id, qb=qb).TotalAmt) == 0
    state = _state(qb)
    assert next(i for i in state["items"] if i["sku"] == "MUG-1")["qty_on_hand"] == 20
    assert [d["status"] for d in state["invoices"] + state["sales_receipts"]] == ["voided", "voided"]


def test_the_library_sees_an_inactive_item_refused_as_object_not_found(qb: QuickBooks) -> None:
    mug = _item(qb, "Mug")
    base = qb.root.removesuffix("/v3")
    post(f"{base}/_control/items/active", account=REALM, sku="MUG-1", active=False)
    receipt = SalesReceipt()
    receipt.CustomerRef = _customer(qb)
    receipt.Line = [_line(mug, 1, "12.00")]
    with pytest.raises(ObjectNotFoundException) as refused:
        receipt.save(qb=qb)
    assert refused.value.error_code == 610 and "made inactive" in refused.value.detail


def test_the_library_sees_a_mispriced_line_refused(qb: QuickBooks) -> None:
    receipt = SalesReceipt()
    receipt.CustomerRef = _customer(qb)
    line = _line(_item(qb, "Mug"), 3, "12.00")
    line.Amount = Decimal("35.00")
    receipt.Line = [line]
    with pytest.raises(QuickbooksException) as refused:
        receipt.save(qb=qb)
    assert refused.value.error_code == 6070 and "Supplied value:35" in refused.value.detail
