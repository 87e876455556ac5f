"""Connecting through the platforms' consent pages (the emulators, over real HTTP), generic over
the registry: start on our page, approve on theirs, come back to our callback."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import requests

from connector.models import ConnectedSystem, SystemStatus
from syncjobs.models import Job

pytestmark = pytest.mark.django_db(transaction=True)

REALM = "9341455327810551"
SHOP = "backoffice-shop.myshopify.com"


def approve(url: str, decision: str, **extra: str) -> str:
    """What the person does on the platform's consent page; returns our callback's path + query."""
    page = requests.get(url, timeout=10)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
    fields.update({"decision": decision, **extra})
    response = requests.post(url.split("?", 1)[0], data=fields, allow_redirects=False, timeout=10)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    return f"{location.path}?{location.query}"


@pytest.fixture
def seeded(emulator_url):  # type: ignore[no-untyped-def]
    from emulators.quickbooks.emulator import emulator_seed as qbo_seed
    from emulators.shopify.emulator import emulator_seed as shop_seed

    qbo_seed(REALM, [{"sku": "TEA-1", "name": "Earl Grey", "type": "Inventory", "qty_on_hand": 5, "unit_price": 4}])
    shop_seed(SHOP, [{"sku": "TEA-1", "name": "Earl Grey", "quantity": 2, "tracks_stock": True}])
    return emulator_url


def test_a_client_connects_quickbooks_through_its_consent_page(client, client_user, seeded) -> None:
    client.force_login(client_user)
    start = client.post("/connect/acme/add/quickbooks/")
    assert start.status_code == 302 and "/_emulators/quickbooks/" in start["Location"]
    back = client.get(approve(start["Location"], "connect", realmId=REALM))
    assert back.status_code == 302 and back["Location"].startswith("/connect/acme/")
    system = ConnectedSystem.objects.get(platform="quickbooks", external_account_id=REALM)
    assert system.organization.slug == "acme" and system.status == SystemStatus.ACTIVE
    assert system.credentials["refresh_token"]
    assert Job.objects.filter(system=system, kind="products.pull").exists()  # first pull and match
    assert system.display_name in client.get("/connect/acme/").content.decode()


def test_a_client_connects_a_shopify_store_by_its_address(client, client_user, seeded) -> None:
    client.force_login(client_user)
    start = client.post("/connect/acme/add/shopify/", {"shop": SHOP})
    assert start.status_code == 302 and f"/_emulators/shopify/{SHOP}/admin/oauth/authorize" in start["Location"]
    back = client.get(approve(start["Location"], "install"))
    assert back.status_code == 302
    system = ConnectedSystem.objects.get(platform="shopify", external_account_id=SHOP)
    assert system.credentials["access_token"].startswith("shpat_")


def test_a_declined_consent_connects_nothing_and_says_so(client, client_user, seeded) -> None:
    client.force_login(client_user)
    start = client.post("/connect/acme/add/quickbooks/")
    response = client.get(approve(start["Location"], "deny"), follow=True)
    assert "declined" in response.content.decode()
    assert not ConnectedSystem.objects.filter(platform="quickbooks").exists()


def test_a_callback_nobody_started_here_is_refused(client, client_user, seeded) -> None:
    client.force_login(client_user)
    response = client.get(f"/connect/callback/quickbooks/?code=x&state=forged&realmId={REALM}", follow=True)
    assert "does not match a connection you started" in response.content.decode()
    assert not ConnectedSystem.objects.exists()


def test_a_viewer_cannot_start_a_connection(client, viewer, seeded) -> None:
    client.force_login(viewer)
    assert client.post("/connect/acme/add/quickbooks/").status_code == 403


def test_another_organisations_page_is_a_404(client, outsider, seeded) -> None:
    client.force_login(outsider)
    assert client.post("/connect/acme/add/quickbooks/").status_code == 404


def test_a_client_connects_woocommerce_with_typed_keys(client, client_user, seeded) -> None:
    from emulators.woocommerce.emulator import emulator_seed, site_address
    from emulators.woocommerce.state import ensure_site, issue_key, store

    emulator_seed("keys-site", [{"sku": "TEA-1", "name": "Earl Grey", "quantity": 2, "tracks_stock": True}])
    site = site_address(seeded("woocommerce"), "keys-site")
    ensure_site("keys-site")
    store("keys-site").ensure_account(home_url=site)
    key = issue_key("keys-site")
    client.force_login(client_user)
    response = client.post("/connect/acme/add/woocommerce/", {"method": "keys", "site": site,
                                                              "consumer_key": key["consumer_key"],
                                                              "consumer_secret": "cs_" + "0" * 40})
    assert response.status_code == 200 and not ConnectedSystem.objects.filter(platform="woocommerce").exists()
    response = client.post("/connect/acme/add/woocommerce/", {"method": "keys", "site": site,
                                                              "consumer_key": key["consumer_key"],
                                                              "consumer_secret": key["consumer_secret"]})
    assert response.status_code == 302, response.content.decode()[:2000]
    system = ConnectedSystem.objects.get(platform="woocommerce")
    assert system.credentials["consumer_key"] == key["consumer_key"] and system.organization.slug == "acme"
    assert Job.objects.filter(system=system, kind="products.pull").exists()
