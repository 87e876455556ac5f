"""The business faults of the emulated company, and references checked as QuickBooks checks them."""

from __future__ import annotations

from typing import Any

from emulators.quickbooks.state import store

# The Detail QuickBooks gives for a reference to an inactive (or missing) name-list entry: item,
# customer, account. Exact text of the reference pack's fault_not_found.json.
INACTIVE_DETAIL = ("Object Not Found : Something you're trying to use has been made inactive. Check the fields with "
                   "accounts, customers, items, vendors or employees.")


class ApiFault(Exception):
    def __init__(self, code: str, detail: str = "", element: str = "") -> None:
        super().__init__(detail or code)
        self.code, self.detail, self.element = code, detail, element


def inactive_fault() -> ApiFault:
    return ApiFault("610", INACTIVE_DETAIL, "")


def active_reference(realm: str, entity: str, ref: Any) -> dict[str, Any]:
    """The entity a reference names, if it exists and is active; else QuickBooks' 610."""
    ident = str((ref or {}).get("value") or "") if isinstance(ref, dict) else ""
    if not ident:
        raise ApiFault("2020", f"Required param missing, need to supply the required value for the API. Required "
                               f"parameter {entity}Ref is missing in the request", f"{entity}Ref")
    row = store(realm).get(entity, ident)
    if row is None or not row.get("Active", True):
        raise inactive_fault()
    return row
