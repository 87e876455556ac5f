"""The emulator's control API over HTTP: the store's own writes to its tables."""

from __future__ import annotations

import pytest
import requests

from emulators.opencart.state import EmulatorDatabaseUnavailable, seed
from tests.platforms.opencart.conftest import STORE, by_sku, sql

pytestmark = pytest.mark.django_db(transaction=True)

ADA = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}


@pytest.fixture
def control(emulator_url) -> str:  # type: ignore[no-untyped-def]
    return f"{emulator_url('opencart')}/_control"


def _state(control: str) -> dict:
    response = requests.get(f"{control}/state", params={"account": STORE}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_an_order_lowers_stock_only_where_subtract_is_on(opencart, control) -> None:
    placed = requests.post(f"{control}/orders", timeout=10, json={
        "account": STORE, "customer": ADA, "shipping": "4.50", "tax_rate": "0.2",
        "lines": [{"sku": "MUG-1", "qty": 2}, {"sku": "TS-S", "qty": 1}, {"sku": "TS-M", "qty": 1},
                  {"sku": "WRAP-1", "qty": 1}],
    })
    assert placed.status_code == 200, placed.text
    quantities = {row["sku"]: row["quantity"] for row in _state(control)["products"]}
    # The T-shirt product subtracts for both its options; TS-M's own subtract is off; gift wrap never.
    assert quantities == {"MUG-1": 8, "TSHIRT": 5, "TS-S": 2, "TS-M": 4, "WRAP-1": 0}
    order = opencart.get_order(placed.json()["id"])
    assert [(line.sku, line.quantity) for line in order.lines if line.kind == "product"] == [
        ("MUG-1", 2), ("TS-S", 1), ("TS-M", 1), ("WRAP-1", 1)]
    totals = {row["code"]: str(row["value"]) for row in sql("SELECT code, value FROM `{p}order_total`")}
    assert totals == {"sub_total": "46.0000", "shipping": "4.5000", "tax": "9.2000", "total": "59.7000"}
    assert order.total == sum(line.total + sum(t.amount for t in line.taxes) for line in order.lines)
    [shipping] = [line for line in order.lines if line.kind == "shipping"]
    assert shipping.taxes == ()  # the emulator taxes products only
    assert {t.name for line in order.lines for t in line.taxes} == {"VAT (20%)"}


def test_cancelling_in_the_admin_restocks_and_the_poll_sees_the_order_again(opencart, control) -> None:
    placed = requests.post(f"{control}/orders", timeout=10, json={
        "account": STORE, "customer": ADA, "lines": [{"sku": "MUG-1", "qty": 3}, {"sku": "TS-S", "qty": 1}]})
    placed.raise_for_status()
    [(_, cursor)] = list(opencart.iter_orders_since(""))
    sql("UPDATE `{p}order` SET date_modified = date_modified - INTERVAL 5 SECOND")  # the sale was earlier
    cancelled = requests.post(f"{control}/orders/{placed.json()['id']}/status", timeout=10,
                              json={"account": STORE, "order_status_id": 7})
    assert cancelled.status_code == 200, cancelled.text
    quantities = {row["sku"]: row["quantity"] for row in _state(control)["products"]}
    assert (quantities["MUG-1"], quantities["TS-S"], quantities["TSHIRT"]) == (10, 3, 7)
    [(order, _)] = list(opencart.iter_orders_since(cursor))
    assert (order.status, order.cancelled) == ("Canceled", True)


def test_a_4x_order_also_lowers_the_master_product(opencart_4x, control) -> None:
    requests.post(f"{control}/orders", timeout=10, json={"account": STORE, "customer": ADA,
                                                          "lines": [{"sku": "TS-S", "qty": 2}]}).raise_for_status()
    quantities = {row["sku"]: row["quantity"] for row in _state(control)["products"]}
    assert (quantities["TS-S"], quantities["TSHIRT"]) == (1, 5)
    [(order, _)] = list(opencart_4x.iter_orders_since(""))
    assert [line.sku for line in order.lines] == ["TS-S"]


def test_an_order_held_at_status_zero_changes_no_stock_and_is_not_polled(opencart, control) -> None:
    requests.post(f"{control}/orders", timeout=10, json={"account": STORE, "customer": ADA, "order_status_id": 0,
                                                          "lines": [{"sku": "MUG-1", "qty": 1}]}).raise_for_status()
    assert {r["sku"]: r["quantity"] for r in _state(control)["products"]}["MUG-1"] == 10
    assert list(opencart.iter_orders_since("")) == []


def test_a_stock_edit_sets_the_model_or_option_quantity(opencart, control) -> None:
    for sku in ("MUG-1", "TS-M"):
        response = requests.post(f"{control}/stock", json={"account": STORE, "sku": sku, "quantity": 42}, timeout=10)
        assert response.status_code == 200, response.text
    skus = by_sku(list(opencart.iter_products()))
    assert (skus["MUG-1"].quantity, skus["TS-M"].quantity) == (42, 42)


def test_unknown_accounts_skus_and_unsupported_faults_are_answered_plainly(seeded, control) -> None:
    assert requests.get(f"{control}/state", params={"account": "nope"}, timeout=10).status_code == 400
    response = requests.post(f"{control}/orders", json={"account": STORE, "lines": [{"sku": "NOPE", "qty": 1}]},
                             timeout=10)
    assert response.status_code == 400 and "NOPE" in response.json()["error"]
    faults = requests.post(f"{control}/faults", json={"error_rate": 1.0}, timeout=10)
    assert faults.status_code == 200 and faults.json()["supported"] is False
    assert STORE in requests.get(f"{control}/accounts", timeout=10).json()["accounts"]


def test_without_a_database_seeding_skips_with_the_reason(settings) -> None:
    settings.OPENCART_TEST_DATABASE_URL = "mysql://root@127.0.0.1:1/test"
    with pytest.raises(EmulatorDatabaseUnavailable) as caught:
        seed("no-database", [])
    assert "OPENCART_TEST_DATABASE_URL" in str(caught.value)
