"""The job kinds of the connector and the functions that run them (explicit, like the platform
registry). The job ledger (syncjobs) is generic: settings.JOB_REGISTRY names this module.

A handler takes the claimed Job, does one piece of work through services, and returns a short
summary; it raises RetryableError / PermanentError (connector.platforms.base) to say how it failed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.utils import timezone

from connector.models import ConnectedSystem
from connector.services.customers import customers_refresh_job
from connector.services.inbox import delivery_plan_job
from connector.services.lifecycle import compliance_request_job, system_uninstalled_job
from connector.services.matching import products_match_job
from connector.services.periodic import (
    orders_poll_every_store_job,
    rate_limits_prune_job,
    stock_reconcile_every_company_job,
)
from connector.services.products import products_create_missing_job, products_pull_job
from connector.services.sales import order_ingest_job, orders_poll_job, sales_post_job
from connector.services.stock import stock_push_job, stock_reconcile_job, stock_refresh_items_job
from syncjobs.models import Job

JobHandler = Callable[[Job], "str | None"]


def _marks_success(handler: JobHandler) -> JobHandler:
    """"Last successful sync" on the connect page and in the admin: the connection the job was
    for answered."""

    @wraps(handler)
    def run(job: Job) -> str | None:
        summary = handler(job)
        if job.system_id:
            ConnectedSystem.objects.filter(pk=job.system_id).update(last_success_at=timezone.now())
        return summary

    return run


JOB_HANDLERS: dict[str, JobHandler] = {
    "webhook.plan": delivery_plan_job,
    **{kind: _marks_success(handler) for kind, handler in {
        "products.pull": products_pull_job,
        "products.match": products_match_job,
        "products.create_missing": products_create_missing_job,
        "stock.refresh_items": stock_refresh_items_job,
        "stock.push": stock_push_job,
        "stock.reconcile": stock_reconcile_job,
        "orders.poll": orders_poll_job,
        "orders.ingest": order_ingest_job,
        "sales.post": sales_post_job,
        "customers.refresh": customers_refresh_job,
    }.items()},
    "system.uninstalled": system_uninstalled_job,
    "compliance.request": compliance_request_job,
    "stock.reconcile.every_company": stock_reconcile_every_company_job,
    "orders.poll.every_store": orders_poll_every_store_job,
    "rate_limits.prune": rate_limits_prune_job,
}

# Kinds enqueued on a timer (django-q2 schedules): kind -> minutes.
PERIODIC_JOBS: dict[str, int] = {
    "stock.reconcile.every_company": 15,
    "orders.poll.every_store": 5,
    "rate_limits.prune": 10,
}
