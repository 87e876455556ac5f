"""The connect flow against the emulator's grant screen and token endpoint, over real HTTP."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.sessions.backends.db import SessionStore

from connector.platforms.base import PermanentError
from connector.platforms.shopify import oauth
from connector.platforms.shopify.auth import signed_query
from connector.services.systems import system_connect
from emulators.shopify.state import store
from tests.platforms.shopify.conftest import CLIENT_SECRET, SHOP

pytestmark = pytest.mark.django_db(transaction=True)

REDIRECT = "http://testserver/connect/shopify/callback/"


def start(rf, org, shop_url: str, shop: str = SHOP):  # type: ignore[no-untyped-def]
    request = rf.get("/connect/shopify/")
    request.session = SessionStore()
    url = oauth.authorization_url(request, organization=org, redirect_uri=REDIRECT, base_url=f"{shop_url}/{shop}",
                                  params={"shop": shop})
    return request.session, url


def approve(url: str, decision: str = "install") -> str:
    """What the merchant does on the grant screen; returns the callback's query string."""
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and "Install" in page.text
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
    fields["decision"] = decision
    response = requests.post(url.split("?", 1)[0], data=fields, allow_redirects=False, timeout=10)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT)
    return urlsplit(location).query


def callback(rf, org, session, query: str):  # type: ignore[no-untyped-def]
    request = rf.get(f"/connect/shopify/callback/?{query}")
    request.session = session
    return oauth.complete(request, organization=org, redirect_uri=REDIRECT)


@pytest.fixture
def flow(seeded, rf, org, shop_url):  # type: ignore[no-untyped-def]
    session, url = start(rf, org, shop_url)
    return session, url


def test_it_asks_only_for_the_scopes_it_uses(flow) -> None:
    _, url = flow
    query = parse_qs(urlsplit(url).query)
    assert query["scope"] == ["read_products,write_inventory,read_locations,read_orders,read_customers"]
    assert query["redirect_uri"] == [REDIRECT]
    assert "grant_options[]" not in query  # offline token


def test_it_connects_a_store_with_an_expiring_offline_token(flow, rf, org, shop_url) -> None:
    session, url = flow
    result = callback(rf, org, session, approve(url))
    assert result.external_account_id == SHOP
    assert result.base_url == f"{shop_url}/{SHOP}"
    assert result.credentials["access_token"].startswith("shpat_")
    assert result.credentials["refresh_token"]
    assert result.credentials["expires_at"] > time.time() + 3000
    system = system_connect(organization=org, platform="shopify", result=result)
    subscriptions = store(SHOP).all("webhooks")
    assert {s["topic"] for s in subscriptions} == {"ORDERS_CREATE", "ORDERS_UPDATED", "ORDERS_CANCELLED",
                                                   "INVENTORY_LEVELS_UPDATE", "PRODUCTS_UPDATE", "APP_UNINSTALLED"}
    assert {s["uri"] for s in subscriptions} == {f"{shop_url.split('/_emulators')[0]}/webhooks/shopify/{system.public_id}/"}
    assert system.status_message == ""


def test_subscribing_twice_creates_no_duplicates(flow, rf, org) -> None:
    session, url = flow
    system = system_connect(organization=org, platform="shopify", result=callback(rf, org, session, approve(url)))
    oauth.after_connect(system)
    assert len(store(SHOP).all("webhooks")) == len(oauth.WEBHOOK_TOPICS)


def test_it_refuses_a_bad_hmac(flow, rf, org) -> None:
    session, url = flow
    query = re.sub(r"hmac=[0-9a-f]+", "hmac=" + "0" * 64, approve(url))
    with pytest.raises(PermanentError, match="not signed correctly"):
        callback(rf, org, session, query)


def test_it_refuses_a_callback_with_a_changed_parameter(flow, rf, org) -> None:
    session, url = flow
    query = re.sub(r"code=[0-9a-f]+", "code=0907a61c0c8d55e99db179b68161bc00", approve(url))
    with pytest.raises(PermanentError, match="not signed correctly"):
        callback(rf, org, session, query)


