"""1,000 orders over every store platform, order webhooks delivered up to three times in a random
order, and the worker clusters SIGKILLed at random moments: QuickBooks ends up with exactly 1,000
documents, none missing, none twice."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter

import pytest

from tests.reliability import scenario

pytestmark = pytest.mark.slow

ORGS, SKUS, ORDERS = 3, 20, 1000


def _killer(stack, stop: threading.Event, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """Every few seconds, SIGKILL a cluster (and its workers) and start a fresh one."""
    while not stop.wait(rng.uniform(3, 8)):
        if stack.clusters:
            stack.kill_cluster(rng.choice(stack.clusters))
        stack.start_cluster()


def test_every_order_becomes_exactly_one_quickbooks_document_despite_kills(make_stack) -> None:  # type: ignore[no-untyped-def]
    stack = make_stack(EMULATOR_WEBHOOK_DELIVERY="manual", JOB_CLAIM_SECONDS="20", JOB_MAX_ATTEMPTS="30")
    scenario.seed(stack, orgs=ORGS, skus=SKUS, start=500)
    stack.start_web(workers=2)
    stack.start_sweeper(every=1.0)
    stack.start_cluster()
    if stack.env.get("REDIS_URL"):
        stack.start_cluster()
    stack.wait_until(lambda: not scenario.differences(stack, ORGS), timeout=300, interval=3,
                     what="products pulled, matched and stock pushed")
    before = max((row["id"] for row in scenario.outbox(stack, scenario.STORE_IDS)), default=0)

    rng = random.Random(1000)
    placed = scenario.place_orders(stack, orgs=ORGS, skus=SKUS, count=ORDERS, rng=rng)
    assert sum(placed.values()) == ORDERS
    stop = threading.Event()
    killer = threading.Thread(target=_killer, args=(stack, stop, random.Random(7)), daemon=True)
    killer.start()
    try:
        hooks = scenario.outbox(stack, scenario.STORE_IDS, after=before)
        scenario.deliver_shuffled(hooks, max_copies=3, rng=rng)
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            scenario.poll_orders(stack)  # the polling stores (and a safety net for the others)
            if len(scenario.quickbooks_documents(stack, ORGS)) >= ORDERS:
                break
            time.sleep(10)
    finally:
        stop.set()
        killer.join(timeout=30)
    if not stack.clusters:
        stack.start_cluster()
    stack.wait_until(lambda: scenario.documents(stack)["by_status"].get("posted", 0) >= ORDERS, timeout=300,
                     interval=5, what="every order posted")
    time.sleep(5)  # anything still running would show up as a duplicate now
    docs = scenario.quickbooks_documents(stack, ORGS)
    numbers = Counter((doc["realm"], doc["doc_number"] or doc["id"]) for doc in docs)
    assert stack.kills > 0
    assert len(docs) == ORDERS, scenario.documents(stack)
    assert max(numbers.values()) == 1, [key for key, n in numbers.items() if n > 1][:5]
    assert scenario.documents(stack)["by_status"] == {"posted": ORDERS}
