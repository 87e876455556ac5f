"""The emulator's control API: exactly the shapes the demo and acceptance checks rely on."""

from __future__ import annotations

import pytest
import requests

from emulators.quickbooks.emulator import emulator_seed
from tests.platforms.quickbooks.conftest import REALM

pytestmark = pytest.mark.django_db(transaction=True)


def test_accounts_lists_every_seeded_realm(realm, qbo_url) -> None:
    emulator_seed("1234567890", [])
    assert requests.get(f"{qbo_url}/_control/accounts", timeout=5).json() == {"accounts": [REALM, "1234567890"]}


def test_state_has_the_documented_shape(qbo, qbo_url) -> None:
    customer = qbo.create_customer(display_name="State Buyer", given_name="", family_name="", email="s@example.com",
                                   company="", request_id="state-c")
    fountain = next(p for p in qbo.iter_items() if p.sku == "RF-1001")
    qbo.create_document(doc_type="sales_receipt", request_id="state-sr", body={
        "DocNumber": "SR-1", "CustomerRef": {"value": customer.id},
        "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 550,
                  "SalesItemLineDetail": {"ItemRef": {"value": fountain.external_id}, "Qty": 2, "UnitPrice": 275}}]})
    state = requests.get(f"{qbo_url}/_control/state", params={"account": REALM}, timeout=5).json()
    assert set(state) == {"items", "invoices", "sales_receipts", "customers"}
    item = next(i for i in state["items"] if i["sku"] == "RF-1001")
    assert item == {"id": fountain.external_id, "sku": "RF-1001", "name": "Rock Fountain", "type": "Inventory",
                    "qty_on_hand": 8, "sync_token": "1", "active": True}
    assert state["customers"] == [{"id": customer.id, "display_name": "State Buyer", "email": "s@example.com"}]
    assert state["invoices"] == []
    receipt = state["sales_receipts"][0]
    assert receipt["doc_number"] == "SR-1" and receipt["customer_id"] == customer.id and receipt["total"] == 550
    assert receipt["lines"] == [{"item_id": fountain.external_id, "qty": 2, "amount": 550}]
    assert (receipt["TotalAmt"], receipt["TotalTax"], receipt["DocNumber"], receipt["status"]) == (550, 0, "SR-1",
                                                                                                  "active")
    assert [line["DetailType"] for line in receipt["Line"]] == ["SalesItemLineDetail", "SubTotalLineDetail"]


def test_adjust_sets_the_quantity_and_bumps_the_sync_token(qbo, qbo_url) -> None:
    answer = requests.post(f"{qbo_url}/_control/adjust", json={"account": REALM, "sku": "PUMP-1", "qty_on_hand": 12},
                           timeout=5).json()
    pump = next(p for p in qbo.iter_items() if p.sku == "PUMP-1")
    assert (pump.quantity, pump.version) == (12, "1") and answer["sync_token"] == "1"


def test_adjust_of_an_unknown_sku_is_a_404(realm, qbo_url) -> None:
    response = requests.post(f"{qbo_url}/_control/adjust", json={"account": REALM, "sku": "NOPE", "qty_on_hand": 1},
                             timeout=5)
    assert response.status_code == 404


def test_faults_can_be_turned_on_and_off(qbo, qbo_url) -> None:
    on = requests.post(f"{qbo_url}/_control/faults", json={"error_rate": 0.2, "statuses": [500, 429], "latency_ms": 0,
                                                           "seed": 1}, timeout=5).json()
    assert on["error_rate"] == 0.2 and on["statuses"] == [500, 429]
    requests.post(f"{qbo_url}/_control/faults", json={"error_rate": 0}, timeout=5)
    assert len(list(qbo.iter_items())) == 4


def test_the_emulated_entities_carry_the_reference_sample_fields(qbo) -> None:
    from tests.platforms.quickbooks.conftest import fixture

    item = qbo.api("GET", f"item/{next(p for p in qbo.iter_items() if p.sku == 'RF-1001').external_id}")
    assert set(fixture("item_inventory.json")["Item"]) - set(item["Item"]) <= {"PurchaseCost", "PurchaseDesc",
                                                                                 "Description"}
    prefs = qbo.api("GET", "preferences")
    assert set(fixture("preferences_excerpt.json")["Preferences"]) == set(prefs["Preferences"])
    info = qbo.company_info()
    assert set(fixture("companyinfo_excerpt.json")["CompanyInfo"]) == set(info)
    assert {t["Id"] for t in qbo.tax_codes()} == {"TAX", "NON"}
    assert {"79", "80", "81"} <= {a["Id"] for a in qbo.accounts()}
