"""An independent check of the WooCommerce emulator: WooCommerce's own Python client
(wc-api-python, OAuth 1.0a over plain HTTP) updates products by POST, lists orders with WordPress
booleans, and reads an order totalled with tax entered in prices."""

from __future__ import annotations

import pytest
from woocommerce import API

from emulators.woocommerce.emulator import emulator_seed
from emulators.woocommerce.state import by_sku, issue_key
from tests.emulators.conftest import post

pytestmark = pytest.mark.django_db(transaction=True)
SITE = "library-site"


@pytest.fixture
def wcapi(emulator_url) -> API:  # type: ignore[no-untyped-def]
    emulator_seed(SITE, [{"sku": "MUG-1", "name": "Mug", "quantity": 10, "price": "12.00"}])
    key = issue_key(SITE)
    return API(url=f"{emulator_url('woocommerce')}/{SITE}", consumer_key=key["consumer_key"],
               consumer_secret=key["consumer_secret"], version="wc/v3", timeout=15)


def test_a_product_is_updated_by_post_as_by_put(wcapi: API) -> None:
    mug = by_sku(SITE, "MUG-1")
    assert mug is not None
    answer = wcapi.post(f"products/{mug['id']}", {"manage_stock": "1", "stock_quantity": 4})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["stock_quantity"], answer.json()["manage_stock"]) == (4, True)
    assert wcapi.put(f"products/{mug['id']}", {"stock_quantity": 6}).json()["stock_quantity"] == 6
    refused = wcapi.post(f"products/{mug['id']}", {"manage_stock": "yes"})
    assert refused.status_code == 400 and refused.json()["code"] == "rest_invalid_param"


def test_boolean_query_values_are_read_as_wordpress_reads_them(wcapi: API, emulator_url) -> None:
    post(f"{emulator_url('woocommerce')}/_control/orders", account=SITE, lines=[{"sku": "MUG-1", "qty": 1}])
    for value in ("true", "TRUE", "1", "false", "0"):
        answer = wcapi.get("orders", params={"dates_are_gmt": value, "modified_after": "2000-01-01T00:00:00"})
        assert answer.status_code == 200 and len(answer.json()) == 1, value
    refused = wcapi.get("orders", params={"dates_are_gmt": "yes"})
    assert refused.status_code == 400
    assert refused.json()["data"]["params"] == {"dates_are_gmt": "dates_are_gmt is not of type boolean."}


def test_the_client_reads_an_order_priced_with_tax_included(wcapi: API, emulator_url) -> None:
    placed = post(f"{emulator_url('woocommerce')}/_control/orders", account=SITE, lines=[{"sku": "MUG-1", "qty": 1}],
                  tax_rate="0.2", prices_include_tax=True)
    order = wcapi.get(f"orders/{placed['id']}").json()
    [line] = order["line_items"]
    assert (line["subtotal"], line["total"], line["total_tax"], order["total"]) == ("10.00", "10.00", "2.00", "12.00")
