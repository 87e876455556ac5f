"""The connect flow against the emulator's consent page and token endpoint, over real HTTP."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.sessions.backends.db import SessionStore

from connector.platforms.base import PermanentError
from connector.platforms.oauth_state import STATE_TTL_SECONDS
from connector.platforms.quickbooks import oauth
from emulators.quickbooks.state import oauth_store
from tests.platforms.quickbooks.conftest import REALM

pytestmark = pytest.mark.django_db(transaction=True)

REDIRECT = "http://testserver/connect/quickbooks/callback/"


def start(rf, org, qbo_url: str):  # type: ignore[no-untyped-def]
    request = rf.get("/connect/quickbooks/")
    request.session = SessionStore()
    url = oauth.authorization_url(request, organization=org, redirect_uri=REDIRECT, base_url=qbo_url)
    return request.session, url


def consent(url: str, decision: str = "connect", realm: str = REALM) -> str:
    """What the QuickBooks user does on the consent page; returns the callback's query string."""
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and "Connect" in page.text and "Deny" in page.text
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
    fields.update({"decision": decision, "realmId": realm})
    response = requests.post(url.split("?", 1)[0], data=fields, allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(REDIRECT)
    return urlsplit(response.headers["Location"]).query


def callback(rf, org, session, query: str):  # type: ignore[no-untyped-def]
    request = rf.get(f"/connect/quickbooks/callback/?{query}")
    request.session = session
    return oauth.complete(request, organization=org, redirect_uri=REDIRECT)


@pytest.fixture
def flow(realm, rf, org, qbo_url):  # type: ignore[no-untyped-def]
    return start(rf, org, qbo_url)


def test_it_asks_for_the_accounting_scope_with_pkce(flow) -> None:
    _, url = flow
    query = parse_qs(urlsplit(url).query)
    assert query["scope"] == ["com.intuit.quickbooks.accounting"]
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["redirect_uri"] == [REDIRECT] and query["response_type"] == ["code"]


def test_it_connects_a_company_named_from_company_info(flow, rf, org, qbo_url) -> None:
    session, url = flow
    result = callback(rf, org, session, consent(url))
    assert result.external_account_id == REALM
    assert result.display_name == "Emulated Company"
    assert result.base_url == qbo_url
    assert result.credentials["expires_at"] > time.time() + 3000
    assert result.credentials["refresh_token"] and result.credentials["refresh_expires_at"] > time.time() + 86400


def test_a_state_that_was_never_issued_is_refused(flow, rf, org) -> None:
    session, url = flow
    query = consent(url).replace("state=", "state=forged")
    with pytest.raises(PermanentError, match="state mismatch"):
        callback(rf, org, session, query)


def test_a_reused_state_is_refused(flow, rf, org) -> None:
    session, url = flow
    query = consent(url)
    callback(rf, org, session, query)
    with pytest.raises(PermanentError, match="already used"):
        callback(rf, org, session, query)


def test_an_expired_state_is_refused(flow, rf, org) -> None:
    session, url = flow
    states = session[oauth.SESSION_KEY]
    for entry in states.values():
        entry["created"] -= STATE_TTL_SECONDS + 1
    session[oauth.SESSION_KEY] = states
    with pytest.raises(PermanentError, match="expired"):
        callback(rf, org, session, consent(url))


def test_denied_consent_connects_nothing(flow, rf, org) -> None:
    session, url = flow
    query = consent(url, decision="deny")
    assert "error=access_denied" in query
    with pytest.raises(PermanentError, match="declined"):
        callback(rf, org, session, query)
    assert oauth_store().all("tokens") == []


def test_a_code_is_exchanged_only_once(flow, rf, org, qbo_url) -> None:
    session, url = flow
    query = consent(url)
    callback(rf, org, session, query)
    session2, _ = start(rf, org, qbo_url)
    replay = re.sub(r"state=[^&]+", f"state={next(iter(session2[oauth.SESSION_KEY]))}", query)
    with pytest.raises(PermanentError, match="refused the authorisation code"):
        callback(rf, org, session2, replay)


def test_the_discovery_document_points_at_the_emulator(qbo_url) -> None:
    document = requests.get(f"{qbo_url}/.well-known/openid_sandbox_configuration", timeout=5).json()
    assert document["token_endpoint"] == f"{qbo_url}/oauth2/v1/tokens/bearer"
    assert document["revocation_endpoint"] == f"{qbo_url}/v2/oauth2/tokens/revoke"


def test_a_connected_company_is_usable_and_disconnecting_revokes_its_tokens(flow, rf, org) -> None:
    from connector.models import SystemStatus
    from connector.platforms.quickbooks.client import QuickBooksClient
    from connector.services.systems import system_connect, system_disconnect

    session, url = flow
    system = system_connect(organization=org, platform="quickbooks", result=callback(rf, org, session, consent(url)))
    assert system.status == SystemStatus.ACTIVE and system.display_name == "Emulated Company"
    assert len(list(QuickBooksClient(system).iter_items())) == 4
    access = system.credentials["access_token"]
    system_disconnect(system=system)
    assert oauth_store().get("tokens", access) is None
