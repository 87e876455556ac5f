"""1,000 stock changes over 3 organisations x 50 SKUs x every store platform, with 20% of
QuickBooks and store calls failing (500, 429, timeouts, resets, applied-then-failed) and the
webhooks delivered shuffled and duplicated: every store converges on QuickBooks and no job is
lost. Real gunicorn, qcluster and sweeper processes."""

from __future__ import annotations

import random

import pytest

from tests.reliability import scenario

pytestmark = pytest.mark.slow

ORGS, SKUS, CHANGES = 3, 50, 1000


def test_stock_converges_under_faults_with_shuffled_duplicated_webhooks(make_stack) -> None:  # type: ignore[no-untyped-def]
    stack = make_stack(EMULATOR_WEBHOOK_DELIVERY="manual", HTTP_TIMEOUT_SECONDS="2", JOB_CLAIM_SECONDS="30",
                       JOB_MAX_ATTEMPTS="25")
    scenario.seed(stack, orgs=ORGS, skus=SKUS)
    stack.start_web(workers=2)
    stack.start_sweeper(every=1.0)
    stack.start_cluster()
    if stack.env.get("REDIS_URL"):
        stack.start_cluster()  # scale-out: two clusters share the PostgreSQL ledger and the Redis broker
    stack.wait_until(lambda: not scenario.differences(stack, ORGS), timeout=300, interval=3,
                     what="the first stock sync of every store")
    first_hooks = scenario.outbox(stack, ["quickbooks"])
    after = max((row["id"] for row in first_hooks), default=0)

    scenario.faults(stack, 0.2)
    rng = random.Random(2026)
    expected: dict[tuple[int, str], int] = {}
    for _ in range(CHANGES):
        org, code, quantity = rng.randrange(ORGS), scenario.sku(rng.randrange(SKUS)), rng.randint(0, 60)
        stack.control("quickbooks", "adjust", {"account": scenario.realm(org), "sku": code, "qty_on_hand": quantity})
        expected[(org, code)] = quantity
    hooks = scenario.outbox(stack, ["quickbooks"], after=after)
    assert len(hooks) == CHANGES
    scenario.deliver_shuffled(hooks, max_copies=3, rng=rng)

    def converged() -> bool:
        return not scenario.differences(stack, ORGS, expected)

    try:
        stack.wait_until(converged, timeout=600, interval=5, what="every store to show QuickBooks' last quantity")
    finally:
        scenario.faults(stack, 0.0)
    stack.wait_until(lambda: not ({"pending", "running"} & set(scenario.ledger(stack)["jobs"])), timeout=300,
                     interval=3, what="the queue to drain")
    report = scenario.ledger(stack)
    assert report["lost"] == [], report
    assert set(report["jobs"]) <= {"succeeded", "cancelled"}, report
    assert set(report["deliveries"]) <= {"planned", "ignored"}, report