def test_it_refuses_a_shop_outside_myshopify(seeded, rf, org, shop_url) -> None:
    with pytest.raises(PermanentError, match="myshopify.com"):
        start(rf, org, shop_url, shop="evil.example.com")


def test_it_refuses_a_callback_for_another_shop(flow, rf, org) -> None:
    session, url = flow
    state = parse_qs(urlsplit(url).query)["state"][0]
    forged = signed_query({"code": "abc", "shop": "other-shop.myshopify.com", "state": state,
                           "timestamp": str(int(time.time()))}, CLIENT_SECRET)
    with pytest.raises(PermanentError, match="different store"):
        callback(rf, org, session, forged)


def test_it_refuses_a_replayed_state(flow, rf, org) -> None:
    session, url = flow
    query = approve(url)
    callback(rf, org, session, query)
    with pytest.raises(PermanentError, match="already used"):
        callback(rf, org, session, query)


def test_it_refuses_a_state_it_never_issued(flow, rf, org) -> None:
    session, url = flow
    query = re.sub(r"state=[^&]+", "state=forged", approve(url))
    with pytest.raises(PermanentError, match="state mismatch"):
        callback(rf, org, session, query)


def test_it_refuses_a_callback_for_another_organisation(flow, rf, org, other_org) -> None:
    session, url = flow
    with pytest.raises(PermanentError, match="another organisation"):
        callback(rf, other_org, session, approve(url))


def test_it_reports_a_cancelled_install(flow, rf, org) -> None:
    session, url = flow
    with pytest.raises(PermanentError, match="did not approve"):
        callback(rf, org, session, approve(url, decision="cancel"))


def test_the_emulator_accepts_an_authorisation_code_once(flow, shop_url) -> None:
    _, url = flow
    code = parse_qs(approve(url))["code"][0]
    body = {"client_id": "a1b2c3d4e5f60718293a4b5c6d7e8f90", "client_secret": CLIENT_SECRET, "code": code}
    token_url = f"{shop_url}/{SHOP}/admin/oauth/access_token"
    first = requests.post(token_url, json=body, timeout=10)
    assert first.status_code == 200 and set(first.json()) == {"access_token", "scope"}  # not expiring
    assert requests.post(token_url, json=body, timeout=10).status_code == 400


def test_the_emulator_refuses_a_wrong_client_secret(flow, shop_url) -> None:
    _, url = flow
    code = parse_qs(approve(url))["code"][0]
    response = requests.post(f"{shop_url}/{SHOP}/admin/oauth/access_token", data={
        "client_id": "a1b2c3d4e5f60718293a4b5c6d7e8f90", "client_secret": "wrong", "code": code}, timeout=10)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_it_refuses_a_token_with_fewer_scopes_than_needed(flow, rf, org) -> None:
    session, url = flow
    narrowed = re.sub(r"scope=[^&]+", "scope=read_products", url)
    with pytest.raises(PermanentError, match="missing: read_customers, read_locations, read_orders, write_inventory"):
        callback(rf, org, session, approve(narrowed))


def test_it_verifies_the_install_request_from_shopify(rf) -> None:
    query = signed_query({"shop": SHOP, "timestamp": str(int(time.time())), "host": "abc"}, CLIENT_SECRET)
    assert oauth.install_request_shop(rf.get(f"/connect/shopify/install/?{query}")) == SHOP
    with pytest.raises(PermanentError):
        oauth.install_request_shop(rf.get(f"/connect/shopify/install/?{query.replace('abc', 'abd')}"))


def test_it_accepts_the_emulator_root_as_base_url(seeded, rf, org, shop_url) -> None:
    request = rf.get("/connect/shopify/")
    request.session = SessionStore()
    url = oauth.authorization_url(request, organization=org, redirect_uri=REDIRECT, base_url=shop_url,
                                  params={"shop": SHOP})
    assert url.startswith(f"{shop_url}/{SHOP}/admin/oauth/authorize?")
    result = callback(rf, org, request.session, approve(url))
    assert result.base_url == f"{shop_url}/{SHOP}"
