"""The ASGI server production runs (gunicorn + uvicorn's worker, connector.asgi), over real HTTP
on its own database: signed reference payloads are stored once and answered 200, bad signatures
are refused and kept nowhere, a database refusing writes gets no 2xx, and the site's pages are
served by the same processes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.platforms.quickbooks.conftest import VERIFIER, fixture_bytes
from tests.reliability.stack import Stack

SHOPIFY_SECRET = "asgi-test-shopify-secret"
SIGNED_SAMPLE = fixture_bytes("webhook_signature_examples/sig2_legacy_item_invoice.json")
SAMPLE_SIGNATURE = "95Nn5Odk1Uj37YCQeoIxXP8KXRy44/xAunPX9cIjHGE="  # the pack's worked example
SHOPIFY_BODY = json.dumps({"inventory_item_id": 808950810, "location_id": 655441491, "available": 42,
                           "updated_at": "2025-07-02T11:30:13-05:00"}).encode()
TABLE = "syncjobs_webhookdelivery"
pytestmark = pytest.mark.slow  # a real gunicorn stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    database_url = os.environ.get("DATABASE_URL", "") if os.environ.get("DATABASE_URL", "").startswith("postgres") else ""
    stack = Stack(Path(tmp_path_factory.mktemp("asgi")), database_url=database_url,
                  QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN=VERIFIER, SHOPIFY_CLIENT_SECRET=SHOPIFY_SECRET,
                  WEBHOOK_CONNECTION_CACHE_SECONDS="300")
    try:
        stack.migrate()
        stack.public_id = stack.shell(  # type: ignore[attr-defined]
            "from accounts.models import Organization; from connector.models import ConnectedSystem;"
            "o=Organization.objects.create(slug='asgi', name='ASGI');"
            "print(ConnectedSystem.objects.create(organization=o, platform='shopify', role='store',"
            "display_name='Shop', external_account_id='asgi.myshopify.com').public_id)").strip().splitlines()[-1]
        stack.start_web(workers=1)
        yield stack
    finally:
        stack.stop()


def stored(stack: Stack, platform: str) -> int:
    return int(stack.shell("from syncjobs.models import WebhookDelivery;"
                           f"print(WebhookDelivery.objects.filter(platform={platform!r}).count())").split()[-1])


def shopify_post(stack: Stack, webhook_id: str, *, body: bytes = SHOPIFY_BODY, secret: str = SHOPIFY_SECRET,
                 signed: bytes | None = None) -> requests.Response:
    digest = hmac.new(secret.encode(), body if signed is None else signed, hashlib.sha256).digest()
    signature = base64.b64encode(digest).decode()
    return requests.post(
        f"{stack.url}/webhooks/shopify/{stack.public_id}/", data=body, timeout=30,  # type: ignore[attr-defined]
        headers={"Content-Type": "application/json", "X-Shopify-Hmac-Sha256": signature,
                 "X-Shopify-Topic": "inventory_levels/update", "X-Shopify-Webhook-Id": webhook_id,
                 "X-Shopify-Shop-Domain": "asgi.myshopify.com"})


def test_the_reference_quickbooks_delivery_is_stored_once_and_a_forgery_nowhere(stack: Stack) -> None:
    url = f"{stack.url}/webhooks/quickbooks/"
    headers = {"Content-Type": "application/json", "intuit-signature": SAMPLE_SIGNATURE}
    first = requests.post(url, data=SIGNED_SAMPLE, headers=headers, timeout=30)
    again = requests.post(url, data=SIGNED_SAMPLE, headers=headers, timeout=30)  # Intuit's retry: same bytes
    assert (first.status_code, first.content) == (200, b'{"ok": true}')
    assert first.headers["Content-Length"] == "12" and first.headers["X-Content-Type-Options"] == "nosniff"
    assert again.status_code == 200
    forged = requests.post(url, data=SIGNED_SAMPLE.replace(b'"5"', b'"6"'), headers=headers, timeout=30)
    unsigned = requests.post(url, data=SIGNED_SAMPLE, headers={"Content-Type": "application/json"}, timeout=30)
    assert forged.status_code == 401 and unsigned.status_code == 401
    assert stored(stack, "quickbooks") == 1


def test_a_burst_to_a_store_connection_is_all_stored_and_answered(stack: Stack) -> None:
    before = stored(stack, "shopify")
    assert shopify_post(stack, "burst-first").status_code == 200  # the process now knows the connection
    ids = [f"burst-{n}" for n in range(60)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda webhook_id: shopify_post(stack, webhook_id).status_code, ids + ids[:20]))
    assert answers == [200] * 80  # the 20 repeats are acknowledged too: the sender must stop retrying
    assert shopify_post(stack, "burst-forged", secret="not-the-secret").status_code == 401
    assert shopify_post(stack, "burst-other", body=b"{}", signed=SHOPIFY_BODY).status_code == 401
    assert stored(stack, "shopify") - before == 61


def test_no_2xx_while_the_database_refuses_writes_and_all_once_it_accepts_them(stack: Stack) -> None:
    assert shopify_post(stack, "warm").status_code == 200
    before = stored(stack, "shopify")
    refuse = (f"CREATE TRIGGER refuse_intake BEFORE INSERT ON {TABLE} BEGIN SELECT RAISE(ABORT, 'refused'); END"
              if "postgres" not in stack.env["DATABASE_URL"] else
              "CREATE OR REPLACE FUNCTION refuse_intake() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; "
              f"END $$ LANGUAGE plpgsql; CREATE TRIGGER refuse_intake BEFORE INSERT ON {TABLE} "
              "FOR EACH ROW EXECUTE FUNCTION refuse_intake()")
    stack.shell(f"from django.db import connection; connection.cursor().execute({refuse!r})")
    ids = [f"refused-{uuid.uuid4().hex[:8]}" for _ in range(30)]
    try:
        with ThreadPoolExecutor(max_workers=10) as pool:
            refused = list(pool.map(lambda webhook_id: shopify_post(stack, webhook_id).status_code, ids))
        assert refused == [503] * 30
        assert stored(stack, "shopify") == before
    finally:
        drop = "DROP TRIGGER refuse_intake" + (f" ON {TABLE}" if "postgres" in stack.env["DATABASE_URL"] else "")
        stack.shell(f"from django.db import connection; connection.cursor().execute({drop!r})")
    with ThreadPoolExecutor(max_workers=10) as pool:  # the sender's retries
        retried = list(pool.map(lambda webhook_id: shopify_post(stack, webhook_id).status_code, ids))
    assert retried == [200] * 30 and stored(stack, "shopify") == before + 30


def test_the_site_is_served_by_the_same_processes(stack: Stack) -> None:
    assert requests.get(f"{stack.url}/livez", timeout=30).status_code == 200
    login = requests.get(f"{stack.url}/accounts/login/", timeout=30)
    assert login.status_code == 200 and "csrftoken" in login.cookies  # the site's middleware ran
    unknown = requests.post(f"{stack.url}/webhooks/shopify/{uuid.uuid4()}/", data=b"{}", timeout=30)
    assert unknown.status_code == 404
