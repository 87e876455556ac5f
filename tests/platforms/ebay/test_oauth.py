"""The consent flow and token lifetimes against the emulator's consent page and token endpoint,
over real HTTP: RuName as redirect_uri, Basic client credentials, 2-hour access tokens,
18-month refresh tokens, refresh through credentials_refresh (once, under the connection lease)."""

from __future__ import annotations

import base64
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.sessions.backends.db import SessionStore

from connector.models import ConnectedSystem, SystemStatus
from connector.platforms.base import PermanentError, ReconnectRequired
from connector.platforms.ebay import oauth
from connector.platforms.ebay.auth import SCOPES
from connector.platforms.ebay.client import EbayClient
from connector.services.systems import system_connect
from emulators.ebay.state import expire_tokens, register_runame, store
from tests.platforms.ebay.conftest import CLIENT_ID, CLIENT_SECRET, RUNAME, SELLER, by_sku, fixture

pytestmark = pytest.mark.django_db(transaction=True)

CALLBACK = "http://testserver/connect/ebay/callback/"


@pytest.fixture
def flow(seeded, rf, org, ebay_url):  # type: ignore[no-untyped-def]
    register_runame(RUNAME, CALLBACK)
    request = rf.get("/connect/ebay/")
    request.session = SessionStore()
    url = oauth.authorization_url(request, organization=org, redirect_uri=CALLBACK, base_url=ebay_url)
    return request.session, url


