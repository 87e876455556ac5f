"""Fault parsing and mapping to RetryableError / PermanentError / ReconnectRequired.

QuickBooks answers errors in three shapes (reference pack sections 1.7, 2.7, 7):
1. JSON with a capitalised `Fault`: {"Fault": {"Error": [{"Message", "Detail", "code", "element"}], "type"}}
   (HTTP 400, sometimes 200, and inside batch items);
2. the lower-case 401 body of the data API: {"fault": {"error": [{"message", "detail", "code"}], "type"}};
3. XML (<IntuitResponse><Fault type=".."><Error code=".."><Message/><Detail/>), seen for throttling
   and old authentication faults even with `Accept: application/json`.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from connector.platforms.base import PermanentError, PlatformError, ReconnectRequired, RetryableError


@dataclass(frozen=True)
class FaultError:
    code: str
    message: str
    detail: str = ""
    element: str = ""


@dataclass(frozen=True)
class Fault:
    type: str
    errors: tuple[FaultError, ...] = field(default_factory=tuple)

    @property
    def codes(self) -> set[str]:
        return {e.code for e in self.errors}

    def text(self) -> str:
        parts = []
        for e in self.errors:
            detail = e.detail if e.detail and e.detail != e.message else ""
            parts.append(f"{e.message}" + (f" ({detail})" if detail else ""))
        return "; ".join(parts)[:500]


def _errors_from(items: Any, lower: bool) -> tuple[FaultError, ...]:
    out = []
    for item in items or []:
        if not isinstance(item, dict):
            continue
        out.append(FaultError(code=str(item.get("code") or ""), message=_field(item, "Message", lower),
                              detail=_field(item, "Detail", lower), element=str(item.get("element") or "")))
    return tuple(out)


def _field(item: dict[str, Any], name: str, lower: bool) -> str:
    value = item.get(name.lower()) if lower else (item.get(name) or item.get(name.lower()))
    return str(value or "")


def fault_from_json(payload: Any) -> Fault | None:
    """The capitalised `Fault` or the lower-case `fault` object of a JSON body, if any."""
    if not isinstance(payload, dict):
        return None
    if isinstance(payload.get("Fault"), dict):
        raw = payload["Fault"]
        return Fault(type=str(raw.get("type") or ""), errors=_errors_from(raw.get("Error"), lower=False))
    if isinstance(payload.get("fault"), dict):
        raw = payload["fault"]
        return Fault(type=str(raw.get("type") or ""), errors=_errors_from(raw.get("error"), lower=True))
    return None


def fault_from_xml(text: str) -> Fault | None:
    if "<!DOCTYPE" in text or "<!ENTITY" in text:  # no entity expansion from a remote body
        return None
    try:
        root = ET.fromstring(text)  # noqa: S314 - DTDs refused above; expat resolves no external entities
    except ET.ParseError:
        return None
    node = root if root.tag.endswith("Fault") else next((n for n in root.iter() if n.tag.endswith("Fault")), None)
    if node is None:
        return None
    errors = []
    for err in (n for n in node.iter() if n.tag.endswith("Error")):
        def child(name: str, err: ET.Element = err) -> str:
            found = next((c for c in err if c.tag.endswith(name)), None)
            return (found.text or "").strip() if found is not None else ""
        errors.append(FaultError(code=err.get("code", ""), message=child("Message"), detail=child("Detail"),
                                 element=err.get("element", "")))
    return Fault(type=node.get("type", ""), errors=tuple(errors))


def fault_from_body(text: str) -> Fault | None:
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return fault_from_xml(stripped)
    try:
        return fault_from_json(json.loads(text))
    except ValueError:
        return None


# Codes (as strings, as QuickBooks sends them) that retrying cannot fix but reconnecting can.
RECONNECT_CODES = {"100", "120", "3100", "3200", "6190"}
THROTTLE_CODES = {"3001", "003001"}
SEVERE_MIN = 10000  # python-quickbooks buckets >= 10000 as severe (server side): retry


def error_for(status: int, fault: Fault | None, *, fallback: str = "", retry_after: float | None = None,
              min_retry_after_429: float = 60.0) -> PlatformError:
    """Map one HTTP status + fault to the error class the sync engine understands."""
    codes = fault.codes if fault else set()
    text = fault.text() if fault and fault.errors else (fallback or f"HTTP {status}")
    code = ",".join(sorted(c for c in codes if c))
    details = [e.__dict__ for e in fault.errors] if fault else None
    throttled = status == 429 or bool(codes & THROTTLE_CODES) or "ThrottleExceeded" in text
    if throttled:
        return RetryableError(f"QuickBooks is throttling requests for this company; waiting at least "
                              f"{min_retry_after_429:.0f} s ({text})", status=status or 429, code=code or "3001",
                              retry_after=max(retry_after or 0.0, min_retry_after_429), details=details)
    if status == 401 or codes & RECONNECT_CODES:
        return ReconnectRequired(f"QuickBooks refused our access to this company ({text}). Connect QuickBooks "
                                 "again.", status=status, code=code, details=details)
    if status == 403:
        return ReconnectRequired(f"QuickBooks denied access ({text}). The user who connected may have lost "
                                 "rights to this company; connect again.", status=status, code=code, details=details)
    if status >= 500 or status in (408, 502, 503, 504) or any(_int(c) >= SEVERE_MIN for c in codes):
        return RetryableError(f"QuickBooks had a temporary problem: {text}", status=status, code=code,
                              retry_after=retry_after, details=details)
    return PermanentError(f"QuickBooks refused the request: {_readable(fault, text)}", status=status, code=code,
                          details=details)


def _int(code: str) -> int:
    try:
        return int(code)
    except ValueError:
        return 0


def _readable(fault: Fault | None, text: str) -> str:
    """Plain words for the faults a bookkeeper meets most (codes from the reference pack, 2.7)."""
    if fault is None:
        return text
    codes = fault.codes
    messages = " ".join(e.message for e in fault.errors)
    if "5010" in codes:
        return f"someone changed this record in QuickBooks at the same time (stale SyncToken). {text}"
    if "6240" in codes:
        return f"the name is already used by another customer, vendor, employee or item. {text}"
    if codes & {"6140", "6210"} or "Duplicate Document Number" in messages:
        return f"the document number is already used in QuickBooks. {text}"
    if "6520" in codes:
        return f"an inventory item line has no quantity. {text}"
    if "610" in codes:
        return f"a referenced record does not exist or is inactive. {text}"
    if codes & {"4000", "4001"}:
        return f"the query was not understood. {text}"
    return text
