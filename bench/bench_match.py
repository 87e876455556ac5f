"""Initial pull and match: BENCH_MATCH_ITEMS (default 50,000) QuickBooks items and as many Shopify
variants, through the emulators over HTTP, versus only fetching the same pages over HTTP.

The emulators run in their own gunicorn processes on their own database (tests/reliability/
stack.py), so wall time, peak memory (tracemalloc) and database queries measured here are the
connector's alone. The emulated shop gets Shopify Plus's GraphQL restore rate (1000 points/s):
at the standard 100 points/s the cost bucket, not the code, would set the pace of both runs.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import BenchResult, fresh_database, timed

ITEMS = int(os.environ.get("BENCH_MATCH_ITEMS", "50000"))
REALM = "4620816365099999"
SHOP = "bench-match.myshopify.com"
VERIFIER = "bench-engine-verifier"
SHOPIFY_SECRET = "bench-engine-shopify-secret"


# --------------------------------------------------------------------------- shared with the other engine benches
@contextmanager
def emulator_stack(database_url: str = "", **env: str) -> Iterator[Any]:
    """gunicorn serving the emulators (and the connector) on a throw-away database (SQLite unless
    a PostgreSQL URL is given: a fresh database is created on that server)."""
    from tests.reliability.stack import Stack

    with tempfile.TemporaryDirectory(prefix="bench-engine-") as workdir:
        stack = Stack(Path(workdir), database_url=database_url, QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN=VERIFIER, SHOPIFY_CLIENT_SECRET=SHOPIFY_SECRET,
                      SHOPIFY_CLIENT_ID="bench-engine-client", QUICKBOOKS_CLIENT_ID="bench-qbo-client",
                      QUICKBOOKS_CLIENT_SECRET="bench-qbo-secret", **env)
        try:
            stack.migrate()
            stack.start_web(workers=4)
            yield stack
        finally:
            stack.stop()


SEED_SCRIPT = """
import json
from emulators.quickbooks.state import issue_token as qbo_token, seed as qbo_seed
from connector.platforms.quickbooks.oauth import credentials_from_token
from emulators.shopify.state import issue_token as shop_token, seed as shop_seed, store
from connector.platforms.shopify.auth import credentials_from_token_response
from connector.platforms.shopify.oauth import SCOPES
spec = json.loads(open({path!r}).read())
out = {{}}
if spec.get("realm"):
    qbo_seed(spec["realm"], spec["items"])
    out["quickbooks"] = credentials_from_token(qbo_token(spec["realm"]))
for shop in spec.get("shops", []):
    shop_seed(shop, spec["variants"])
    store(shop).ensure_account(restore_rate=1000.0, bucket_max=20000.0)
    out[shop] = credentials_from_token_response(shop_token(shop, scope=",".join(SCOPES), expiring=False))
print("SEEDED" + json.dumps(out))
"""


def stack_seed(stack: Any, *, realm: str, items: list[dict[str, Any]], shops: list[str],
               variants: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Seed the emulators inside the stack; return the credentials they issued, per account."""
    path = stack.workdir / "seed.json"  # too large for a command line
    path.write_text(json.dumps({"realm": realm, "items": items, "shops": shops, "variants": variants}))
    output = stack.shell(SEED_SCRIPT.format(path=str(path)), timeout=1800)
    return json.loads(output.split("SEEDED", 1)[1])


def connect(org: Any, stack: Any, platform: str, account: str, credentials: dict[str, Any]) -> Any:
    """A connection in the bench's own database pointing at the stack's emulator."""
    from connector.models import ConnectedSystem, SystemRole
    from connector.options import ConnectionOptions

    base = f"{stack.url}/_emulators/{platform}" + (f"/{account}" if platform == "shopify" else "")
    return ConnectedSystem.objects.create(
        organization=org, platform=platform, external_account_id=account, credentials=credentials, base_url=base,
        role=SystemRole.ACCOUNTING if platform == "quickbooks" else SystemRole.STORE, display_name=account,
        options=ConnectionOptions().to_json())


