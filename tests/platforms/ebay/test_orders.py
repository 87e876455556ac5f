"""Orders: the pack's getOrders sample mapped, masked or missing buyers, and the polling cursor
over real HTTP (200 per page, `next` followed, ties on lastModifiedDate neither skipped nor
repeated)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import islice

import pytest
import requests

from connector.platforms.base import PermanentError, ReconnectRequired
from connector.platforms.ebay.client import make_cursor, parse_cursor
from connector.platforms.ebay.mapping import customer, order_from_fulfillment
from emulators.ebay.state import ebay_time, store
from tests.platforms.ebay.conftest import SELLER, CallLog, fixture

pytestmark = pytest.mark.django_db(transaction=True)

ADA = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}


def sample_order() -> dict:
    return fixture("get_orders_response.json")["orders"][0]


def place(ebay_url: str, lines: list[dict], **extra) -> str:  # type: ignore[no-untyped-def]
    response = requests.post(f"{ebay_url}/_control/orders", json={"account": SELLER, "lines": lines, **extra},
                             timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["id"]


# --------------------------------------------------------------------------- mapping (pack sample)
def test_the_sample_order_maps_to_lines_shipping_and_the_sellers_total() -> None:
    order = order_from_fulfillment(sample_order())
    assert (order.external_id, order.number, order.status, order.currency) == ("12-34567-89012", "1042", "PAID", "USD")
    assert order.created_at == datetime(2025, 3, 2, 14, 5, 11, tzinfo=UTC)
    assert order.updated_at == datetime(2025, 3, 2, 14, 7, 40, tzinfo=UTC)
    [product, shipping] = order.lines
    assert (product.kind, product.sku, product.quantity, product.unit_price, product.total) == (
        "product", "WIDGET-BLUE-01", Decimal("2"), Decimal("19.99"), Decimal("39.98"))
    assert product.external_product_id == "110551234567"
    assert product.taxes == (), "tax eBay collects and remits is not the seller's to book"
    assert (shipping.kind, shipping.total) == ("shipping", Decimal("5.00"))
    assert order.total == Decimal("44.98")  # 48.58 paid by the buyer - 3.60 remitted by eBay
    assert not order.cancelled


def test_the_sample_buyer_keeps_name_and_email() -> None:
    buyer = customer(sample_order())
    assert (buyer.first_name, buyer.last_name, buyer.email, buyer.email_masked) == (
        "Jane", "Doe", "jane.doe@example.com", False)
    assert buyer.external_id == "example_buyer"


@pytest.mark.parametrize("email", [None, "", "Invalid Request", "5f2a1b9c8d@members.ebay.com", "j***@example.com"])
def test_a_withheld_or_aliased_email_is_masked_and_the_name_remains(email) -> None:  # type: ignore[no-untyped-def]
    order = sample_order()
    for contact in (order["buyer"]["buyerRegistrationAddress"],
                    order["fulfillmentStartInstructions"][0]["shippingStep"]["shipTo"]):
        if email is None:
            contact.pop("email")
        else:
            contact["email"] = email
    buyer = customer(order)
    assert buyer.email == "" and buyer.email_masked
    assert buyer.full_name == "Jane Doe"


def test_a_buyer_with_neither_name_nor_email_is_named_by_username() -> None:
    order = sample_order()
    order["buyer"]["buyerRegistrationAddress"] = {}
    order["fulfillmentStartInstructions"] = []
    buyer = customer(order)
    assert (buyer.full_name, buyer.email, buyer.email_masked) == ("example_buyer", "", True)


def test_the_ship_to_email_is_used_when_the_registration_one_is_withheld() -> None:
    order = sample_order()
    order["buyer"]["buyerRegistrationAddress"].pop("email")
    assert customer(order).email == "jane.doe@example.com"


# --------------------------------------------------------------------------- over HTTP
def test_an_order_is_found_with_its_variation_and_not_twice(ebay, ebay_url) -> None:
    order_id = place(ebay_url, [{"sku": "MUG-1", "qty": 2}, {"sku": "TS-S", "qty": 1}], customer=ADA,
                     shipping="4.50", tax_rate="0.1")
    [(order, cursor)] = list(ebay.iter_orders_since(""))
    assert order.external_id == order_id
    lines = {line.sku: line for line in order.lines if line.kind == "product"}
    assert lines["TS-S"].external_product_id.endswith(":TS-S")
    assert lines["MUG-1"].quantity == 2 and lines["MUG-1"].total == Decimal("20.00")
    assert (order.customer.email, order.customer.last_name) == ("ada@example.com", "Lovelace")
    assert order.total == Decimal("34.50")  # 30.00 + 4.50 shipping; 3.00 tax remitted by eBay
    assert list(ebay.iter_orders_since(cursor)) == []
    assert ebay.get_order(order_id).number == order.number


def test_a_masked_buyer_comes_through_with_email_masked(ebay, ebay_url) -> None:
    place(ebay_url, [{"sku": "MUG-1", "qty": 1}], customer=ADA, email_visibility="alias")
    place(ebay_url, [{"sku": "MUG-1", "qty": 1}], customer=ADA, email_visibility="missing")
    orders = [order for order, _ in ebay.iter_orders_since("")]
    assert [(o.customer.email, o.customer.email_masked, o.customer.full_name) for o in orders] == [
        ("", True, "Ada Lovelace"), ("", True, "Ada Lovelace")]


def test_ebay_stops_showing_the_email_after_fourteen_days(ebay, ebay_url) -> None:
    order_id = place(ebay_url, [{"sku": "MUG-1", "qty": 1}], customer=ADA)
    seller = store(SELLER)
    raw = seller.get("orders", order_id)
    seller.put("orders", order_id, {**raw, "creationDate": ebay_time(datetime.now(UTC) - timedelta(days=20))})
    order = ebay.get_order(order_id)
    assert order.customer.email == "" and order.customer.email_masked and order.customer.last_name == "Lovelace"


def test_orders_modified_in_the_same_millisecond_are_neither_skipped_nor_repeated(ebay, ebay_url) -> None:
    ids = [place(ebay_url, [{"sku": "MUG-1", "qty": 1}]) for _ in range(3)]
    same = ebay_time(datetime.now(UTC) - timedelta(minutes=5))
    for order_id in ids:
        requests.post(f"{ebay_url}/_control/orders/{order_id}/touch", json={"account": SELLER, "last_modified": same},
                      timeout=10).raise_for_status()
    [(first, cursor)] = list(islice(ebay.iter_orders_since(""), 1))  # the job stopped after one order
    rest = [order.external_id for order, _ in ebay.iter_orders_since(cursor)]
    assert [first.external_id, *rest] == sorted(ids)
    *_, (_, last_cursor) = ebay.iter_orders_since(cursor)
    assert list(ebay.iter_orders_since(last_cursor)) == []
    touched = requests.post(f"{ebay_url}/_control/orders/{ids[0]}/touch", json={"account": SELLER}, timeout=10)
    assert [o.external_id for o, _ in ebay.iter_orders_since(last_cursor)] == [touched.json()["id"]]


def test_pages_are_followed_with_the_filter_encoded(ebay, ebay_url) -> None:
    for _ in range(5):
        place(ebay_url, [{"sku": "MUG-1", "qty": 1}])
    ebay.orders_page_size = 2
    log = CallLog(ebay)
    assert len(list(ebay.iter_orders_since(""))) == 5
    assert len(log.named("sell/fulfillment/v1/order")) == 3


def test_the_emulator_refuses_more_than_200_per_page_and_bad_filters(ebay, ebay_url) -> None:
    headers = {"Authorization": f"Bearer {ebay.access_token}"}
    url = f"{ebay_url}/sell/fulfillment/v1/order"
    too_many = requests.get(f"{url}?limit=201", headers=headers, timeout=10)
    assert too_many.status_code == 400 and too_many.json()["errors"][0]["errorId"] == 31100
    bad_date = requests.get(f"{url}?filter=lastmodifieddate:%5B2025-03-02..%5D", headers=headers, timeout=10)
    assert bad_date.json()["errors"][0]["errorId"] == 30810
    bad_name = requests.get(f"{url}?filter=sellerid:%5Bx..%5D", headers=headers, timeout=10)
    assert bad_name.json()["errors"][0]["errorId"] == 30700
    with pytest.raises(PermanentError, match="31100"):
        ebay.orders_page_size = 500
        list(ebay.iter_orders_since(""))


def test_an_unknown_order_is_a_permanent_error(ebay) -> None:
    with pytest.raises(PermanentError, match="Invalid order ID"):
        ebay.get_order("99-99999-99999")


def test_a_token_eBay_no_longer_knows_asks_for_reconnecting(ebay) -> None:
    from connector.models import ConnectedSystem

    ConnectedSystem.objects.filter(pk=ebay.system.pk).update(credentials={"access_token": "v^1.1#forged"})
    ebay.system.credentials = {"access_token": "v^1.1#forged"}
    with pytest.raises(ReconnectRequired):
        ebay.get_order("12-00001-07919")


def test_cursors_round_trip() -> None:
    when = datetime(2025, 3, 2, 14, 7, 40, 123000, tzinfo=UTC)
    assert parse_cursor(make_cursor(when, "12-34567-89012")) == (when, "12-34567-89012")
    with pytest.raises(PermanentError):
        parse_cursor("yesterday|1")