def consent(url: str, decision: str = "agree", username: str = SELLER) -> str:
    """What the seller does on eBay's consent page; returns the callback's query string."""
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and "Agree" in page.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    fields.update(decision=decision, username=username)
    response = requests.post(url.split("?", 1)[0], data=fields, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(CALLBACK)
    return urlsplit(location).query


def callback(rf, org, session, query: str):  # type: ignore[no-untyped-def]
    request = rf.get(f"/connect/ebay/callback/?{query}")
    request.session = session
    return oauth.complete(request, organization=org, redirect_uri=CALLBACK)


def basic() -> str:
    return "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


def test_the_consent_url_carries_the_runame_and_every_scope(flow, ebay_url) -> None:
    _, url = flow
    assert url.startswith(f"{ebay_url}/oauth2/authorize?")
    query = parse_qs(urlsplit(url).query)
    assert query["redirect_uri"] == [RUNAME] and query["client_id"] == [CLIENT_ID]
    assert query["response_type"] == ["code"]
    assert query["scope"] == [" ".join(SCOPES)]
    assert "%20" in url and "+" not in url.split("scope=", 1)[1].split("&", 1)[0]


def test_it_connects_a_seller_with_two_hour_and_eighteen_month_tokens(flow, rf, org, ebay_url) -> None:
    session, url = flow
    query = consent(url)
    assert parse_qs(query)["expires_in"] == ["299"]
    code = parse_qs(query)["code"][0]
    assert "#" in code and "%23" in query  # arrives URL-encoded, is sent decoded exactly once
    result = callback(rf, org, session, query)
    assert (result.external_account_id, result.base_url) == (SELLER, ebay_url)
    now = time.time()
    assert abs(result.credentials["expires_at"] - (now + 7200)) < 60
    assert abs(result.credentials["refresh_token_expires_at"] - (now + 47304000)) < 60
    system = system_connect(organization=org, platform="ebay", result=result)
    assert by_sku(list(EbayClient(system).iter_products()))["MUG-1"].quantity == 10


def test_the_token_response_matches_ebays_documented_shape(flow, ebay_url) -> None:
    _, url = flow
    code = parse_qs(consent(url))["code"][0]
    response = requests.post(f"{ebay_url}/identity/v1/oauth2/token", timeout=10, headers={"Authorization": basic()},
                             data={"grant_type": "authorization_code", "code": code, "redirect_uri": RUNAME})
    assert set(response.json()) == set(fixture("token_response.json"))
    assert response.json()["token_type"] == "User Access Token"
    again = requests.post(f"{ebay_url}/identity/v1/oauth2/token", timeout=10, headers={"Authorization": basic()},
                          data={"grant_type": "authorization_code", "code": code, "redirect_uri": RUNAME})
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"  # single use


def test_the_token_call_needs_basic_client_credentials(flow, ebay_url) -> None:
    _, url = flow
    code = parse_qs(consent(url))["code"][0]
    wrong = "Basic " + base64.b64encode(f"{CLIENT_ID}:nope".encode()).decode()
    for headers in ({}, {"Authorization": wrong}):
        response = requests.post(f"{ebay_url}/identity/v1/oauth2/token", headers=headers, timeout=10,
                                 data={"grant_type": "authorization_code", "code": code, "redirect_uri": RUNAME})
        assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_a_code_issued_for_another_runame_is_refused(flow, rf, org, settings) -> None:
    session, url = flow
    query = consent(url)
    settings.EBAY_RUNAME = "Someone_Else-Other-App-zzzzz"
    with pytest.raises(ReconnectRequired, match="invalid_grant"):
        callback(rf, org, session, query)


def test_a_declined_consent_connects_nothing(flow, rf, org) -> None:
    session, url = flow
    with pytest.raises(PermanentError, match="did not agree"):
        callback(rf, org, session, consent(url, decision="decline"))


def test_a_replayed_or_foreign_state_is_refused(flow, rf, org, other_org) -> None:
    session, url = flow
    query = consent(url)
    with pytest.raises(PermanentError, match="another organisation"):
        callback(rf, other_org, session, query)
    with pytest.raises(PermanentError, match="already used"):
        callback(rf, org, session, query)


# --------------------------------------------------------------------------- refresh
def test_an_expired_token_on_a_trading_call_is_refreshed_once_and_the_refresh_token_kept(system) -> None:
    refresh_token = system.credentials["refresh_token"]
    stale = system.credentials["access_token"]
    expire_tokens(SELLER)  # eBay answers error 931 inside an HTTP 200 body
    client = EbayClient(ConnectedSystem.objects.get(pk=system.pk))
    client.inventory_page_size = 200
    products = list(client.iter_products())
    assert "MUG-1" in {p.sku for p in products}
    fresh = ConnectedSystem.objects.get(pk=system.pk)
    assert fresh.credentials["access_token"] != stale
    assert fresh.credentials["refresh_token"] == refresh_token  # eBay sends no new one
    assert fresh.credentials_version == 1


def test_two_clients_with_the_same_stale_token_refresh_only_once(system) -> None:
    first = EbayClient(ConnectedSystem.objects.get(pk=system.pk))
    second = EbayClient(ConnectedSystem.objects.get(pk=system.pk))
    expire_tokens(SELLER)
    before = len(store(SELLER).all("tokens"))
    list(first.iter_orders_since(""))  # REST 401 -> refresh -> retry
    list(second.iter_orders_since(""))  # finds the newer token: no second refresh
    assert len(store(SELLER).all("tokens")) == before + 1
    assert first.access_token == second.access_token


def test_it_refreshes_shortly_before_the_two_hours_are_up(system) -> None:
    ConnectedSystem.objects.filter(pk=system.pk).update(
        credentials={**system.credentials, "expires_at": int(time.time()) + 30})
    client = EbayClient(ConnectedSystem.objects.get(pk=system.pk))
    stale = client.access_token
    list(client.iter_orders_since(""))
    assert client.access_token != stale
    assert client.system.credentials["expires_at"] > time.time() + 7000


def test_an_unknown_refresh_token_asks_for_reconnecting(system) -> None:
    ConnectedSystem.objects.filter(pk=system.pk).update(
        credentials={**system.credentials, "refresh_token": "v^1.1#i^1#p^3#r^1#bm9ib2R5#x"})
    expire_tokens(SELLER)
    with pytest.raises(ReconnectRequired, match="invalid_grant"):
        list(EbayClient(ConnectedSystem.objects.get(pk=system.pk)).iter_orders_since(""))
    assert ConnectedSystem.objects.get(pk=system.pk).status == SystemStatus.NEEDS_RECONNECT


def test_a_refresh_token_past_eighteen_months_is_not_sent(system) -> None:
    with pytest.raises(ReconnectRequired, match="18-month"):
        oauth.refresh(system, {**system.credentials, "refresh_token_expires_at": time.time() - 1})


def test_refresh_may_not_widen_the_scope(system, ebay_url) -> None:
    response = requests.post(f"{ebay_url}/identity/v1/oauth2/token", timeout=10, headers={"Authorization": basic()},
                             data={"grant_type": "refresh_token", "refresh_token": system.credentials["refresh_token"],
                                   "scope": "https://api.ebay.com/oauth/api_scope/sell.account"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"
