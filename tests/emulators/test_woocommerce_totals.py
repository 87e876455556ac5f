"""The WooCommerce emulator's orders totalled as WooCommerce's checkout totals them (WC_Cart_Totals,
WC_Tax, WC_Discounts): prices entered with or without tax, coupons before tax, shipping, fees."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from emulators.woocommerce.emulator import emulator_seed
from emulators.woocommerce.state import store
from tests.emulators.conftest import get, post

pytestmark = pytest.mark.django_db(transaction=True)
SITE = "totals-site"
CATALOGUE = [{"sku": "MUG-1", "name": "Mug", "quantity": 50, "price": "12.00"},
             {"sku": "TS-S", "name": "T-shirt", "quantity": 50, "price": "10.00"},
             {"sku": "PEN-1", "name": "Pen", "quantity": 50, "price": "3.33"},
             {"sku": "CARD-1", "name": "Card", "quantity": 50, "price": "9.99"}]


@pytest.fixture
def site(emulator_url) -> str:  # type: ignore[no-untyped-def]
    emulator_seed(SITE, CATALOGUE)
    return emulator_url("woocommerce")


def order(site: str, lines: list[tuple[str, int]], **extras: Any) -> dict[str, Any]:
    placed = post(f"{site}/_control/orders", account=SITE, lines=[{"sku": s, "qty": q} for s, q in lines], **extras)
    return store(SITE).get("orders", int(placed["id"])) or {}


def money(line: dict[str, Any]) -> tuple[str, str, str, str]:
    return line["subtotal"], line["subtotal_tax"], line["total"], line["total_tax"]


def test_prices_entered_with_tax_have_the_tax_taken_out_of_each_line(site: str) -> None:
    placed = order(site, [("MUG-1", 1)], tax_rate="0.2", prices_include_tax=True)
    assert money(placed["line_items"][0]) == ("10.00", "2.00", "10.00", "2.00")
    assert (placed["total"], placed["cart_tax"], placed["total_tax"], placed["prices_include_tax"]) == (
        "12.00", "2.00", "2.00", True)
    assert placed["line_items"][0]["taxes"] == [{"id": 1, "total": "2", "subtotal": "2"}]


def test_an_inclusive_price_keeps_its_gross_to_the_cent(site: str) -> None:
    """9.99 with 20 % inside: 8.325 net, 1.665 tax rounded half down (prices include tax), and the
    order still totals 9.99 (WooCommerce's own example of why it works from the gross)."""
    placed = order(site, [("CARD-1", 1)], tax_rate="0.2", prices_include_tax=True)
    assert money(placed["line_items"][0]) == ("8.33", "1.66", "8.33", "1.66")
    assert placed["line_items"][0]["taxes"][0]["total"] == "1.665"
    assert placed["total"] == "9.99"


def test_prices_entered_without_tax_have_it_added_and_rounded_half_up(site: str) -> None:
    placed = order(site, [("PEN-1", 3)], tax_rate="0.075")
    assert money(placed["line_items"][0]) == ("9.99", "0.75", "9.99", "0.75")
    assert (placed["total"], placed["prices_include_tax"]) == ("10.74", False)


def test_a_fixed_cart_coupon_applies_before_tax_largest_line_first(site: str) -> None:
    placed = order(site, [("MUG-1", 2), ("TS-S", 1)], tax_rate="0.1", coupon={"code": "FIVE", "amount": "5.00"})
    mug, shirt = placed["line_items"]
    # 5.00 over 3 units: 1.66 each, then the last 2 cents one by one from the dearest line.
    assert (mug["subtotal"], mug["total"], mug["total_tax"]) == ("24.00", "20.66", "2.07")
    assert (shirt["subtotal"], shirt["total"], shirt["total_tax"]) == ("10.00", "8.34", "0.83")
    assert placed["coupon_lines"][0] | {"id": 0} == {"id": 0, "code": "FIVE", "discount": "5.00",
                                                      "discount_tax": "0.50", "meta_data": []}
    assert (placed["discount_total"], placed["discount_tax"], placed["cart_tax"], placed["total"]) == (
        "5.00", "0.50", "2.90", "31.90")


def test_a_coupon_on_prices_with_tax_comes_off_the_gross(site: str) -> None:
    placed = order(site, [("MUG-1", 1)], tax_rate="0.2", prices_include_tax=True, discount="2.40")
    assert money(placed["line_items"][0]) == ("10.00", "2.00", "8.00", "1.60")
    assert (placed["discount_total"], placed["discount_tax"], placed["total"]) == ("2.00", "0.40", "9.60")


def test_a_percent_coupon_floors_each_line_then_gives_the_remainder(site: str) -> None:
    placed = order(site, [("PEN-1", 3)], coupon={"code": "TEN", "amount": "10", "type": "percent"})
    assert (placed["line_items"][0]["total"], placed["discount_total"], placed["total"]) == ("8.99", "1.00", "8.99")


def test_taxable_shipping_and_a_tip(site: str) -> None:
    placed = order(site, [("MUG-1", 1)], tax_rate="0.1", shipping="5.00", shipping_taxable=True, tip="3.00")
    assert (placed["shipping_total"], placed["shipping_tax"], placed["cart_tax"], placed["total_tax"]) == (
        "5.00", "0.50", "1.20", "1.70")
    assert [(f["name"], f["total"], f["total_tax"]) for f in placed["fee_lines"]] == [("Tip", "3.00", "0.00")]
    assert placed["total"] == "21.70"
    assert placed["tax_lines"][0]["tax_total"] == "1.20" and placed["tax_lines"][0]["shipping_tax_total"] == "0.50"


def test_state_reports_each_orders_total_and_status(site: str) -> None:
    placed = post(f"{site}/_control/orders", account=SITE, lines=[{"sku": "MUG-1", "qty": 1}], tax_rate="0.2",
                  prices_include_tax=True)
    post(f"{site}/_control/orders/{placed['id']}/status", account=SITE, status="cancelled")
    [reported] = get(f"{site}/_control/state", account=SITE)["orders"]
    assert (reported["total"], reported["status"], reported["total_tax"], reported["prices_include_tax"]) == (
        "12.00", "cancelled", "2.00", True)


def test_bad_money_is_refused_and_nothing_is_stored(site: str) -> None:
    for extra in ({"tax_rate": "7.5"}, {"coupon": {"code": "X", "amount": "5", "type": "bogus"}}, {"tip": "-1"}):
        response = requests.post(f"{site}/_control/orders", timeout=15,
                                 json={"account": SITE, "lines": [{"sku": "MUG-1", "qty": 1}], **extra})
        assert response.status_code == 400, extra
    assert store(SITE).all("orders") == []
