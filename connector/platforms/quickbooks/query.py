"""QuickBooks query language helpers: quoting, escaping and paging.

Reference: developer.intuit.com .../learn/explore-the-quickbooks-online-api/data-queries (v3,
minorversion 75). Strings are quoted with `'`; a `'` inside is escaped as `\\'` (backslashes are
escaped first so a value can never close the literal); the whole statement is URL-encoded by the
HTTP layer. No OR, no projections; at most 1000 rows per page and STARTPOSITION is 1-based.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

MAX_RESULTS = 1000  # hard maximum per page (default is 100 when MAXRESULTS is omitted)
IN_CHUNK = 200  # ids per `Id IN (...)`: keeps the statement well under URL length limits


def quote(value: object) -> str:
    """A query literal: strings quoted and escaped, booleans and numbers bare."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def in_list(values: Iterable[object]) -> str:
    return "(" + ", ".join(quote(v) for v in values) + ")"


def where(conditions: Sequence[str]) -> str:
    return (" WHERE " + " AND ".join(conditions)) if conditions else ""


def select(entity: str, conditions: Sequence[str] = (), *, order_by: str = "", start: int = 1,
           max_results: int = MAX_RESULTS) -> str:
    """`SELECT * FROM <entity> [WHERE ...] [ORDERBY ...] STARTPOSITION n MAXRESULTS m`."""
    statement = f"SELECT * FROM {entity}{where(conditions)}"
    if order_by:
        statement += f" ORDERBY {order_by}"
    return f"{statement} STARTPOSITION {int(start)} MAXRESULTS {min(int(max_results), MAX_RESULTS)}"


def count(entity: str, conditions: Sequence[str] = ()) -> str:
    return f"SELECT COUNT(*) FROM {entity}{where(conditions)}"


def like_prefix(value: str) -> str:
    """`LIKE 'abc%'` (only `%` is supported as a wildcard)."""
    return quote(value.replace("%", "") + "%")
