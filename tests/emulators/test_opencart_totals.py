"""The OpenCart emulator's order_total rows as OpenCart's checkout writes them: sub_total,
shipping (taxed with a tax class), coupon before tax taking its tax back out, one tax row per
rate, total; and what OpenCart has no place for refused."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from emulators.opencart.emulator import emulator_seed
from tests.emulators.conftest import get, post

pytestmark = pytest.mark.django_db(transaction=True)
STORE = "oc-oracle-store"


@pytest.fixture
def control(emulator_url) -> str:  # type: ignore[no-untyped-def]
    emulator_seed(STORE, [{"sku": "MUG-1", "name": "Mug", "quantity": 20, "price": "12.0000"},
                          {"sku": "PEN-1", "name": "Pen", "quantity": 20, "price": "3.3300"}])
    return f"{emulator_url('opencart')}/_control"


def placed(control: str, **body: Any) -> dict[str, Any]:
    order_id = post(f"{control}/orders", account=STORE, **body)["id"]
    return next(o for o in get(f"{control}/state", account=STORE)["orders"] if o["id"] == order_id)


def rows(order: dict[str, Any]) -> list[tuple[str, str]]:
    return [(r["code"], r["value"]) for r in order["totals"]]


def test_tax_per_rate_on_products_and_taxable_shipping(control: str) -> None:
    order = placed(control, lines=[{"sku": "PEN-1", "qty": 3}], tax_rate="0.2", shipping="5", shipping_taxable=True)
    # 3 x 3.33 = 9.99; tax 3 x 0.666 + 1.00 on shipping, unrounded (4 places kept).
    assert rows(order) == [("sub_total", "9.9900"), ("shipping", "5.0000"), ("tax", "2.9980"), ("total", "17.9880")]
    assert (order["total"], order["status"]) == ("17.9880", "Pending")


def test_a_fixed_coupon_is_spread_over_products_and_takes_its_tax_back(control: str) -> None:
    order = placed(control, lines=[{"sku": "MUG-1", "qty": 1}, {"sku": "PEN-1", "qty": 3}], tax_rate="0.1",
                   coupon={"code": "SAVE", "amount": "4.00"})
    # 21.99 of products, 4.00 off (before tax): tax 10 % of 17.99.
    assert rows(order) == [("sub_total", "21.9900"), ("coupon", "-4.0000"), ("tax", "1.7990"), ("total", "19.7890")]
    assert order["totals"][1]["title"] == "Coupon (SAVE)"


def test_a_percent_coupon(control: str) -> None:
    order = placed(control, lines=[{"sku": "MUG-1", "qty": 2}], coupon={"code": "TEN", "amount": "10", "type": "P"})
    assert rows(order) == [("sub_total", "24.0000"), ("coupon", "-2.4000"), ("total", "21.6000")]


def test_what_opencart_has_no_place_for_is_refused(control: str) -> None:
    for extra in ({"prices_include_tax": True}, {"tip": "1"}, {"coupon": {"code": "X", "amount": "1", "type": "Z"}}):
        response = requests.post(f"{control}/orders", timeout=15,
                                 json={"account": STORE, "lines": [{"sku": "MUG-1", "qty": 1}], **extra})
        assert response.status_code == 400 and response.json()["error"], extra
    assert get(f"{control}/state", account=STORE)["orders"] == []
