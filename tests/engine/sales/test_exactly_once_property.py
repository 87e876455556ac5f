"""Whatever the interleaving of duplicate deliveries, manual retries and QuickBooks failures
(including creates that were applied and then answered with a 500), every order ends as exactly
one QuickBooks document once the faults stop."""

from __future__ import annotations

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.models import CustomerLink, DocumentStatus, SalesDocument
from connector.services.sales_post import preferences_forget
from emulators.quickbooks.emulator import emulator_seed as qbo_seed
from emulators.store import EmulatorStore
from syncjobs.models import Job, JobStatus
from tests.engine.sales.conftest import JANE, QBO_ITEMS, REALM, enqueue, run_jobs

ACTIONS = st.lists(st.sampled_from(["deliver", "deliver", "retry", "faults", "calm", "drain"]), min_size=1, max_size=10)


def _due_now() -> None:
    Job.objects.filter(status=JobStatus.PENDING).update(run_after=timezone.now())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS, seed=st.integers(0, 10_000), target=st.integers(0, 1))
def test_every_order_is_posted_exactly_once(store, linked, control, actions, seed, target):
    SalesDocument.objects.all().delete()
    CustomerLink.objects.all().delete()
    Job.objects.all().delete()
    qbo_seed(REALM, QBO_ITEMS)  # a fresh company per example (item ids are the same again)
    EmulatorStore("quickbooks", REALM).ensure_account(webhooks=False)
    preferences_forget()
    orders = [control.order([{"sku": "MUG-1", "qty": 1}], JANE), control.order([{"sku": "TS-S", "qty": 2}], JANE)]
    for action in actions:
        order_id = orders[target]
        if action == "deliver":
            enqueue("orders.ingest", store, system_id=store.pk, order_id=order_id)
        elif action == "retry":
            for document in SalesDocument.objects.filter(order_external_id=order_id):
                enqueue("sales.post", store, sales_document_id=document.pk)
        elif action == "faults":
            control.qbo_faults(error_rate=0.5, statuses=[500, 503, "applied_then_failed"], seed=seed)
        elif action == "calm":
            control.qbo_faults(error_rate=0)
        else:
            _due_now()
            run_jobs()
        target = 1 - target
    control.qbo_faults(error_rate=0)
    for order_id in orders:
        enqueue("orders.ingest", store, system_id=store.pk, order_id=order_id)
    for _ in range(6):  # retries back off: make them due, as time passing would
        _due_now()
        run_jobs()
    documents = SalesDocument.objects.filter(order_external_id__in=orders)
    assert sorted(d.status for d in documents) == [DocumentStatus.POSTED] * 2
    invoices = control.qbo_state()["invoices"]
    assert len(invoices) == 2
    assert {i["id"] for i in invoices} == {d.accounting_document_id for d in documents}
    assert len(control.qbo_state()["customers"]) == 1
