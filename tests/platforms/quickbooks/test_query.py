"""Query quoting (client) and the emulator's parser agree, including awkward names."""

from __future__ import annotations

import pytest

from connector.platforms.quickbooks import query as q
from emulators.quickbooks import query as qp

ROWS = [
    {"Id": "1", "Name": "Dan O'Brien", "Sku": "A-1", "Active": True, "MetaData": {"LastUpdatedTime": "2025-03-01T10:00:00-08:00"}},
    {"Id": "2", "Name": "Back\\slash", "Sku": "B-2", "Active": True, "MetaData": {"LastUpdatedTime": "2025-03-02T10:00:00-08:00"}},
    {"Id": "10", "Name": "Gift Wrap", "Sku": "GW-01", "Active": False, "MetaData": {"LastUpdatedTime": "2025-03-03T10:00:00-08:00"}},
]


def run(statement: str) -> dict:  # type: ignore[type-arg]
    return qp.execute(qp.parse(statement), [dict(r) for r in ROWS])


@pytest.mark.parametrize("name", ["Dan O'Brien", "Back\\slash"])
def test_a_quoted_name_round_trips_through_the_parser(name: str) -> None:
    result = run(q.select("Item", [f"Name = {q.quote(name)}"]))
    assert [r["Name"] for r in result["Item"]] == [name]


def test_in_like_and_and_combine() -> None:
    result = run(f"SELECT * FROM Item WHERE Id IN {q.in_list(['1', '2', '10'])} AND Sku LIKE 'A%'")
    assert [r["Id"] for r in result["Item"]] == ["1"]


def test_inactive_rows_are_hidden_unless_active_is_filtered() -> None:
    assert [r["Id"] for r in run("SELECT * FROM Item")["Item"]] == ["1", "2"]
    assert [r["Id"] for r in run("SELECT * FROM Item WHERE Active IN (true, false)")["Item"]] == ["1", "2", "10"]


def test_orderby_startposition_and_maxresults_page_the_rows() -> None:
    result = run("SELECT * FROM Item WHERE Active IN (true, false) ORDERBY Id DESC STARTPOSITION 2 MAXRESULTS 1")
    assert result == {"Item": [ROWS[1]], "startPosition": 2, "maxResults": 1}


def test_dates_compare_as_times_and_count_counts() -> None:
    assert run("SELECT COUNT(*) FROM Item WHERE MetaData.LastUpdatedTime > '2025-03-01T18:30:00Z'") == {"totalCount": 1}


def test_maxresults_is_capped_at_a_thousand() -> None:
    assert qp.parse("SELECT * FROM Item MAXRESULTS 5000").max_results == 1000
    assert q.select("Item", max_results=5000).endswith("MAXRESULTS 1000")


@pytest.mark.parametrize(("statement", "code"), [
    ("SELECT * FROM Item WHERE Name = 'a' OR Name = 'b'", "4000"),
    ("SELECT Name FROM Item", "4000"),
    ("SELECT * FROM Item WHERE Name = 'unterminated", "4000"),
    ("SELECT * FROM Item WHERE Description = 'x'", "4001"),
    ("SELECT * FROM Vendor", "4001"),
])
def test_unsupported_statements_fail_with_intuits_codes(statement: str, code: str) -> None:
    with pytest.raises(qp.QueryError) as caught:
        qp.parse(statement)
    assert caught.value.code == code
