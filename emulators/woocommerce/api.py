"""The REST API v3 subset of the WooCommerce emulator: one view per site that authenticates, then
routes `/wp-json/wc/v3/<route>` like WordPress's REST server (unknown routes -> rest_no_route).

Routes: products, products/<id>, products/batch, products/<id>/variations[/<vid>],
products/<id>/variations/batch, orders, orders/<id>, webhooks, webhooks/<id>. A single object is
updated by POST, PUT or PATCH alike (WP_REST_Server::EDITABLE).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from emulators.faults import with_faults
from emulators.woocommerce import orders as orders
from emulators.woocommerce import products as products
from emulators.woocommerce.http import (
    ParamError,
    authenticate,
    body_json,
    boolean_param,
    collection,
    error_body,
    failures_reset,
    invalid_param,
    no_route,
    ping,
    wp_error,
)
from emulators.woocommerce.state import PLATFORM, stamps, store

TOPICS = {f"{resource}.{event}" for resource in ("coupon", "customer", "order", "product")
          for event in ("created", "updated", "deleted", "restored")} | {"product.published"}

Handler = Callable[..., HttpResponse]


# --------------------------------------------------------------------------- webhooks resource
def _render_hook(hook: dict[str, Any]) -> dict[str, Any]:
    # The secret is write-only; failures_since is the emulator's own bookkeeping.
    return {k: v for k, v in hook.items() if k not in ("secret", "failures_since")}


def webhooks_collection(request: HttpRequest, site: str) -> HttpResponse:
    site_store = store(site)
    if request.method == "GET":
        rows = sorted(site_store.all("webhooks"), key=lambda w: w["id"])
        if request.GET.get("status") and request.GET["status"] != "all":
            rows = [w for w in rows if w.get("status") == request.GET["status"]]
        return collection(request, [_render_hook(w) for w in rows])
    data = body_json(request)
    topic = str(data.get("topic") or "")
    url = str(data.get("delivery_url") or "")
    if topic not in TOPICS and not topic.startswith("action."):
        return wp_error("rest_invalid_param", "Invalid parameter(s): topic", 400, params={"topic": "Webhook topic is invalid."})
    if not url.startswith(("http://", "https://")):
        return wp_error("rest_invalid_param", "Invalid parameter(s): delivery_url", 400,
                        params={"delivery_url": "Webhook delivery URL must be a valid URL starting with http:// or https://."})
    status = str(data.get("status") or "active")
    local, gmt = stamps(site)
    hook_id = site_store.next_id("webhook", start=1)
    resource, _, event = topic.partition(".")
    hook = {"id": hook_id, "name": str(data.get("name") or f"Webhook created on {local}"), "status": status,
            "topic": topic, "resource": resource, "event": event, "hooks": [], "delivery_url": url,
            "secret": str(data.get("secret") or ""), "failure_count": 0, "date_created": local,
            "date_created_gmt": gmt, "date_modified": local, "date_modified_gmt": gmt}
    site_store.put("webhooks", hook_id, hook)
    if status == "active":
        ping(site, hook)  # sent by REST creation too; its answer is ignored
    response = JsonResponse(_render_hook(hook), status=201)
    response["Location"] = request.build_absolute_uri(f"{request.path}/{hook_id}")
    return response


def webhook_item(request: HttpRequest, site: str, hook_id: int) -> HttpResponse:
    site_store = store(site)
    hook = site_store.get("webhooks", hook_id)
    if hook is None:
        return wp_error("woocommerce_rest_webhook_invalid_id", "Invalid ID.", 404)
    if request.method == "DELETE":
        try:
            force = boolean_param(request, "force")
        except ParamError as exc:
            return invalid_param(exc)
        if not force:
            return wp_error("woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.", 501)
        site_store.delete("webhooks", hook_id)
        return JsonResponse(_render_hook(hook))
    if request.method in ("PUT", "PATCH", "POST"):
        data = body_json(request)
        for field in ("name", "status", "delivery_url", "secret", "topic"):
            if field in data:
                hook[field] = data[field]
        if data.get("status") == "active":
            hook["failure_count"], hook["failures_since"] = 0, failures_reset()
        site_store.put("webhooks", hook_id, hook)
    return JsonResponse(_render_hook(hook))


# --------------------------------------------------------------------------- routing
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    ("GET", re.compile(r"^products$"), lambda r, s: products.list_products(r, s)),
    ("POST", re.compile(r"^products/batch$"), lambda r, s: products.batch(r, s)),
    ("GET", re.compile(r"^products/(\d+)$"), lambda r, s, i: products.get_object(s, int(i))),
    ("PUT", re.compile(r"^products/(\d+)$"), lambda r, s, i: products.update_view(r, s, int(i))),
    ("POST", re.compile(r"^products/(\d+)$"), lambda r, s, i: products.update_view(r, s, int(i))),
    ("GET", re.compile(r"^products/(\d+)/variations$"), lambda r, s, p: products.list_variations(r, s, int(p))),
    ("POST", re.compile(r"^products/(\d+)/variations/batch$"), lambda r, s, p: products.batch(r, s, int(p))),
    ("GET", re.compile(r"^products/(\d+)/variations/(\d+)$"),
     lambda r, s, p, v: products.get_object(s, int(v), int(p))),
    ("PUT", re.compile(r"^products/(\d+)/variations/(\d+)$"),
     lambda r, s, p, v: products.update_view(r, s, int(v), int(p))),
    ("POST", re.compile(r"^products/(\d+)/variations/(\d+)$"),
     lambda r, s, p, v: products.update_view(r, s, int(v), int(p))),
    ("GET", re.compile(r"^orders$"), lambda r, s: orders.list_orders(r, s)),
    ("GET", re.compile(r"^orders/(\d+)$"), lambda r, s, i: orders.get_order(s, int(i))),
    ("GET", re.compile(r"^webhooks$"), lambda r, s: webhooks_collection(r, s)),
    ("POST", re.compile(r"^webhooks$"), lambda r, s: webhooks_collection(r, s)),
    ("GET", re.compile(r"^webhooks/(\d+)$"), lambda r, s, i: webhook_item(r, s, int(i))),
    ("PUT", re.compile(r"^webhooks/(\d+)$"), lambda r, s, i: webhook_item(r, s, int(i))),
    ("POST", re.compile(r"^webhooks/(\d+)$"), lambda r, s, i: webhook_item(r, s, int(i))),
    ("DELETE", re.compile(r"^webhooks/(\d+)$"), lambda r, s, i: webhook_item(r, s, int(i))),
]


def _method(request: HttpRequest) -> str:
    """WordPress honours X-HTTP-Method-Override and ?_method= (hosts that block PUT/DELETE)."""
    override = request.headers.get("X-HTTP-Method-Override") or request.GET.get("_method")
    method = (override or request.method or "GET").upper()
    return "PUT" if method == "PATCH" else method


@csrf_exempt
@with_faults(PLATFORM, error_body)
def api(request: HttpRequest, site: str, route: str) -> HttpResponse:
    method = _method(request)
    for verb, pattern, handler in ROUTES:  # noqa: B007 (the matching handler is used below)
        match = pattern.match(route.strip("/"))
        if match and verb == ("GET" if method == "HEAD" else method):
            break
    else:
        return no_route()
    with transaction.atomic():
        site_store = store(site)
        if site_store.exists() and not site_store.config().get("home_url"):
            site_store.ensure_account(home_url=request.build_absolute_uri(request.path).split("/wp-json/")[0])
        _record, refusal = authenticate(request, site)
        if refusal is not None:
            return refusal
        return handler(request, site, *match.groups())
