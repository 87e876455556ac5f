"""Connecting a site: the wc-auth flow through the emulator's consent page (keys POSTed to our
callback over real HTTP), and manual key entry."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django.contrib.sessions.backends.db import SessionStore

from connector.models import ConnectedSystem
from connector.platforms.base import PermanentError, ReconnectRequired
from connector.platforms.woocommerce import oauth
from connector.platforms.woocommerce.auth import site_account
from connector.platforms.woocommerce.forms import KeysForm
from connector.services.systems import system_connect
from emulators.models import EmulatorOutbox
from emulators.woocommerce.state import issue_key, store
from tests.platforms.woocommerce.conftest import SITE, fixture

pytestmark = pytest.mark.django_db(transaction=True)

REDIRECT = "http://testserver/connect/woocommerce/callback/"


def start(rf, org, site_url: str):  # type: ignore[no-untyped-def]
    request = rf.get("/connect/woocommerce/")
    request.session = SessionStore()
    url = oauth.authorization_url(request, organization=org, redirect_uri=REDIRECT, params={"site": site_url})
    return request.session, url


def consent(url: str, decision: str = "approve") -> requests.Response:
    """What the merchant does on the store's consent screen."""
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and "would like to connect to your store" in page.text, page.text
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
    fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
    fields["decision"] = decision
    action = re.search(r'action="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    base = urlsplit(url)
    return requests.post(f"{base.scheme}://{base.netloc}{action}", data=fields, allow_redirects=False, timeout=70)


def returned(response: requests.Response) -> str:
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(REDIRECT)
    return urlsplit(location).query


def back(rf, org, session, query: str):  # type: ignore[no-untyped-def]
    request = rf.get(f"/connect/woocommerce/callback/?{query}")
    request.session = session
    return oauth.complete(request, organization=org, redirect_uri=REDIRECT)


def test_the_authorize_url_has_the_five_parameters(seeded, rf, org, site_url, live_server) -> None:
    _, url = start(rf, org, site_url)
    assert url.startswith(f"{site_url}/wc-auth/v1/authorize?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert set(query) == {"app_name", "scope", "user_id", "return_url", "callback_url"}
    assert (query["scope"], query["return_url"]) == ("read_write", REDIRECT)
    assert query["callback_url"] == f"{live_server.url}/webhooks/woocommerce/"


def test_approving_connects_the_site_with_the_posted_keys_and_subscribes(seeded, rf, org, site_url, live_server) -> None:
    session, url = start(rf, org, site_url)
    query = returned(consent(url))
    assert parse_qs(query)["success"] == ["1"]
    # The POST already connected the site for the organisation named by user_id.
    system = ConnectedSystem.objects.get(organization=org, platform="woocommerce")
    assert system.external_account_id == site_account(site_url) and system.base_url == site_url
    [key] = store(SITE).all("keys")
    assert system.credentials["consumer_key"] == key["consumer_key"]
    assert system.credentials["consumer_secret"] == key["consumer_secret"]
    assert key["description"].startswith("QuickBooks connector - API (")
    hooks = store(SITE).all("webhooks")
    address = f"{live_server.url}/webhooks/woocommerce/{system.public_id}/"
    assert sorted(h["topic"] for h in hooks) == ["order.created", "order.updated", "product.updated"]
    assert {(h["delivery_url"], h["status"], h["secret"]) for h in hooks} == {(address, "active", system.webhook_secret)}
    pings = [row for row in EmulatorOutbox.objects.filter(platform="woocommerce")
             if bytes(row.body).startswith(b"webhook_id=")]
    assert len(pings) == 3 and {row.last_status for row in pings} == {200}
    result = back(rf, org, session, query)
    assert result.credentials["consumer_key"] == key["consumer_key"]
    again = system_connect(organization=org, platform="woocommerce", result=result)
    assert again.pk == system.pk and again.status_message == ""
    assert len(store(SITE).all("webhooks")) == 3  # subscribing twice creates no duplicates


def test_a_forged_user_id_is_refused_and_the_store_deletes_the_key(seeded, rf, org, site_url) -> None:
    _, url = start(rf, org, site_url)
    user_id = parse_qs(urlsplit(url).query)["user_id"][0]
    forged = url.replace(urlencode({"user_id": user_id}), urlencode({"user_id": user_id[:-2] + "xx"}))
    response = consent(forged)
    assert response.status_code == 401 and "unable to send the consumer data" in response.text
    assert store(SITE).all("keys") == []
    assert not ConnectedSystem.objects.exists()


def test_a_user_id_is_used_once(seeded, rf, org, site_url, live_server) -> None:
    session, url = start(rf, org, site_url)
    returned(consent(url))
    user_id = parse_qs(urlsplit(url).query)["user_id"][0]
    replay = dict(fixture("wc_auth_callback.json")["callback_post_body"], user_id=user_id)
    response = requests.post(f"{live_server.url}/webhooks/woocommerce/", data=json.dumps(replay),
                             headers={"Content-Type": "application/json;charset=UTF-8"}, timeout=10)
    assert response.status_code == 400
    second = consent(url)  # the same link approved again
    assert second.status_code == 401
    assert len(store(SITE).all("keys")) == 1
    system = ConnectedSystem.objects.get()
    assert system.credentials["consumer_key"] != replay["consumer_key"]


def test_the_sample_key_post_without_our_signature_is_refused(live_server, transactional_db) -> None:
    body = fixture("wc_auth_callback.json")["callback_post_body"]  # user_id "42": not one we signed
    response = requests.post(f"{live_server.url}/webhooks/woocommerce/", data=json.dumps(body),
                             headers={"Content-Type": "application/json;charset=UTF-8"}, timeout=10)
    assert response.status_code == 400
    assert not ConnectedSystem.objects.exists()


def test_the_return_is_single_use_and_tied_to_the_organisation(seeded, rf, org, other_org, site_url) -> None:
    session, url = start(rf, org, site_url)
    query = returned(consent(url))
    with pytest.raises(PermanentError, match="another organisation"):
        back(rf, other_org, session, query)
    session2, url2 = start(rf, org, site_url)
    query2 = returned(consent(url2))
    back(rf, org, session2, query2)
    with pytest.raises(PermanentError, match="already used"):
        back(rf, org, session2, query2)


def test_a_declined_connection_is_reported(seeded, rf, org, site_url) -> None:
    session, url = start(rf, org, site_url)
    query = returned(consent(url, decision="deny"))
    assert parse_qs(query)["success"] == ["0"]
    with pytest.raises(PermanentError, match="did not approve"):
        back(rf, org, session, query)
    assert store(SITE).all("keys") == []


def test_a_return_with_a_tampered_user_id_is_refused(seeded, rf, org, site_url) -> None:
    session, url = start(rf, org, site_url)
    query = returned(consent(url))
    with pytest.raises(PermanentError, match="not started here"):
        back(rf, org, session, re.sub(r"user_id=[^&]+", "user_id=42", query))


def test_the_emulator_checks_the_authorize_parameters(seeded, site_url) -> None:
    url = f"{site_url}/wc-auth/v1/authorize"
    good = {"app_name": "App", "scope": "read_write", "user_id": "1", "return_url": "https://app.example.org/r",
            "callback_url": "https://app.example.org/c"}
    insecure = requests.get(url, params={**good, "callback_url": "http://app.example.org/c"}, timeout=10)
    assert insecure.status_code == 401 and "The callback_url needs to be over SSL" in insecure.text
    assert "Missing parameter scope" in requests.get(url, params={**good, "scope": ""}, timeout=10).text
    assert "Invalid scope admin" in requests.get(url, params={**good, "scope": "admin"}, timeout=10).text
    assert requests.get(url, params=good, timeout=10).status_code == 200


def test_an_empty_site_is_refused(rf, org) -> None:
    with pytest.raises(PermanentError, match="address of the WordPress site"):
        start(rf, org, "")


# --------------------------------------------------------------------------- duties
def test_after_connect_reactivates_a_disabled_webhook_and_revoke_removes_ours(system) -> None:
    hooks = store(SITE).all("webhooks")
    hooks[0]["status"] = "disabled"
    store(SITE).put("webhooks", hooks[0]["id"], hooks[0])
    oauth.after_connect(system)
    assert {h["status"] for h in store(SITE).all("webhooks")} == {"active"}
    assert len(store(SITE).all("webhooks")) == 3
    oauth.revoke(system)
    assert store(SITE).all("webhooks") == []


def test_keys_cannot_be_refreshed(system) -> None:
    with pytest.raises(ReconnectRequired):
        oauth.refresh(system, system.credentials)


# --------------------------------------------------------------------------- manual keys
def test_a_read_write_key_entered_by_hand_connects(seeded, org, site_url) -> None:
    key = issue_key(SITE)
    form = KeysForm({"site": site_url + "/", "consumer_key": key["consumer_key"],
                     "consumer_secret": key["consumer_secret"]})
    assert form.is_valid(), form.errors
    result = form.connect_result()
    assert (result.base_url, result.external_account_id) == (site_url, site_account(site_url))
    system = system_connect(organization=org, platform="woocommerce", result=result)
    assert system.credentials["consumer_key"] == key["consumer_key"]
    assert len(store(SITE).all("webhooks")) == 3


def test_a_read_only_key_is_refused_by_the_form(seeded, site_url) -> None:
    key = issue_key(SITE, permissions="read")
    form = KeysForm({"site": site_url, "consumer_key": key["consumer_key"], "consumer_secret": key["consumer_secret"]})
    assert not form.is_valid()
    assert "write permissions" in str(form.errors)


def test_a_wrong_secret_or_a_malformed_key_is_refused_by_the_form(seeded, site_url) -> None:
    key = issue_key(SITE)
    wrong = KeysForm({"site": site_url, "consumer_key": key["consumer_key"], "consumer_secret": "cs_" + "0" * 40})
    assert not wrong.is_valid() and "refused this key" in str(wrong.errors)
    malformed = KeysForm({"site": site_url, "consumer_key": "ck_short", "consumer_secret": "secret"})
    assert not malformed.is_valid() and set(malformed.errors) == {"consumer_key", "consumer_secret"}


def test_a_site_without_the_rest_api_is_refused_by_the_form(seeded, site_root) -> None:
    form = KeysForm({"site": f"{site_root}/no-such-site", "consumer_key": "ck_" + "a" * 40,
                     "consumer_secret": "cs_" + "b" * 40})
    assert not form.is_valid() and "No WooCommerce REST API at this address" in str(form.errors)
