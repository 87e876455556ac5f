"""Writing stock through the batch endpoints (reference pack 2.4-2.5).

- Simple products (and variable parents holding their variations' stock): `POST products/batch`.
- Variations: `POST products/<parent>/variations/batch`, one call per parent.
- At most 100 objects per call (more -> 413). Every answer is HTTP 200 with one element per item:
  the product as saved, or `{"id", "error": {"code", "message", "data": {"status"}}}`.

We send only `stock_quantity`, never `manage_stock: true`: turning stock management on is the
merchant's decision. WooCommerce silently ignores (and clears) the quantity of an object that does
not manage stock, so each saved object is checked and such an item fails with a plain message.
A variation whose stock is managed by its parent (`manage_stock: "parent"`) is written on the
parent, since that is where WooCommerce keeps the number.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from connector.platforms.base import PermanentError, ReconnectRequired, StockResult, StockUpdate, batched

if TYPE_CHECKING:
    from connector.platforms.woocommerce.client import WooCommerceClient

BATCH_MAX = 100
RETRYABLE_STATUSES = {409, 429, 500, 502, 503, 504}


def _target(update: StockUpdate) -> tuple[str, int]:
    """(batch endpoint, object id) for one update."""
    owner = str(update.extra.get("stock_owner") or "")
    if owner:
        return "products/batch", int(owner)
    if update.parent_id:
        return f"products/{int(update.parent_id)}/variations/batch", int(update.external_id)
    return "products/batch", int(update.external_id)


def set_stock(client: WooCommerceClient, updates: Sequence[StockUpdate]) -> list[StockResult]:
    results: dict[int, StockResult] = {}
    groups: dict[str, list[tuple[int, int, StockUpdate]]] = {}
    for index, update in enumerate(updates):
        try:
            endpoint, object_id = _target(update)
        except (TypeError, ValueError):
            results[index] = StockResult(update.external_id, ok=False,
                                         error="Not a WooCommerce product id; pull the products again.")
            continue
        groups.setdefault(endpoint, []).append((index, object_id, update))
    for endpoint, entries in groups.items():
        for chunk in batched(entries, BATCH_MAX):
            results.update(_send(client, endpoint, list(chunk)))
    return [results[i] for i in range(len(updates))]


def _send(client: WooCommerceClient, endpoint: str, chunk: list[tuple[int, int, StockUpdate]]) -> dict[int, StockResult]:
    body = {"update": [{"id": object_id, "stock_quantity": int(update.quantity)} for _, object_id, update in chunk]}
    try:
        response = client.call("POST", endpoint, json=body)
    except ReconnectRequired:
        raise
    except PermanentError as exc:
        # The whole call was refused (e.g. the variable parent is gone: 404): each item fails with
        # that reason, the other batches go ahead. Retryable errors propagate to retry the job.
        text = f"WooCommerce refused the batch: {exc.message}"
        return {index: StockResult(update.external_id, ok=False, error=text) for index, _, update in chunk}
    try:
        answered = response.json().get("update") or []
    except (ValueError, AttributeError):
        answered = []
    results: dict[int, StockResult] = {}
    for position, (index, object_id, update) in enumerate(chunk):
        element = answered[position] if position < len(answered) else None
        if not isinstance(element, dict) or int(element.get("id") or 0) not in (object_id, 0):
            # Answers come back in request order; anything else is looked up by id.
            element = next((e for e in answered if isinstance(e, dict) and int(e.get("id") or 0) == object_id), None)
        results[index] = _result(update, element)
    return results


def _result(update: StockUpdate, element: dict[str, Any] | None) -> StockResult:
    if element is None:
        return StockResult(update.external_id, ok=False, retryable=True,
                           error="WooCommerce did not report on this item; it will be retried.")
    error = element.get("error")
    if error:
        status = int((error.get("data") or {}).get("status") or 400)
        text = str(error.get("message") or "Refused")
        code = str(error.get("code") or "")
        if code.endswith("_invalid_id"):
            text = f"WooCommerce has no such product any more (deleted?): {text}"
        return StockResult(update.external_id, ok=False, error=f"{text} ({code})" if code else text,
                           retryable=status in RETRYABLE_STATUSES)
    if element.get("manage_stock") is False or element.get("stock_quantity") is None:
        return StockResult(update.external_id, ok=False,
                           error="WooCommerce does not manage stock for this product, so it ignored the "
                                 "quantity. Tick 'Manage stock?' on the product (and enable stock management "
                                 "in WooCommerce settings) to sync it.")
    if int(element["stock_quantity"]) != int(update.quantity):
        return StockResult(update.external_id, ok=False, retryable=True,
                           error=f"WooCommerce saved {element['stock_quantity']} instead of {update.quantity}.")
    return StockResult(update.external_id, ok=True)
