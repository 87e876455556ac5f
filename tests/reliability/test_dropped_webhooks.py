"""10% of QuickBooks webhooks silently dropped: one reconcile interval later (the scheduled CDC
reconcile, run now instead of in 15 minutes) no store is left with a stale quantity."""

from __future__ import annotations

import json
import random

import pytest

from tests.reliability import scenario

pytestmark = pytest.mark.slow

ORGS, SKUS, CHANGES = 1, 50, 200

RECONCILE = """
from connector.models import ConnectedSystem
from connector.services.jobs import stock_reconcile_request
for system in ConnectedSystem.objects.filter(platform="quickbooks"):
    stock_reconcile_request(system=system)
"""

DROPPED = """
from emulators.models import EmulatorOutbox
print(EmulatorOutbox.objects.filter(platform="quickbooks", dropped=True).count())
"""


def _quiet(stack) -> bool:  # type: ignore[no-untyped-def]
    return not ({"pending", "running"} & set(scenario.ledger(stack)["jobs"]))


def test_a_reconcile_recovers_every_dropped_webhook(make_stack) -> None:  # type: ignore[no-untyped-def]
    stack = make_stack(EMULATOR_WEBHOOK_DELIVERY="thread")
    scenario.seed(stack, orgs=ORGS, skus=SKUS)
    stack.start_web(workers=2)
    stack.start_sweeper(every=1.0)
    stack.start_cluster()
    stack.wait_until(lambda: not scenario.differences(stack, ORGS), timeout=300, interval=3,
                     what="the first stock sync of every store")
    stack.wait_until(lambda: _quiet(stack), timeout=120, interval=2, what="the first sync to finish")
    stack.control("quickbooks", "faults", {"error_rate": 0, "webhook_drop_rate": 0.1, "seed": 11})

    rng = random.Random(10)
    expected: dict[tuple[int, str], int] = {}
    for _ in range(CHANGES):
        code, quantity = scenario.sku(rng.randrange(SKUS)), rng.randint(0, 80)
        stack.control("quickbooks", "adjust", {"account": scenario.realm(0), "sku": code, "qty_on_hand": quantity})
        expected[(0, code)] = quantity
    dropped = int(stack.shell(DROPPED).strip().splitlines()[-1])
    assert dropped > 0, "the emulator must actually have dropped some webhooks"
    stack.wait_until(lambda: _quiet(stack), timeout=300, interval=3, what="the delivered webhooks to be handled")

    stack.shell(RECONCILE)
    stack.wait_until(lambda: not scenario.differences(stack, ORGS, expected), timeout=300, interval=3,
                     what="the reconcile to correct every store")
    stack.wait_until(lambda: _quiet(stack), timeout=120, interval=2, what="the reconcile to finish")
    report = scenario.ledger(stack)
    assert report["lost"] == [], json.dumps(report)
