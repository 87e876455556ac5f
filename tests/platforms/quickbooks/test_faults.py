"""Every fault shape QuickBooks sends, parsed and mapped to retryable / permanent errors."""

from __future__ import annotations

import pytest
import requests

from connector.platforms.base import PermanentError, ReconnectRequired, RetryableError
from connector.platforms.quickbooks.faults import error_for, fault_from_body
from tests.platforms.quickbooks.conftest import FIXTURES, fixture

pytestmark = pytest.mark.django_db(transaction=True)


def _error(name: str, status: int = 400):  # type: ignore[no-untyped-def]
    return error_for(status, fault_from_body((FIXTURES / name).read_text()))


def test_the_capitalised_fault_is_parsed() -> None:
    fault = fault_from_body((FIXTURES / "fault_not_found.json").read_text())
    assert fault is not None and fault.type == "ValidationFault"
    assert fault.errors[0].code == "610" and fault.errors[0].message == "Object Not Found"


def test_the_lower_case_401_body_asks_for_reconnecting() -> None:
    error = _error("fault_401_expired_token.json", 401)
    assert isinstance(error, ReconnectRequired) and "Token expired" in error.message and error.code == "3200"


def test_the_xml_throttle_fault_waits_at_least_a_minute() -> None:
    error = _error("throttle_429.xml", 429)
    assert isinstance(error, RetryableError) and error.retry_after >= 60 and error.code == "3001"


def test_the_json_throttle_fault_is_retryable_even_with_status_400() -> None:
    error = _error("throttle_429.json", 400)
    assert isinstance(error, RetryableError) and error.retry_after >= 60


@pytest.mark.parametrize(("name", "code", "words"), [
    ("fault_stale_synctoken.json", "5010", "at the same time"),
    ("fault_duplicate_name.json", "6240", "name is already used"),
    ("fault_not_found.json", "610", "does not exist or is inactive"),
    ("fault_inventory_qty_missing.json", "6520", "no quantity"),
    ("fault_query_parse.json", "4000", "query was not understood"),
])
def test_validation_faults_are_permanent_and_readable(name: str, code: str, words: str) -> None:
    error = _error(name)
    assert type(error) is PermanentError and error.code == code and words in error.message


def test_a_severe_system_fault_is_retryable() -> None:
    body = '{"Fault":{"Error":[{"Message":"An application error has occurred","code":"10000"}],"type":"SystemFault"}}'
    assert isinstance(error_for(400, fault_from_body(body)), RetryableError)


def test_an_injected_429_arrives_as_xml_and_becomes_retryable(qbo, qbo_url) -> None:
    requests.post(f"{qbo_url}/_control/faults", json={"error_rate": 1, "statuses": [429], "seed": 1}, timeout=5)
    with pytest.raises(RetryableError, match="throttling") as caught:
        list(qbo.iter_items())
    assert caught.value.retry_after >= 60


def test_an_injected_500_is_retryable(qbo, qbo_url) -> None:
    requests.post(f"{qbo_url}/_control/faults", json={"error_rate": 1, "statuses": [500], "seed": 1}, timeout=5)
    with pytest.raises(RetryableError, match="temporary problem"):
        qbo.preferences()


def test_a_query_parse_error_is_permanent(qbo) -> None:
    with pytest.raises(PermanentError, match="query was not understood") as caught:
        qbo.query("SELECT * FROM Item WHERE Name = 'A' OR Name = 'B'")
    assert caught.value.code == "4000"


def test_a_field_that_cannot_be_queried_is_invalid(qbo) -> None:
    with pytest.raises(PermanentError) as caught:
        qbo.query("SELECT * FROM Item WHERE PrivateNote = 'x'")
    assert caught.value.code == "4001"


def test_reading_a_missing_item_is_object_not_found(qbo) -> None:
    with pytest.raises(PermanentError) as caught:
        qbo.read_item("999999")
    assert caught.value.code == "610"


def test_the_query_envelopes_match_the_reference_samples(qbo) -> None:
    items = qbo.api("GET", "query", params={"query": "SELECT * FROM Item WHERE Sku = 'RF-1001'"})
    sample = fixture("query_response_items.json")
    assert set(items["QueryResponse"]) == set(sample["QueryResponse"])
    assert set(items["QueryResponse"]["Item"][0]) >= set(sample["QueryResponse"]["Item"][0]) - {"PurchaseCost",
                                                                                                 "PurchaseDesc",
                                                                                                 "Description"}
    empty = qbo.api("GET", "query", params={"query": "SELECT * FROM Item WHERE Sku = 'nope'"})
    assert empty["QueryResponse"] == fixture("query_response_empty.json")["QueryResponse"]
    assert qbo.count("Item") == 4


def test_the_emulator_throttles_a_realm_past_its_per_minute_limit(qbo, qbo_url) -> None:
    from tests.platforms.quickbooks.conftest import REALM

    requests.post(f"{qbo_url}/_control/config", json={"account": REALM, "rate_per_minute": 2}, timeout=5)
    qbo.preferences()
    qbo.preferences()
    with pytest.raises(RetryableError, match="throttling") as caught:
        qbo.preferences()
    assert caught.value.retry_after >= 60
    with pytest.raises(RetryableError, match="rate limit"):  # the realm is now paused for every worker
        qbo.preferences()


def test_each_call_is_logged_with_its_intuit_tid_and_without_the_token(qbo, caplog) -> None:
    import logging

    with caplog.at_level(logging.INFO, logger="connector.http"), pytest.raises(PermanentError):
        qbo.read_item("424242")
    line = next(r.getMessage() for r in caplog.records if r.name == "connector.http" and "/item/424242" in r.getMessage())
    assert " 400 " in line and "intuit_tid=" in line
    assert qbo.access_token not in caplog.text
