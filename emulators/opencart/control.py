"""Control API of the OpenCart emulator (same shape as every store platform; no auth: demo and
tests only): GET accounts, GET state, POST orders, POST stock, POST faults, plus
POST orders/<id>/status (OpenCart-only extra: a status change made in the admin, e.g. cancelling).

Faults cannot be injected into a database server, so `faults` answers 200 with
`"supported": false` and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from emulators.control import ControlError, control_view, json_body, known_account
from emulators.opencart import state as state_db
from emulators.store import EmulatorStore


def _account(value: Any) -> str:
    return known_account(value, lambda account: state_db.store(account).exists(), "OpenCart account")


_errors = control_view(unavailable=(state_db.EmulatorDatabaseUnavailable,))


@_errors
def accounts(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"accounts": EmulatorStore.accounts(state_db.PLATFORM)})


@_errors
def state(request: HttpRequest) -> HttpResponse:
    account = _account(request.GET.get("account"))
    return JsonResponse({"products": state_db.products(account), "orders": state_db.orders(account)})


@_errors
def orders(request: HttpRequest) -> HttpResponse:
    """Body: {"account", "lines": [{"sku", "qty"}], "customer": {"first_name", "last_name", "email",
    "company"}, optional "shipping", "shipping_taxable", "tax_rate" (a fraction), "coupon" {"code",
    "amount", "type": "F" | "P"} or "discount" (an F coupon), "order_status_id" (default 1
    Pending), "currency", "currency_value", "totals": [{"code", "title", "value", "sort_order"}]}.
    order_total rows are computed as OpenCart's checkout writes them (emulators/opencart/totals.py);
    prices_include_tax and tip have no OpenCart counterpart and are refused."""
    if request.method != "POST":
        return HttpResponse(status=405)
    data = json_body(request)
    account = _account(data.get("account"))
    lines = data.get("lines") or []
    if not isinstance(lines, list) or not lines:
        raise ControlError("An order needs at least one line")
    extras = {k: data[k] for k in ("tax_rate", "shipping", "shipping_taxable", "coupon", "discount", "discount_code",
                                   "prices_include_tax", "tip", "order_status_id", "currency", "currency_value",
                                   "totals") if k in data}
    order_id = state_db.place_order(account, lines, data.get("customer") or None, extras)
    return JsonResponse({"id": str(order_id), "number": str(order_id)})


@_errors
def status(request: HttpRequest, order_id: int) -> HttpResponse:
    """Body: {"account", "order_status_id"} (7 = Canceled restocks a Pending order's items)."""
    if request.method != "POST":
        return HttpResponse(status=405)
    data = json_body(request)
    try:
        status_id = int(data["order_status_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ControlError("order_status_id must be an integer") from exc
    return JsonResponse(state_db.change_status(_account(data.get("account")), order_id, status_id))


@_errors
def stock(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    data = json_body(request)
    account = _account(data.get("account"))
    try:
        quantity = int(data["quantity"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ControlError("quantity must be an integer") from exc
    return JsonResponse(state_db.set_quantity(account, str(data.get("sku") or ""), quantity))


@_errors
def faults(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    json_body(request)
    return JsonResponse({"supported": False, "note": "OpenCart is reached through its database; "
                         "faults cannot be injected into MariaDB. Nothing was changed."})
