"""The emulator's control API (the shapes the demo and the shared contract rely on) and its
error envelopes."""

from __future__ import annotations

import pytest
import requests

from connector.platforms.base import ReconnectRequired, RetryableError
from tests.platforms.ebay.conftest import SELLER, fixture

pytestmark = pytest.mark.django_db(transaction=True)


def state(ebay_url: str) -> dict:
    return requests.get(f"{ebay_url}/_control/state", params={"account": SELLER}, timeout=10).json()


def test_it_lists_the_sellers_but_not_the_app_record(seeded, ebay_url) -> None:
    from emulators.ebay.state import app_store

    app_store()
    assert requests.get(f"{ebay_url}/_control/accounts", timeout=10).json() == {"accounts": [SELLER]}


def test_state_shows_the_custom_label_as_sku_one_row_per_sellable_thing(seeded, ebay_url) -> None:
    rows = {row["sku"]: row for row in state(ebay_url)["products"]}
    assert set(rows) == {"MUG-1", "TS-S", "TS-M", "", "AUCTION-1", "WIDGET-BLUE-01"}
    assert set(rows["TS-S"]) == {"id", "parent_id", "sku", "name", "tracks_stock", "quantity"}
    assert rows["TS-S"]["parent_id"] == rows["TS-M"]["parent_id"] and rows["TS-S"]["name"] == "T-shirt - Small"
    assert rows["AUCTION-1"]["tracks_stock"] is False
    assert rows["WIDGET-BLUE-01"]["id"] == "inventory:WIDGET-BLUE-01"


def test_an_order_lowers_the_available_quantity_of_each_world(seeded, ebay_url) -> None:
    placed = requests.post(f"{ebay_url}/_control/orders", timeout=10, json={
        "account": SELLER, "lines": [{"sku": "TS-S", "qty": 2}, {"sku": "WIDGET-BLUE-01", "qty": 5}],
        "customer": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}}).json()
    assert set(placed) == {"id", "number"}
    current = state(ebay_url)
    [order] = current["orders"]
    assert {k: order[k] for k in ("id", "number", "email", "lines")} == {
        "id": placed["id"], "number": placed["number"], "email": "ada@example.com",
        "lines": [{"sku": "TS-S", "qty": 2}, {"sku": "WIDGET-BLUE-01", "qty": 5}]}
    assert (order["total"], order["ebay_collected_tax"], order["status"]) == ("70.00", "0.00", "PAID")
    quantities = {row["sku"]: row["quantity"] for row in current["products"]}
    assert (quantities["TS-S"], quantities["WIDGET-BLUE-01"]) == (1, 7)


def test_unknown_skus_sellers_and_overselling_are_refused(seeded, ebay_url) -> None:
    for body in ({"account": SELLER, "lines": [{"sku": "NOPE", "qty": 1}]},
                 {"account": "nobody", "lines": [{"sku": "MUG-1", "qty": 1}]},
                 {"account": SELLER, "lines": [{"sku": "TS-M", "qty": 1}]}):
        response = requests.post(f"{ebay_url}/_control/orders", json=body, timeout=10)
        assert response.status_code == 400 and response.json()["error"]


def test_a_stock_edit_sets_the_available_quantity(seeded, ebay_url) -> None:
    for sku in ("MUG-1", "TS-M", "WIDGET-BLUE-01"):
        response = requests.post(f"{ebay_url}/_control/stock", json={"account": SELLER, "sku": sku, "quantity": 5},
                                 timeout=10)
        assert response.status_code == 200 and response.json()["quantity"] == 5
    quantities = {row["sku"]: row["quantity"] for row in state(ebay_url)["products"]}
    assert quantities["MUG-1"] == quantities["TS-M"] == quantities["WIDGET-BLUE-01"] == 5


def test_faults_use_the_shared_shape_and_surface_as_retryable(ebay, ebay_url) -> None:
    answer = requests.post(f"{ebay_url}/_control/faults", json={"error_rate": 1.0, "statuses": [429], "seed": 7},
                           timeout=10).json()
    assert answer == {"error_rate": 1.0, "statuses": [429], "latency_ms": 0, "seed": 7, "webhook_drop_rate": 0.0}
    try:
        with pytest.raises(RetryableError) as caught:
            list(ebay.iter_orders_since(""))
        assert caught.value.status == 429 and caught.value.retry_after and caught.value.retry_after >= 2
        requests.post(f"{ebay_url}/_control/faults", json={"error_rate": 1.0, "statuses": [503]}, timeout=10)
        with pytest.raises(RetryableError):
            list(ebay.iter_products())
    finally:
        requests.post(f"{ebay_url}/_control/faults", json={"error_rate": 0}, timeout=10)


def test_rest_calls_without_a_valid_token_get_ebays_401_body(seeded, ebay_url) -> None:
    response = requests.get(f"{ebay_url}/sell/inventory/v1/inventory_item", timeout=10,
                            headers={"Authorization": "Bearer v^1.1#nonsense"})
    assert response.status_code == 401 and response.json() == {"errors": [
        {k: v for k, v in fixture("error.json")["errors"][0].items()}]}


def test_a_trading_call_without_a_token_fails_inside_http_200(seeded, ebay_url) -> None:
    from connector.platforms.ebay import trading

    response = requests.post(f"{ebay_url}/ws/api.dll", data=trading.get_my_ebay_selling_request(1), timeout=10,
                             headers={"X-EBAY-API-CALL-NAME": "GetMyeBaySelling",
                                      "X-EBAY-API-COMPATIBILITY-LEVEL": "1349", "X-EBAY-API-SITEID": "0"})
    root = trading.parse(response.content)
    assert response.status_code == 200 and trading.ack(root) == "Failure"
    assert trading.errors(root)[0].code == "931"


def test_a_seller_whose_token_was_revoked_must_reconnect(ebay) -> None:
    from emulators.ebay.state import store

    for record in store(SELLER).all("refresh_tokens"):
        store(SELLER).delete("refresh_tokens", record["token"])
    for record in store(SELLER).all("tokens"):
        store(SELLER).delete("tokens", record["token"])
    with pytest.raises(ReconnectRequired):
        list(ebay.iter_products())
