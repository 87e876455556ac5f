"""What every benchmark shares: the result row, timing and memory helpers, a Django set-up."""

from __future__ import annotations

import os
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class BenchResult:
    name: str
    measured: float
    baseline: float
    unit: str = "s"
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.measured / self.baseline if self.baseline else float("inf")


def setup_django(database_url: str | None = None) -> None:
    """Configure Django for a benchmark run (its own database, migrated)."""
    os.environ.setdefault("CONNECTOR_TESTING", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connector.settings")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


@contextmanager
def fresh_database(label: str) -> Iterator[str]:
    """A throw-away database for one benchmark: a new SQLite file, or a new PostgreSQL database."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    old = setup_databases(verbosity=0, interactive=False, keepdb=False, aliases={"default"})
    try:
        yield connection.vendor
    finally:
        teardown_databases(old, verbosity=0)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def peak_memory(fn: Callable[[], Any]) -> tuple[float, int, Any]:
    """(seconds, peak bytes allocated by Python during fn, result)."""
    tracemalloc.start()
    try:
        seconds, value = timed(fn)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return seconds, peak, value
