"""A multi-organisation catalogue on every platform, seeded inside a running stack, and the
checks the reliability cases share: what each system shows, and whether the ledger lost a job."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from connector.platforms import store_platforms
from tests.reliability.stack import Stack

STORE_IDS = [spec.id for spec in store_platforms()]
FAULT_STATUSES: list[Any] = [500, 429, "timeout", "reset", "applied_then_failed"]
START_QUANTITY = 20


def realm(org: int) -> str:
    return f"93000000000{org}"


def store_account(platform: str, org: int) -> str:
    return {"shopify": f"rel-{org}.myshopify.com", "woocommerce": f"rel-woo-{org}", "ebay": f"rel_ebay_{org}",
            "opencart": f"reloc{org}"}.get(platform, f"rel-{platform}-{org}")


def sku(n: int) -> str:
    return f"REL-{n:03d}"


SEED = """
from accounts.models import Organization
from connector.platforms import store_platforms
from emulators.registry import emulator_for
from connector.services.jobs import products_pull_request
from tests.reliability.scenario import realm, store_account, sku
BASE, ORGS, SKUS, START_QUANTITY = {base!r}, {orgs}, {skus}, {start}
for i in range(ORGS):
    org, _ = Organization.objects.get_or_create(slug=f"rel-{{i}}", defaults={{"name": f"Reliability {{i}}"}})
    qbo = emulator_for("quickbooks")
    qbo.emulator_seed(realm(i), [{{"sku": sku(n), "name": f"Item {{n}}", "type": "Inventory",
                                  "qty_on_hand": START_QUANTITY, "unit_price": 5}} for n in range(SKUS)])
    books = qbo.emulator_connect(organization=org, account=realm(i), base_url=BASE + "/_emulators/quickbooks")
    products_pull_request(system=books)
    for spec in store_platforms():
        emulator = emulator_for(spec.id)
        emulator.emulator_seed(store_account(spec.id, i), [
            {{"sku": sku(n), "name": f"Item {{n}}", "quantity": 0, "tracks_stock": True, "variants": []}}
            for n in range(SKUS)])
        store = emulator.emulator_connect(organization=org, account=store_account(spec.id, i),
                                          base_url=BASE + f"/_emulators/{{spec.id}}")
        products_pull_request(system=store)
print("seeded")
"""

LEDGER = """
import json
from django.db.models import Count
from syncjobs.models import Job, WebhookDelivery
print(json.dumps({"jobs": dict(Job.objects.values_list("status").annotate(n=Count("id"))),
                  "lost": list(Job.objects.filter(status__in=["failed", "dead"]).values("kind", "last_error")[:10]),
                  "deliveries": dict(WebhookDelivery.objects.values_list("status").annotate(n=Count("id")))}))
"""


def seed(stack: Stack, *, orgs: int, skus: int, start: int = START_QUANTITY) -> None:
    stack.shell(SEED.format(base=stack.url, orgs=orgs, skus=skus, start=start), timeout=600)


def ledger(stack: Stack) -> dict[str, Any]:
    return json.loads(stack.shell(LEDGER).strip().splitlines()[-1])


def quickbooks_quantities(stack: Stack, org: int) -> dict[str, int]:
    items = stack.control("quickbooks", "state", account=realm(org))["items"]
    return {item["sku"]: item["qty_on_hand"] for item in items if item["sku"]}


def store_quantities(stack: Stack, platform: str, org: int) -> dict[str, Any]:
    products = stack.control(platform, "state", account=store_account(platform, org))["products"]
    return {row["sku"]: row["quantity"] for row in products if row["sku"]}


def differences(stack: Stack, orgs: int, expected: dict[tuple[int, str], int] | None = None) -> list[str]:
    """Every (organisation, store, SKU) whose store quantity is not QuickBooks' (or `expected`)."""
    wrong = []
    for org in range(orgs):
        books = quickbooks_quantities(stack, org)
        for platform in STORE_IDS:
            shown = store_quantities(stack, platform, org)
            for code, quantity in books.items():
                want = expected.get((org, code), quantity) if expected else quantity
                if shown.get(code) != want:
                    wrong.append(f"org {org} {platform} {code}: shows {shown.get(code)}, QuickBooks says {want}")
    return wrong


