"""Products and variations in the WooCommerce emulator: rendering, filters, updates and batches
(reference pack 2.1-2.5)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from emulators.woocommerce.http import (
    ParamError,
    body_json,
    collection,
    invalid_param,
    webhooks_deliver,
    wp_boolean,
    wp_error,
)
from emulators.woocommerce.state import (
    all_products,
    all_variations,
    find_object,
    put_product,
    store,
    touch,
)


# --------------------------------------------------------------------------- rendering
def render(site: str, record: dict[str, Any], *, as_product: bool = False) -> dict[str, Any]:
    """A stored record as the API shows it. A variation whose parent manages the stock reports
    `manage_stock: "parent"` and the parent's quantity. Variations rendered by the variations
    endpoint have no `name` / `type` (as in the docs' sample); by the products endpoint (SKU
    search, product.updated webhooks) they do."""
    out = dict(record)
    home = str(store(site).config().get("home_url") or f"https://{site}").rstrip("/")
    if record.get("type") == "variation":
        parent = store(site).get("products", record["parent_id"]) or {}
        if record.get("manage_stock") is not True and parent.get("manage_stock") is True:
            out["manage_stock"] = "parent"
            out["stock_quantity"] = parent.get("stock_quantity")
            out["stock_status"] = parent.get("stock_status", out.get("stock_status"))
        if as_product:
            options = ", ".join(str(a.get("option")) for a in record.get("attributes") or [])
            out["name"] = f"{parent.get('name', '')} - {options}" if options else parent.get("name", "")
        else:
            out.pop("name", None)
            out.pop("type", None)
        out["_links"] = {"self": [{"href": f"{home}/wp-json/wc/v3/products/{record['parent_id']}/variations/{record['id']}"}],
                         "collection": [{"href": f"{home}/wp-json/wc/v3/products/{record['parent_id']}/variations"}],
                         "up": [{"href": f"{home}/wp-json/wc/v3/products/{record['parent_id']}"}]}
    else:
        out["_links"] = {"self": [{"href": f"{home}/wp-json/wc/v3/products/{record['id']}"}],
                         "collection": [{"href": f"{home}/wp-json/wc/v3/products"}]}
    return out


# --------------------------------------------------------------------------- listing
def _sort(rows: list[dict[str, Any]], request: HttpRequest) -> list[dict[str, Any]]:
    orderby = request.GET.get("orderby", "date")
    descending = request.GET.get("order", "desc").lower() != "asc"
    if orderby == "id":
        return sorted(rows, key=lambda r: r["id"], reverse=descending)
    if orderby == "title":
        return sorted(rows, key=lambda r: (str(r.get("name") or ""), r["id"]), reverse=descending)
    if orderby in ("date", "modified"):
        field = "date_created_gmt" if orderby == "date" else "date_modified_gmt"
        return sorted(rows, key=lambda r: (r.get(field) or "", r["id"]), reverse=descending)
    raise ParamError("orderby", "orderby is not one of date, id, include, title, slug, price, popularity, and rating.")


def list_products(request: HttpRequest, site: str) -> HttpResponse:
    params = request.GET
    sku = params.get("sku", "")
    if sku:
        # An exact match (or any of a comma list), over products *and* variations.
        wanted = {s for s in sku.split(",") if s} | {sku}
        rows = [r for r in [*all_products(site), *all_variations(site)] if r.get("sku") in wanted]
    else:
        rows = all_products(site)
    if params.get("type"):
        rows = [r for r in rows if r.get("type") == params["type"]]
    status = params.get("status", "any")
    if status != "any":
        rows = [r for r in rows if r.get("status") == status]
    if params.get("stock_status"):
        rows = [r for r in rows if r.get("stock_status") == params["stock_status"]]
    if params.get("include"):
        wanted_ids = {int(i) for i in params["include"].split(",") if i.strip().isdigit()}
        rows = [r for r in rows if r["id"] in wanted_ids]
    try:
        return collection(request, [render(site, r, as_product=True) for r in _sort(rows, request)])
    except ParamError as exc:
        return invalid_param(exc)


def list_variations(request: HttpRequest, site: str, parent_id: int) -> HttpResponse:
    parent = store(site).get("products", parent_id)
    if parent is None:
        return wp_error("woocommerce_rest_product_invalid_id", "Invalid ID.", 404)
    rows = [r for r in all_variations(site) if r["parent_id"] == parent_id]
    try:
        # Variations default to menu order, which follows creation here.
        rows = sorted(rows, key=lambda r: r["id"]) if "orderby" not in request.GET else _sort(rows, request)
        return collection(request, [render(site, r) for r in rows])
    except ParamError as exc:
        return invalid_param(exc)


def get_object(site: str, object_id: int, parent_id: int | None = None) -> HttpResponse:
    record = find_object(site, object_id)
    variation_route = parent_id is not None
    if record is None or (variation_route and record.get("parent_id") != parent_id):
        code = "woocommerce_rest_product_variation_invalid_id" if variation_route else "woocommerce_rest_product_invalid_id"
        return wp_error(code, "Invalid ID.", 404)
    return JsonResponse(render(site, record, as_product=not variation_route))


# --------------------------------------------------------------------------- updates
class ItemError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status

    def element(self, object_id: Any) -> dict[str, Any]:
        return {"id": object_id, "error": {"code": self.code, "message": self.message, "data": {"status": self.status}}}


def update_object(site: str, object_id: Any, data: dict[str, Any], *, parent_id: int | None = None) -> dict[str, Any]:
    """Apply a partial update as the v2/v3 controllers do, save, fire product.updated. Returns the
    rendered object; raises ItemError."""
    variation_route = parent_id is not None
    invalid = "woocommerce_rest_product_variation_invalid_id" if variation_route else "woocommerce_rest_product_invalid_id"
    try:
        number = int(object_id)
    except (TypeError, ValueError) as exc:
        raise ItemError(invalid, "Invalid ID.") from exc
    record = find_object(site, number)
    if record is None or (variation_route and (record.get("type") != "variation" or record.get("parent_id") != parent_id)):
        raise ItemError(invalid, "Invalid ID.")
    if not variation_route and record.get("type") == "variation":
        raise ItemError(invalid, "Invalid ID.")  # the products endpoint does not save variations
    config = store(site).config()
    if "sku" in data:
        sku = str(data["sku"] or "")
        if sku and any(o.get("sku") == sku and o["id"] != number for o in [*all_products(site), *all_variations(site)]):
            raise ItemError("product_invalid_sku", "Invalid or duplicated SKU.")
        record["sku"] = sku
    for field in ("name", "regular_price", "status"):
        if field in data and not (field == "name" and record.get("type") == "variation"):
            record[field] = data[field]
    if "regular_price" in data:
        record["price"] = data["regular_price"]
    if "manage_stock" in data and record.get("type") not in ("grouped", "external"):
        # "parent" (what a variation reports) maps to false when sent back.
        if data["manage_stock"] == "parent":
            record["manage_stock"] = False
        else:
            try:
                record["manage_stock"] = wp_boolean(data["manage_stock"], "manage_stock")
            except ParamError as exc:
                raise ItemError("rest_invalid_param", f"Invalid parameter(s): manage_stock ({exc.text})") from exc
    managed = record.get("manage_stock") is True and bool(config.get("manage_stock", True))
    if "stock_quantity" in data:
        if managed and data["stock_quantity"] is not None:
            try:
                record["stock_quantity"] = int(data["stock_quantity"])
            except (TypeError, ValueError) as exc:
                raise ItemError("rest_invalid_param", "Invalid parameter(s): stock_quantity") from exc
        else:
            record["stock_quantity"] = None  # ignored and cleared unless stock is managed
    elif "inventory_delta" in data and managed:
        record["stock_quantity"] = int(record.get("stock_quantity") or 0) + int(data["inventory_delta"])
    if not managed:
        record["stock_quantity"] = None
    if "stock_status" in data and not managed and record.get("type") != "variable":
        record["stock_status"] = str(data["stock_status"])
    touch(site, record)
    put_product(site, record)
    rendered = render(site, record, as_product=True)
    webhooks_deliver(site, "product.updated", rendered, resource_id=number)
    return render(site, record, as_product=not variation_route)


def batch(request: HttpRequest, site: str, parent_id: int | None = None) -> HttpResponse:
    """`{create, update, delete}` -> HTTP 200 with per-item results for the keys sent. Only
    updates are implemented (the connector never creates or deletes); create / delete items get
    a per-item error so a client still sees one answer per item."""
    if parent_id is not None and store(site).get("products", parent_id) is None:
        return wp_error("woocommerce_rest_product_invalid_id", "Invalid ID.", 404)
    data = body_json(request)
    limit = int(store(site).config().get("batch_limit", 100))
    count = sum(len(data.get(k) or []) for k in ("create", "update", "delete"))
    if count > limit:
        return wp_error("woocommerce_rest_request_entity_too_large",
                        f"Unable to accept more than {limit} items for this request.", 413)
    answer: dict[str, list[dict[str, Any]]] = {}
    if "create" in data:
        answer["create"] = [ItemError("woocommerce_rest_product_not_created", "Creating products is not emulated.",
                                      500).element(0) for _ in data.get("create") or []]
    if "update" in data:
        answer["update"] = []
        for item in data.get("update") or []:
            item = item if isinstance(item, dict) else {}
            try:
                answer["update"].append(update_object(site, item.get("id"), item, parent_id=parent_id))
            except ItemError as exc:
                answer["update"].append(exc.element(item.get("id") or 0))
    if "delete" in data:
        answer["delete"] = [ItemError("woocommerce_rest_cannot_delete", "Deleting products is not emulated.",
                                      500).element(i) for i in data.get("delete") or []]
    return JsonResponse(answer)


def update_view(request: HttpRequest, site: str, object_id: int, parent_id: int | None = None) -> HttpResponse:
    try:
        return JsonResponse(update_object(site, object_id, body_json(request), parent_id=parent_id))
    except ItemError as exc:
        return wp_error(exc.code, exc.message, exc.status)
