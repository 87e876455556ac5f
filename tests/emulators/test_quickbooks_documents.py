"""The QuickBooks emulator as an oracle for sales documents: TotalAmt computed as QuickBooks
computes it, lines checked as it checks them, voids, and inactive items refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from emulators.quickbooks.emulator import emulator_seed
from emulators.quickbooks.state import issue_token, store
from tests.emulators.conftest import Receiver, get, post

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quickbooks"
REALM = "9341455327810552"
CATALOGUE = [
    {"sku": "RF-1001", "name": "Rock Fountain", "type": "Inventory", "qty_on_hand": 10, "unit_price": 275},
    {"sku": "GW-01", "name": "Gift Wrap", "type": "NonInventory", "unit_price": 4.5},
    {"sku": "MUG-1", "name": "Mug", "type": "Inventory", "qty_on_hand": 20, "unit_price": 10},
]


class Books:
    """Raw v3 calls to the emulated company, with a bearer token it issued."""

    def __init__(self, base: str) -> None:
        self.base, self.token = base, issue_token(REALM)["access_token"]
        self.items = {i["Sku"]: i["Id"] for i in store(REALM).all("Item")}

    def call(self, entity: str, body: dict[str, Any], **params: str) -> requests.Response:
        return requests.post(f"{self.base}/v3/company/{REALM}/{entity}", params={"minorversion": "75", **params},
                             json=body, timeout=15, headers={"Authorization": f"Bearer {self.token}",
                                                             "Accept": "application/json"})

    def create(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.call(entity, {"CustomerRef": {"value": self.customer()}, **body})
        assert response.status_code == 200, response.text
        return response.json()[entity.capitalize() if entity == "invoice" else "SalesReceipt"]

    def customer(self) -> str:
        found = store(REALM).all("Customer")
        if found:
            return str(found[0]["Id"])
        response = self.call("customer", {"DisplayName": "Jane Doe"})
        return str(response.json()["Customer"]["Id"])

    def line(self, sku: str, qty: float, unit_price: float, **detail: Any) -> dict[str, Any]:
        return {"DetailType": "SalesItemLineDetail", "Amount": round(qty * unit_price, 2),
                "SalesItemLineDetail": {"ItemRef": {"value": self.items[sku]}, "Qty": qty, "UnitPrice": unit_price,
                                        **detail}}

    def qty_on_hand(self, sku: str) -> float:
        return next(i for i in get(f"{self.base}/_control/state", account=REALM)["items"] if i["sku"] == sku)[
            "qty_on_hand"]


@pytest.fixture
def books(emulator_url) -> Books:  # type: ignore[no-untyped-def]
    emulator_seed(REALM, CATALOGUE)
    return Books(emulator_url("quickbooks"))


def test_total_amt_of_the_reference_request_is_lines_minus_discount_plus_shipping(books: Books) -> None:
    request = json.loads((FIXTURES / "invoice_create_request.json").read_text())
    request["Line"][0]["SalesItemLineDetail"]["ItemRef"] = {"value": books.items["RF-1001"]}
    request["Line"][1]["SalesItemLineDetail"]["ItemRef"] = {"value": books.items["GW-01"]}
    request["CustomerRef"] = {"value": books.customer()}
    response = books.call("invoice", request)
    invoice = response.json()["Invoice"]
    discount = next(line for line in invoice["Line"] if line["DetailType"] == "DiscountLineDetail")
    subtotal = next(line for line in invoice["Line"] if line["DetailType"] == "SubTotalLineDetail")
    assert (subtotal["Amount"], discount["Amount"]) == (554.5, 55.45)  # 10 % of the item lines, not of shipping
    assert invoice["TotalAmt"] == 511.05 == invoice["Balance"]  # 554.50 - 55.45 + 12.00 shipping


def test_tax_excluded_adds_the_total_tax(books: Books) -> None:
    invoice = books.create("invoice", {"GlobalTaxCalculation": "TaxExcluded", "TxnTaxDetail": {"TotalTax": 2.4},
                                       "Line": [books.line("MUG-1", 1, 12)]})
    assert (invoice["TotalAmt"], invoice["TxnTaxDetail"]["TotalTax"]) == (14.4, 2.4)


def test_tax_inclusive_lines_are_net_amounts_with_the_gross_beside_them(books: Books) -> None:
    """Under TaxInclusive a line's Amount is still before tax (the gross is TaxInclusiveAmt), so
    the tax is added once: 10.00 net + 2.00 tax is the 12.00 the customer paid."""
    invoice = books.create("invoice", {"GlobalTaxCalculation": "TaxInclusive", "TxnTaxDetail": {"TotalTax": 2},
                                       "Line": [books.line("MUG-1", 1, 10, TaxInclusiveAmt=12)]})
    assert invoice["TotalAmt"] == 12
    gross_as_amount = books.create("invoice", {"GlobalTaxCalculation": "TaxInclusive", "TxnTaxDetail": {"TotalTax": 2},
                                               "Line": [books.line("MUG-1", 1, 12, TaxInclusiveAmt=12)]})
    assert gross_as_amount["TotalAmt"] == 14  # a gross sent as Amount is taxed a second time


def test_the_captured_tax_inclusive_invoice_totals_as_quickbooks_answered(books: Books) -> None:
    """quickbooks-ruby's fixture invoice_with_bundle_line_item.xml, an answer of QuickBooks: lines
    7.96 and 2.65, a 20 % discount, TotalTax 1.11, TaxInclusive: TotalAmt 9.60, discount 2.12."""
    invoice = books.create("invoice", {
        "GlobalTaxCalculation": "TaxInclusive", "TxnTaxDetail": {"TotalTax": 1.11},
        "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 7.96,
                  "SalesItemLineDetail": {"ItemRef": {"value": books.items["MUG-1"]}, "Qty": 15,
                                          "UnitPrice": 0.5306667}},
                 {"DetailType": "SalesItemLineDetail", "Amount": 2.65,
                  "SalesItemLineDetail": {"ItemRef": {"value": books.items["GW-01"]}, "Qty": 24,
                                          "UnitPrice": 0.1104167}},
                 {"DetailType": "DiscountLineDetail", "Amount": 0,
                  "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": 20}}]})
    assert invoice["TotalAmt"] == 9.6
    assert next(line["Amount"] for line in invoice["Line"] if line["DetailType"] == "DiscountLineDetail") == 2.12


def test_a_line_whose_amount_is_not_qty_times_unit_price_is_refused_with_6070(books: Books) -> None:
    # 128.35 x 14.50 = 1861.075: QuickBooks rounds half up and expects 1861.08.
    line = books.line("MUG-1", 128.35, 14.5)
    line["Amount"] = 1861.08
    assert books.call("salesreceipt", {"CustomerRef": {"value": books.customer()}, "Line": [line]}).status_code == 200
    line["Amount"] = 1861.07
    response = books.call("salesreceipt", {"CustomerRef": {"value": books.customer()}, "Line": [line]})
    [error] = response.json()["Fault"]["Error"]
    assert response.status_code == 400 and error["code"] == "6070"
    assert "Amount is not equal to UnitPrice * Qty. Supplied value:1,861.07" in error["Detail"]


def test_an_inactive_item_is_refused_on_a_new_document_with_quickbooks_fault(books: Books) -> None:
    post(f"{books.base}/_control/items/active", account=REALM, sku="MUG-1", active=False)
    response = books.call("invoice", {"CustomerRef": {"value": books.customer()}, "Line": [books.line("MUG-1", 1, 10)]})
    expected = json.loads((FIXTURES / "fault_not_found.json").read_text())["Fault"]
    assert response.status_code == 400
    assert response.json()["Fault"] == expected
    assert store(REALM).all("Invoice") == [] and books.qty_on_hand("MUG-1") == 20


def test_voiding_an_invoice_keeps_it_at_zero_and_returns_its_stock(books: Books, receiver: Receiver) -> None:
    invoice = books.create("invoice", {"PrivateNote": "Shopify order #1001", "TxnTaxDetail": {"TotalTax": 3},
                                       "Line": [books.line("RF-1001", 2, 275), books.line("MUG-1", 3, 10)]})
    assert (books.qty_on_hand("RF-1001"), books.qty_on_hand("MUG-1")) == (8, 17)
    post(f"{books.base}/_control/webhooks", url=f"{receiver.url}/qbo")
    stale = books.call("invoice", {"Id": invoice["Id"], "SyncToken": "7"}, operation="void")
    assert stale.status_code == 400 and stale.json()["Fault"]["Error"][0]["code"] == "5010"
    voided = books.call("invoice", {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]}, operation="void")
    body = voided.json()["Invoice"]
    assert (body["TotalAmt"], body["Balance"], body["TxnTaxDetail"]["TotalTax"]) == (0, 0, 0)
    assert body["PrivateNote"] == "Voided - Shopify order #1001" and body["SyncToken"] == "1"
    assert {line["Amount"] for line in body["Line"]} == {0}
    assert [line["SalesItemLineDetail"]["Qty"] for line in body["Line"] if "SalesItemLineDetail" in line] == [0, 0]
    assert (books.qty_on_hand("RF-1001"), books.qty_on_hand("MUG-1")) == (10, 20)
    [document] = get(f"{books.base}/_control/state", account=REALM)["invoices"]
    assert (document["status"], document["TotalAmt"], document["DocNumber"]) == ("voided", 0, invoice["DocNumber"])
    [hook] = receiver.posts()
    entities = json.loads(hook.body)["eventNotifications"][0]["dataChangeEvent"]["entities"]
    assert {(e["name"], e["operation"]) for e in entities} == {("Invoice", "Void"), ("Item", "Update")}
    again = books.call("invoice", {"Id": invoice["Id"], "SyncToken": body["SyncToken"]}, operation="void")
    assert again.status_code == 200 and books.qty_on_hand("MUG-1") == 20  # nothing returned twice


def test_a_sales_receipt_is_voided_by_a_sparse_update_with_include_void(books: Books) -> None:
    receipt = books.create("salesreceipt", {"Line": [books.line("MUG-1", 4, 10)]})
    response = books.call("salesreceipt", {"Id": receipt["Id"], "SyncToken": receipt["SyncToken"], "sparse": True},
                          operation="update", include="void")
    assert response.status_code == 200 and response.json()["SalesReceipt"]["TotalAmt"] == 0
    assert books.qty_on_hand("MUG-1") == 20
    refused = books.call("item", {"Id": books.items["MUG-1"], "SyncToken": "0"}, operation="void")
    assert refused.status_code == 400 and refused.json()["Fault"]["Error"][0]["code"] == "6000"


def test_deleting_a_sale_returns_its_stock(books: Books) -> None:
    receipt = books.create("salesreceipt", {"Line": [books.line("RF-1001", 3, 275)]})
    assert books.qty_on_hand("RF-1001") == 7
    response = books.call("salesreceipt", {"Id": receipt["Id"], "SyncToken": receipt["SyncToken"]}, operation="delete")
    assert response.json()["SalesReceipt"]["status"] == "Deleted" and books.qty_on_hand("RF-1001") == 10


def test_the_control_api_voids_creates_and_deactivates_as_a_bookkeeper_would(books: Books) -> None:
    invoice = books.create("invoice", {"DocNumber": "WEB-7", "Line": [books.line("MUG-1", 2, 10)]})
    voided = post(f"{books.base}/_control/void", account=REALM, entity="Invoice", doc_number="WEB-7")
    assert (voided["id"], voided["TotalAmt"], voided["PrivateNote"]) == (invoice["Id"], 0, "Voided")
    created = post(f"{books.base}/_control/items", account=REALM, sku="NEW-1", name="New thing", qty_on_hand=5)
    assert books.qty_on_hand("NEW-1") == 5 and created["type"] == "Inventory"
    assert post(f"{books.base}/_control/items/active", account=REALM, id=created["id"], active=False)["active"] is False
    state = get(f"{books.base}/_control/state", account=REALM)
    assert next(i for i in state["items"] if i["sku"] == "NEW-1")["active"] is False
