"""With 20% of QuickBooks and Shopify calls failing, stock still converges on QuickBooks."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from syncjobs.models import Job, JobStatus
from syncjobs.runner import run_due_jobs
from tests.engine.conftest import REALM, Engine

pytestmark = pytest.mark.django_db(transaction=True)
SKUS = {"MUG-1": " mug-1 ", "TS-S": "ts-s", "TS-M": "TS-M"}


def test_stock_converges_with_a_fifth_of_calls_failing(pulled: Engine) -> None:
    for platform in ("quickbooks", "shopify"):  # 5xx only: a 429 would block the realm for a real minute
        pulled.control(platform, "faults", {"error_rate": 0.2, "statuses": [500, 502, 503], "seed": 7})
    rng = random.Random(6)
    expected: dict[str, int] = {}
    for _ in range(20):
        sku = rng.choice(sorted(SKUS))
        expected[sku] = rng.randint(0, 40)
        pulled.adjust(sku, expected[sku])
    later = timezone.now()
    for _ in range(60):  # each round runs everything due, including retries scheduled after backoff
        later += timedelta(minutes=30)
        run_due_jobs(max_seconds=60, now=later)
        if not Job.objects.filter(status__in=[JobStatus.PENDING, JobStatus.RUNNING]).exists():
            break
    assert not Job.objects.filter(status=JobStatus.DEAD).exists()
    shown = pulled.shop_quantities()
    assert {sku: shown[store_sku] for sku, store_sku in SKUS.items() if sku in expected} == expected
    truth = {i["sku"]: i["qty_on_hand"] for i in pulled.control("quickbooks", "state", account=REALM)["items"]}
    assert all(truth[sku] == qty for sku, qty in expected.items())
