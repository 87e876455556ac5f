"""Which function runs each job kind. The ledger is generic: the application names its registry
module in settings.JOB_REGISTRY (JOB_HANDLERS: kind -> function; PERIODIC_JOBS: kind -> minutes),
the way Django names its URLconf. The ledger's own kinds are added here."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.utils.module_loading import import_string

from syncjobs.jobs import noop

if TYPE_CHECKING:
    from syncjobs.models import Job

JobHandler = Callable[["Job"], "str | None"]


@cache
def job_handlers() -> dict[str, JobHandler]:
    handlers: dict[str, JobHandler] = {"noop": noop}
    handlers.update(import_module(settings.JOB_REGISTRY).JOB_HANDLERS)
    return handlers


def periodic_jobs() -> dict[str, int]:
    return dict(import_module(settings.JOB_REGISTRY).PERIODIC_JOBS)


def is_known(kind: str) -> bool:
    return kind in job_handlers() or kind in settings.JOB_EXTRA_HANDLERS


def handler_for(kind: str) -> JobHandler:
    if kind in job_handlers():
        return job_handlers()[kind]
    # Test-only handlers (settings.JOB_EXTRA_HANDLERS, read when CONNECTOR_TESTING is on): "module:function".
    return cast(JobHandler, import_string(settings.JOB_EXTRA_HANDLERS[kind].replace(":", ".")))
