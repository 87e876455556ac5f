"""Job kinds and the functions that run them (explicit, like the platform registry).

A handler takes the claimed Job, does one piece of work through services, and returns a short
summary. It raises RetryableError / PermanentError (connector.platforms.base) to say how it failed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from syncjobs.models import Job

JobHandler = Callable[["Job"], "str | None"]

JOB_HANDLERS: dict[str, str] = {
    "noop": "syncjobs.jobs:noop",
    "webhook.plan": "connector.services.inbox:delivery_plan_job",
    "products.pull": "connector.services.products:products_pull_job",
    "products.match": "connector.services.matching:products_match_job",
    "products.create_missing": "connector.services.products:products_create_missing_job",
    "stock.refresh_items": "connector.services.stock:stock_refresh_items_job",
    "stock.push": "connector.services.stock:stock_push_job",
    "stock.reconcile": "connector.services.stock:stock_reconcile_job",
    "orders.poll": "connector.services.sales:orders_poll_job",
    "orders.ingest": "connector.services.sales:order_ingest_job",
    "sales.post": "connector.services.sales:sales_post_job",
    "customers.refresh": "connector.services.customers:customers_refresh_job",
    "system.uninstalled": "connector.services.lifecycle:system_uninstalled_job",
    "compliance.request": "connector.services.lifecycle:compliance_request_job",
}

# Work that every active system of a role needs on a timer: kind -> (role, minutes).
PERIODIC_JOBS: dict[str, tuple[str, int]] = {
    "stock.reconcile": ("accounting", 15),
    "orders.poll": ("store", 5),
}


def is_known(kind: str) -> bool:
    return kind in JOB_HANDLERS or kind in settings.JOB_EXTRA_HANDLERS


@cache
def handler_for(kind: str) -> JobHandler:
    dotted = JOB_HANDLERS.get(kind) or settings.JOB_EXTRA_HANDLERS[kind]
    module, _, name = dotted.partition(":")
    return getattr(import_module(module), name)
