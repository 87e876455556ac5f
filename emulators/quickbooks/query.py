"""The emulator's query language: the subset the connector uses (reference pack 2.6).

SELECT * | COUNT(*) FROM <Entity> [WHERE c AND c ...] [ORDERBY f [ASC|DESC][, ...]]
[STARTPOSITION n] [MAXRESULTS n]; conditions `=`, `<`, `>`, `<=`, `>=`, `!=`, IN (...), LIKE
('%' only). Strings in '...' with \\' escapes. Errors raise QueryError(code, message, detail)
as QuickBooks words them (4000 parse error, 4001 invalid query).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

QUERYABLE: dict[str, set[str]] = {
    "Item": {"Id", "Name", "Sku", "Type", "Active", "MetaData.LastUpdatedTime", "MetaData.CreateTime",
             "FullyQualifiedName"},
    "Customer": {"Id", "DisplayName", "GivenName", "FamilyName", "CompanyName", "Active", "PrimaryEmailAddr",
                 "MetaData.LastUpdatedTime", "MetaData.CreateTime"},
    "Invoice": {"Id", "DocNumber", "TxnDate", "CustomerRef", "MetaData.LastUpdatedTime", "MetaData.CreateTime",
                "TotalAmt"},
    "SalesReceipt": {"Id", "DocNumber", "TxnDate", "CustomerRef", "MetaData.LastUpdatedTime",
                     "MetaData.CreateTime", "TotalAmt"},
    "TaxCode": {"Id", "Name", "Active"},
    "Account": {"Id", "Name", "AccountType", "AccountSubType", "Active", "Classification"},
}
NAME_LISTS = {"Item", "Customer", "Account"}  # inactive rows hidden unless Active is filtered
TOKEN = re.compile(r"\s*(?:(?P<str>'(?:\\.|[^'\\])*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op><=|>=|!=|<>|=|<|>)|"
                   r"(?P<punct>[(),*])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))")


class QueryError(Exception):
    def __init__(self, code: str, message: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.message, self.detail = code, message, detail


@dataclass
class Query:
    entity: str
    count: bool = False
    conditions: list[tuple[str, str, Any]] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)
    start: int = 1
    max_results: int = 100


def tokenize(text: str) -> list[tuple[str, str, int]]:
    out, pos = [], 0
    text = text.rstrip().rstrip(";")
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if not match or match.end() == pos:
            if text[pos:].strip() == "":
                break
            raise _parse_error(text[pos:pos + 10], pos)
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind), match.start(kind) + 1))
        pos = match.end()
    return out


def _parse_error(found: str, column: int) -> QueryError:
    return QueryError("4000", "Error parsing query",
                      f"QueryParserError: Encountered \" <IDENTIFIER> \"{found} \"\" at line 1, column {column}.")


def _literal(kind: str, value: str) -> Any:
    if kind == "str":
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    if kind == "num":
        return float(value)
    if kind == "word" and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise _parse_error(value, 0)


def parse(text: str) -> Query:
    tokens = tokenize(text)
    pos = 0

    def peek(offset: int = 0) -> tuple[str, str, int]:
        return tokens[pos + offset] if pos + offset < len(tokens) else ("eof", "", len(text))

    def take(expected: str | None = None) -> tuple[str, str, int]:
        nonlocal pos
        token = peek()
        if token[0] == "eof" or (expected and token[1].upper() != expected):
            raise _parse_error(token[1], token[2])
        pos += 1
        return token

    take("SELECT")
    count = False
    if peek()[1] == "*":
        take()
    elif peek()[1].upper() == "COUNT":
        take(), take("("), take("*"), take(")")
        count = True
    else:
        raise _parse_error(peek()[1], peek()[2])
    take("FROM")
    raw_entity = take()[1]
    entity = next((e for e in QUERYABLE if e.lower() == raw_entity.lower()), None)
    if entity is None:
        raise QueryError("4001", "Invalid query", f"QueryValidationError: Unknown entity '{raw_entity}'")
    query = Query(entity=entity, count=count)
    if peek()[1].upper() == "WHERE":
        take()
        while True:
            field_name = _field(entity, take()[1])
            op = peek()
            if op[0] == "op":
                take()
                kind, value, _ = take()
                query.conditions.append((field_name, "!=" if op[1] == "<>" else op[1], _literal(kind, value)))
            elif op[1].upper() == "IN":
                take(), take("(")
                values = []
                while True:
                    kind, value, _ = take()
                    values.append(_literal(kind, value))
                    if peek()[1] == ",":
                        take()
                        continue
                    take(")")
                    break
                query.conditions.append((field_name, "IN", values))
            elif op[1].upper() == "LIKE":
                take()
                kind, value, _ = take()
                query.conditions.append((field_name, "LIKE", _literal(kind, value)))
            else:
                raise _parse_error(op[1], op[2])
            if peek()[1].upper() != "AND":
                break
            take()
    if peek()[1].upper() in ("ORDERBY", "ORDER"):
        if take()[1].upper() == "ORDER":
            take("BY")
        while True:
            name = _field(entity, take()[1], check=False)
            descending = False
            if peek()[1].upper() in ("ASC", "DESC"):
                descending = take()[1].upper() == "DESC"
            query.order.append((name, descending))
            if peek()[1] != ",":
                break
            take()
    while peek()[1].upper() in ("STARTPOSITION", "MAXRESULTS"):
        word = take()[1].upper()
        number = int(float(take()[1]))
        if word == "STARTPOSITION":
            query.start = max(1, number)
        else:
            query.max_results = max(0, min(number, 1000))
    if peek()[0] != "eof":
        raise _parse_error(peek()[1], peek()[2])
    return query


def _field(entity: str, name: str, check: bool = True) -> str:
    for known in QUERYABLE[entity]:
        if known.lower() == name.lower():
            return known
    if check:
        raise QueryError("4001", "Invalid query", f"QueryValidationError: property '{name}' is not queryable")
    return name


def value_of(row: dict[str, Any], name: str) -> Any:
    current: Any = row
    for part in name.split("."):
        current = current.get(part) if isinstance(current, dict) else None
    if isinstance(current, dict):  # references and e-mail addresses compare by their value
        current = current.get("value", current.get("Address"))
    return current


def _comparable(value: Any, other: Any) -> tuple[Any, Any]:
    if isinstance(other, bool) or isinstance(value, bool):
        return bool(value), bool(other)
    if isinstance(other, float):
        try:
            return float(value), other
        except (TypeError, ValueError):
            return str(value), str(other)
    left, right = str(value if value is not None else ""), str(other)
    try:
        return datetime.fromisoformat(left), datetime.fromisoformat(right)
    except ValueError:
        return left.lower(), right.lower()


def matches(row: dict[str, Any], condition: tuple[str, str, Any]) -> bool:
    name, op, expected = condition
    value = value_of(row, name)
    if op == "IN":
        return any(_equal(value, e) for e in expected)
    if op == "LIKE":
        pattern = "^" + ".*".join(re.escape(part) for part in str(expected).split("%")) + "$"
        return re.match(pattern, str(value or ""), re.IGNORECASE) is not None
    if op == "=":
        return _equal(value, expected)
    if op == "!=":
        return not _equal(value, expected)
    if value is None:
        return False
    left, right = _comparable(value, expected)
    try:
        return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]
    except TypeError:
        return False


def _equal(value: Any, expected: Any) -> bool:
    if value is None and isinstance(expected, bool):
        return expected is True  # an absent `Active` means active
    left, right = _comparable(value, expected)
    return left == right


def sort_key(name: str) -> Any:
    def key(row: dict[str, Any]) -> Any:
        value = value_of(row, name)
        if isinstance(value, str) and value.isdigit():
            return (0, int(value), "")
        return (1, 0, str(value or "").lower())
    return key


def execute(query: Query, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The QueryResponse object for these rows (all rows of the entity)."""
    active_filtered = any(c[0] == "Active" for c in query.conditions)
    if query.entity in NAME_LISTS and not active_filtered:
        rows = [r for r in rows if r.get("Active", True)]
    rows = [r for r in rows if all(matches(r, c) for c in query.conditions)]
    if query.count:
        return {"totalCount": len(rows)}
    for name, descending in reversed(query.order or [("Id", False)]):
        rows.sort(key=sort_key(name), reverse=descending)
    page = rows[query.start - 1:query.start - 1 + query.max_results]
    if not page:
        return {}
    return {query.entity: page, "startPosition": query.start, "maxResults": len(page)}
