"""Which deliveries the event loop answers itself and which it hands to the site's threads, and how
it refuses what it answers. (Storing over real HTTP: test_intake_asgi_server.py.)"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest

from connector.models import ConnectedSystem
from intake.asgi import AsyncIntake
from intake.connections import forget_all, webhook_system
from syncjobs.models import WebhookDelivery
from tests.support.asgi import RecordingSite, asgi_request

pytestmark = pytest.mark.django_db
TOKEN = "loop-verifier-token"
BODY = b'{"eventNotifications": []}'


@pytest.fixture(autouse=True)
def verifier(settings):  # type: ignore[no-untyped-def]
    settings.QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN = TOKEN
    settings.WEBHOOK_CONNECTION_CACHE_SECONDS = 60
    forget_all()
    yield
    forget_all()


def call(path: str, **request: Any) -> tuple[int, dict[str, str], bytes, RecordingSite]:
    site = RecordingSite()
    answer = asgi_request(AsyncIntake(site), path, **{"body": BODY, **request})
    return answer.status, answer.headers, answer.body, site


def qbo_signature(body: bytes) -> str:
    return base64.b64encode(hmac.new(TOKEN.encode(), body, hashlib.sha256).digest()).decode()


def test_pages_and_platforms_whose_checks_may_block_go_to_the_site(org) -> None:  # type: ignore[no-untyped-def]
    woo = ConnectedSystem.objects.create(organization=org, platform="woocommerce", role="store",
                                         display_name="Woo", external_account_id="https://woo.example")
    webhook_system("woocommerce", woo.public_id)  # remembered, yet its checks may query the database
    paths = ["/livez", "/admin/", f"/webhooks/woocommerce/{woo.public_id}/", "/webhooks/ebay/",
             "/webhooks/nowhere/", "/webhooks/quickbooks/extra/"]
    for path in paths:
        status, _headers, _body, site = call(path)
        assert (status, site.paths) == (299, [path])


def test_a_connection_this_process_does_not_remember_is_looked_up_by_the_site(org) -> None:  # type: ignore[no-untyped-def]
    shop = ConnectedSystem.objects.create(organization=org, platform="shopify", role="store",
                                          display_name="Shop", external_account_id="s.myshopify.com")
    address = f"/webhooks/shopify/{shop.public_id}/"
    assert call(address)[3].paths == [address]  # the loop never waits on the database
    webhook_system("shopify", shop.public_id)
    status, _headers, _body, site = call(address, headers={"X-Shopify-Hmac-Sha256": "forged"})
    assert (status, site.paths) == (401, [])  # now answered on the loop


def test_the_loop_refuses_a_bad_signature_and_stores_nothing() -> None:
    status, headers, body, site = call("/webhooks/quickbooks/", headers={"intuit-signature": qbo_signature(b"{}")})
    assert (status, body, site.paths) == (401, b'{"error": "invalid signature"}', [])
    assert headers["Content-Length"] == str(len(body)) and headers["X-Content-Type-Options"] == "nosniff"
    assert not WebhookDelivery.objects.exists()


def test_the_loop_answers_the_other_refusals_as_django_does() -> None:
    signed = {"intuit-signature": qbo_signature(BODY)}
    assert call("/webhooks/quickbooks/", method="GET", headers=signed)[0] == 405
    assert call("/webhooks/quickbooks/", headers=signed, host="evil.example")[0] == 400  # not in ALLOWED_HOSTS
    assert not WebhookDelivery.objects.exists()


def test_a_body_over_the_upload_limit_is_refused_before_it_is_all_read(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    chunks = [b"x" * 600] * 5
    status, _headers, _body, site = call("/webhooks/quickbooks/", chunks=chunks,
                                         headers={"intuit-signature": qbo_signature(b"".join(chunks))})
    assert (status, site.paths) == (400, [])
    assert not WebhookDelivery.objects.exists()


def test_a_sender_gone_before_its_body_arrived_gets_nothing_and_leaves_nothing() -> None:
    status, _headers, _body, site = call("/webhooks/quickbooks/", chunks=[b'{"event'], gone=True,
                                         headers={"intuit-signature": "x"})
    assert (status, site.paths) == (0, [])
    assert not WebhookDelivery.objects.exists()