def configure_settings() -> None:
    from django.conf import settings

    settings.JOB_WAKE_WORKERS = False
    settings.QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN = VERIFIER
    settings.SHOPIFY_CLIENT_SECRET = SHOPIFY_SECRET
    settings.SHOPIFY_CLIENT_ID = "bench-engine-client"
    settings.QUICKBOOKS_API_BASE_URL = ""


@contextmanager
def count_queries() -> Iterator[list[int]]:
    """Queries this thread sends to the database (the emulators are in other processes anyway)."""
    from django.db import connection

    counter = [0]
    me = threading.get_ident()

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if threading.get_ident() == me:
            counter[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield counter


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def rss_growth(fn: Any) -> tuple[float, int, Any]:
    """(seconds, peak resident memory above the start, result), sampled every 20 ms.

    Resident memory rather than tracemalloc: tracing every allocation would slow the measured
    code several times and blur the wall-time comparison."""
    start, peak, done = _rss(), [0], threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], _rss() - start)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        seconds, value = timed(fn)
    finally:
        done.set()
        sampler.join()
    return seconds, max(peak[0], _rss() - start), value


# --------------------------------------------------------------------------- the benchmark
def _catalogues(n: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    items = [{"sku": f"SKU-{i:06d}", "name": f"Item {i:06d}", "type": "Inventory", "qty_on_hand": i % 90}
             for i in range(n)]
    variants = [{"sku": f"sku-{i:06d} ", "name": f"Product {i:06d}", "quantity": 0, "tracks_stock": True}
                for i in range(n)]
    return items, variants


def _fetch_only(qbo: Any, shop: Any) -> int:
    count = 0
    for _ in qbo.spec.client_for(qbo).iter_items():
        count += 1
    for _ in shop.spec.client_for(shop).iter_products():
        count += 1
    return count


def _pull_and_match(qbo: Any, shop: Any) -> Any:
    from connector.services.matching import products_match
    from connector.services.products import products_pull

    products_pull(system=qbo)
    products_pull(system=shop)
    return products_match(store=shop, accounting=qbo)


def file_database(workdir: Path) -> None:
    """SQLite in a file, not in memory: an in-memory database lives in this process's resident
    memory and would be counted as the connector's."""
    from django.db import connection

    if connection.vendor == "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(workdir / "bench-match.sqlite3")


def run() -> list[BenchResult]:
    configure_settings()
    items, variants = _catalogues(ITEMS)
    results = []
    with emulator_stack() as stack:
        credentials = stack_seed(stack, realm=REALM, items=items, shops=[SHOP], variants=variants)
        file_database(stack.workdir)
        with fresh_database("match") as vendor:
            from accounts.models import Organization
            from connector.models import ProductLink

            org = Organization.objects.create(name="Bench", slug="bench-match")
            qbo = connect(org, stack, "quickbooks", REALM, credentials["quickbooks"])
            shop = connect(org, stack, "shopify", SHOP, credentials[SHOP])
            base_seconds, base_peak, fetched = rss_growth(lambda: _fetch_only(qbo, shop))
            assert fetched == 2 * ITEMS, fetched
            with count_queries() as queries:
                seconds, peak, summary = rss_growth(lambda: _pull_and_match(qbo, shop))
            linked = ProductLink.objects.count()
            assert linked == ITEMS, f"{linked} of {ITEMS} linked ({summary})"
            pages = math.ceil(ITEMS / 1000) + math.ceil(ITEMS / 100)
            results.append(BenchResult(
                f"match: pull+match {ITEMS} items x {ITEMS} variants ({vendor})", seconds, base_seconds,
                note=f"RSS growth {peak / 2**20:.1f} MiB vs fetch-only {base_peak / 2**20:.1f} MiB; {queries[0]} queries "
                     f"for {pages} pages ({queries[0] / pages:.1f}/page); {linked} linked"))
    return results
