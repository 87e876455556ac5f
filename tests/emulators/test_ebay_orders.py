"""The eBay emulator's orders priced as getOrders reports them (pricingSummary, appliedPromotions,
eBay Collect and Remit tax added into totals only with fieldGroups=TAX_BREAKDOWN), and an
independent check of its Trading API with ebaysdk."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from ebaysdk.trading import Connection

from emulators.ebay.emulator import emulator_seed
from emulators.ebay.state import issue_user_token, store
from tests.emulators.conftest import get, post

pytestmark = pytest.mark.django_db(transaction=True)
SELLER = "oracle_seller"
SCOPES = " ".join(f"https://api.ebay.com/oauth/api_scope/{s}" for s in ("sell.fulfillment", "sell.inventory"))


@pytest.fixture
def ebay(emulator_url, settings) -> str:  # type: ignore[no-untyped-def]
    settings.EBAY_API_BASE_URL = emulator_url("ebay")
    emulator_seed(SELLER, [{"sku": "MUG-1", "name": "Mug", "quantity": 20, "price": "12.00"},
                           {"sku": "PEN-1", "name": "Pen", "quantity": 20, "price": "3.00"}])
    return emulator_url("ebay")


def fetch(ebay: str, order_id: str, **params: str) -> dict[str, Any]:
    token = issue_user_token(SELLER, SCOPES)["access_token"]
    response = requests.get(f"{ebay}/sell/fulfillment/v1/order/{order_id}", params=params, timeout=15,
                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


def test_an_order_prices_discount_shipping_and_tax_as_ebay_reports_them(ebay: str) -> None:
    placed = post(f"{ebay}/_control/orders", account=SELLER, lines=[{"sku": "MUG-1", "qty": 2}, {"sku": "PEN-1",
                                                                                                   "qty": 2}],
                  discount="3.00", shipping="4.00", tax_rate="0.1")
    order = fetch(ebay, placed["id"], fieldGroups="TAX_BREAKDOWN")
    summary = {k: v["value"] for k, v in order["pricingSummary"].items()}
    # 30.00 of items, a 3.00 discount spread 2.40 / 0.60, tax 10 % of the discounted lines.
    assert summary == {"priceSubtotal": "30.00", "priceDiscount": "-3.00", "deliveryCost": "4.00", "tax": "2.70",
                       "total": "33.70"}
    mug, pen = order["lineItems"]
    assert (mug["lineItemCost"]["value"], mug["discountedLineItemCost"]["value"]) == ("24.00", "21.60")
    assert mug["appliedPromotions"][0]["discountAmount"]["value"] == "2.40"
    assert (mug["total"]["value"], pen["total"]["value"]) == ("27.76", "5.94")  # shipping on the first line
    assert order["ebayCollectAndRemitTax"] is True
    assert order["paymentSummary"]["totalDueSeller"]["value"] == "31.00"


def test_collected_tax_is_in_the_total_only_with_tax_breakdown(ebay: str) -> None:
    placed = post(f"{ebay}/_control/orders", account=SELLER, lines=[{"sku": "MUG-1", "qty": 1}], tax_rate="0.0725")
    plain, broken_down = fetch(ebay, placed["id"]), fetch(ebay, placed["id"], fieldGroups="TAX_BREAKDOWN")
    assert (plain["pricingSummary"]["total"]["value"], broken_down["pricingSummary"]["total"]["value"]) == (
        "12.00", "12.87")
    assert "taxType" not in plain["lineItems"][0]["taxes"][0]
    assert broken_down["lineItems"][0]["taxes"][0]["taxType"] == "STATE_SALES_TAX"
    token = issue_user_token(SELLER, SCOPES)["access_token"]
    refused = requests.get(f"{ebay}/sell/fulfillment/v1/order/{placed['id']}", params={"fieldGroups": "EVERYTHING"},
                           headers={"Authorization": f"Bearer {token}"}, timeout=15)
    assert refused.status_code == 400 and refused.json()["errors"][0]["errorId"] == 32800


def test_what_ebay_has_no_place_for_is_refused(ebay: str) -> None:
    for extra in ({"tip": "2.00"}, {"prices_include_tax": True}, {"tax_rate": "10"}):
        response = requests.post(f"{ebay}/_control/orders", timeout=15,
                                 json={"account": SELLER, "lines": [{"sku": "MUG-1", "qty": 1}], **extra})
        assert response.status_code == 400 and response.json()["error"], extra
    assert store(SELLER).all("orders") == []


def test_state_reports_the_total_the_collected_tax_and_the_status(ebay: str) -> None:
    post(f"{ebay}/_control/orders", account=SELLER, lines=[{"sku": "PEN-1", "qty": 1}], tax_rate="0.1", shipping="1")
    [order] = get(f"{ebay}/_control/state", account=SELLER)["orders"]
    assert (order["total"], order["ebay_collected_tax"], order["total_due_seller"], order["status"]) == (
        "4.30", "0.30", "4.00", "PAID")


def test_ebaysdk_revises_and_reads_stock_through_the_trading_api(ebay: str) -> None:
    address = urlsplit(ebay)
    api = Connection(domain=address.netloc, uri=f"{address.path}/ws/api.dll", config_file=None,
                     appid="AcmeBook-QBConnec-PRD-1a2b3c4d5-6e7f8a9b", devid="dev", certid="cert", siteid="0",
                     iaf_token=issue_user_token(SELLER, SCOPES)["access_token"], compatibility="1193")
    api.config.set("https", False, force=True)  # Trading forces https; the emulator is served over plain HTTP
    selling = api.execute("GetMyeBaySelling", {"ActiveList": {"Include": True, "Pagination": {
        "EntriesPerPage": 200, "PageNumber": 1}}}).dict()
    items = {i["SKU"]: i for i in selling["ActiveList"]["ItemArray"]["Item"]}
    revised = api.execute("ReviseInventoryStatus", {"InventoryStatus": {"ItemID": items["MUG-1"]["ItemID"],
                                                                        "Quantity": 7}}).dict()
    assert revised["Ack"] in ("Success", "Warning")
    assert {p["sku"]: p["quantity"] for p in get(f"{ebay}/_control/state", account=SELLER)["products"]}["MUG-1"] == 7
