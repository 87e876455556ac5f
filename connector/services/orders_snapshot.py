"""An ExternalOrder as JSON on SalesDocument.snapshot["order"], and back.

The post job works from this copy, not from the store: a retry posts exactly what was ingested,
and posting needs no store call. Decimals travel as strings so no amount is rounded by a float.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from connector.platforms.base import ExternalCustomer, ExternalOrder, OrderLine, TaxLine


def _tax_json(tax: TaxLine) -> dict[str, str]:
    return {"name": tax.name, "rate": str(tax.rate), "amount": str(tax.amount)}


def _line_json(line: OrderLine) -> dict[str, Any]:
    return {"kind": line.kind, "name": line.name, "quantity": str(line.quantity), "unit_price": str(line.unit_price),
            "total": str(line.total), "sku": line.sku, "external_product_id": line.external_product_id,
            "code": line.code, "taxes": [_tax_json(t) for t in line.taxes]}


def order_to_json(order: ExternalOrder) -> dict[str, Any]:
    customer = order.customer
    return {
        "external_id": order.external_id, "number": order.number, "status": order.status,
        "created_at": order.created_at.isoformat(), "updated_at": order.updated_at.isoformat(),
        "currency": order.currency, "total": str(order.total), "taxes_included": order.taxes_included,
        "cancelled": order.cancelled, "financial_status": order.financial_status,
        "unrecognised": list(order.unrecognised),
        "customer": {"first_name": customer.first_name, "last_name": customer.last_name, "email": customer.email,
                     "company": customer.company, "external_id": customer.external_id,
                     "email_masked": customer.email_masked},
        "lines": [_line_json(line) for line in order.lines],
    }


def order_from_json(data: dict[str, Any]) -> ExternalOrder:
    customer = data.get("customer") or {}
    return ExternalOrder(
        external_id=str(data["external_id"]), number=str(data.get("number") or ""), status=str(data.get("status") or ""),
        created_at=datetime.fromisoformat(data["created_at"]), updated_at=datetime.fromisoformat(data["updated_at"]),
        currency=str(data.get("currency") or ""),
        customer=ExternalCustomer(
            first_name=str(customer.get("first_name") or ""), last_name=str(customer.get("last_name") or ""),
            email=str(customer.get("email") or ""), company=str(customer.get("company") or ""),
            external_id=str(customer.get("external_id") or ""), email_masked=bool(customer.get("email_masked"))),
        lines=tuple(
            OrderLine(kind=line["kind"], name=str(line.get("name") or ""), quantity=Decimal(line["quantity"]),
                      unit_price=Decimal(line["unit_price"]), total=Decimal(line["total"]),
                      sku=str(line.get("sku") or ""), external_product_id=str(line.get("external_product_id") or ""),
                      code=str(line.get("code") or ""),
                      taxes=tuple(TaxLine(name=str(t.get("name") or ""), rate=Decimal(t["rate"]),
                                          amount=Decimal(t["amount"])) for t in line.get("taxes") or []))
            for line in data.get("lines") or []),
        total=Decimal(str(data.get("total") or "0")), taxes_included=bool(data.get("taxes_included")),
        cancelled=bool(data.get("cancelled")), financial_status=str(data.get("financial_status") or ""),
        unrecognised=tuple(str(u) for u in data.get("unrecognised") or ()),
    )