def faults(stack: Stack, rate: float, *, seed: int = 7, drop: float = 0.0) -> None:
    for platform in ["quickbooks", *STORE_IDS]:
        payload: dict[str, Any] = {"error_rate": rate, "statuses": FAULT_STATUSES, "seed": seed,
                                   "webhook_drop_rate": drop}
        if platform == "opencart":
            payload = {"error_rate": 0}  # reached through its database, not HTTP
        stack.control(platform, "faults", payload)


OUTBOX = """
import json
from emulators.models import EmulatorOutbox
rows = EmulatorOutbox.objects.filter(platform__in={platforms!r}, pk__gt={after}, dropped=False).order_by("pk")
print(json.dumps([{{"id": r.pk, "url": r.url, "headers": r.headers, "body": bytes(r.body).decode()}} for r in rows]))
"""


def outbox(stack: Stack, platforms: Iterable[str], after: int = 0) -> list[dict[str, Any]]:
    return json.loads(stack.shell(OUTBOX.format(platforms=list(platforms), after=after)).strip().splitlines()[-1])


def deliver_shuffled(rows: list[dict[str, Any]], *, max_copies: int, rng: random.Random) -> int:
    """Post every webhook 1..max_copies times, in a random order, eight at a time."""
    sends = [row for row in rows for _ in range(rng.randint(1, max_copies))]
    rng.shuffle(sends)

    def post(row: dict[str, Any]) -> int:
        return requests.post(row["url"], data=row["body"].encode(), headers=row["headers"], timeout=60).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(post, sends))
    assert all(status == 200 for status in statuses), sorted(set(statuses))
    return len(sends)


CUSTOMERS = [("Ada", "Lovelace"), ("Grace", "Hopper"), ("Alan", "Turing"), ("Edsger", "Dijkstra"),
             ("Barbara", "Liskov"), ("Donald", "Knuth"), ("Frances", "Allen"), ("Ken", "Thompson")]


# What a paid order looks like on each platform's emulator (OpenCart's default is Pending).
PAID_ORDER_EXTRAS: dict[str, dict[str, Any]] = {"opencart": {"order_status_id": 2}}


def place_orders(stack: Stack, *, orgs: int, skus: int, count: int, rng: random.Random) -> dict[str, int]:
    """`count` paid orders spread over every organisation and store, eight placed at a time;
    returns orders per store platform."""
    orders = []
    for n in range(count):
        org, platform = n % orgs, STORE_IDS[(n // orgs) % len(STORE_IDS)]
        first, last = rng.choice(CUSTOMERS)
        lines = [{"sku": sku(code), "qty": rng.randint(1, 2)} for code in rng.sample(range(skus), rng.randint(1, 3))]
        orders.append((platform, {
            "account": store_account(platform, org), "lines": lines, **PAID_ORDER_EXTRAS.get(platform, {}),
            "customer": {"first_name": first, "last_name": last, "email": f"{first.lower()}@example.com"}}))

    def place(order: tuple[str, dict[str, Any]]) -> str:
        platform, payload = order
        response = requests.post(f"{stack.url}/_emulators/{platform}/_control/orders", json=payload, timeout=60)
        assert response.status_code in (200, 201), f"{platform}: {response.text}"
        return platform

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(Counter(pool.map(place, orders)))


POLL = """
from connector.models import ConnectedSystem
from connector.services.jobs import orders_poll_request
for system in ConnectedSystem.objects.filter(role="store"):
    orders_poll_request(system=system)
"""

DOCUMENTS = """
import json
from django.db.models import Count
from connector.models import SalesDocument
print(json.dumps({"by_status": dict(SalesDocument.objects.values_list("status").annotate(n=Count("id"))),
                  "held": list(SalesDocument.objects.exclude(status="posted").values("order_number", "status", "message")[:5])}))
"""


def poll_orders(stack: Stack) -> None:
    stack.shell(POLL)


def documents(stack: Stack) -> dict[str, Any]:
    return json.loads(stack.shell(DOCUMENTS).strip().splitlines()[-1])


def quickbooks_documents(stack: Stack, orgs: int) -> list[dict[str, Any]]:
    found = []
    for org in range(orgs):
        state = stack.control("quickbooks", "state", account=realm(org))
        found.extend({**doc, "realm": realm(org)} for doc in state["invoices"] + state["sales_receipts"])
    return found
