"""Typed options of a connection, stored as JSON on ConnectedSystem.options.

One dataclass for every platform keeps the options form generic; fields that make no sense for a
role are simply not shown for it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from django.core.exceptions import ValidationError

DocumentType = Literal["invoice", "sales_receipt"]
MatchField = Literal["sku", "name"]


@dataclass
class ConnectionOptions:
    # store connections
    sync_stock: bool = True
    post_sales: bool = True
    document_type: DocumentType = "invoice"
    order_statuses: list[str] = field(default_factory=list)  # empty: the platform's defaults
    doc_number_prefix: str = ""
    shipping_item_id: str = ""
    discount_item_id: str = ""
    fee_item_id: str = ""
    tax_mapping: dict[str, str] = field(default_factory=dict)  # store tax name or rate -> TaxCode id
    create_missing_items: bool = False
    income_account_id: str = ""
    asset_account_id: str = ""
    expense_account_id: str = ""
    # accounting connections
    match_field: MatchField = "sku"

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ConnectionOptions:
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValidationError(f"Unknown connection options: {', '.join(sorted(unknown))}")
        options = cls(**data)
        options.validate()
        return options

    def validate(self) -> None:
        if self.document_type not in ("invoice", "sales_receipt"):
            raise ValidationError("The QuickBooks document must be an invoice or a sales receipt.")
        if self.match_field not in ("sku", "name"):
            raise ValidationError("QuickBooks items match on their SKU or on their Name.")
        if len(self.doc_number_prefix) > 10:
            raise ValidationError("The document number prefix is at most 10 characters.")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
