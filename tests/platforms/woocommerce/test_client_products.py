"""Products, pagination and authentication against the emulator over real HTTP."""

from __future__ import annotations

import time

import pytest
import requests

from connector.platforms.base import PermanentError, ReconnectRequired, RetryableError
from connector.platforms.woocommerce.auth import signed_url
from connector.platforms.woocommerce.client import WooCommerceClient
from emulators.woocommerce.emulator import emulator_connect, emulator_seed
from emulators.woocommerce.state import store
from tests.platforms.woocommerce.conftest import SITE, by_sku, fixture

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_lists_simple_products_and_variations_with_their_stock(woo) -> None:
    products = list(woo.iter_products())
    found = by_sku(products)
    assert set(found) == {"MUG-1", "TS-S", "TS-M", "WRAP-1"}
    assert (found["MUG-1"].quantity, found["MUG-1"].tracks_stock, found["MUG-1"].kind) == (10, True, "simple")
    assert (found["TS-S"].quantity, found["TS-S"].kind) == (3, "variation")
    assert found["TS-S"].parent_id == found["TS-M"].parent_id != ""
    assert found["TS-S"].name == "T-shirt - Small"
    assert (found["WRAP-1"].tracks_stock, found["WRAP-1"].quantity) == (False, None)
    assert len(products) == 4  # the variable parent does not manage stock: not listed


def test_it_pages_through_more_than_one_hundred_products(seeded, org, site_root) -> None:
    emulator_seed(SITE, [{"sku": f"BULK-{n:03}", "name": f"Bulk {n}", "quantity": n} for n in range(230)])
    client = WooCommerceClient(emulator_connect(organization=org, account=SITE, base_url=site_root))
    products = list(client.iter_products())
    assert [p.sku for p in products] == [f"BULK-{n:03}" for n in range(230)]


def test_the_emulator_sends_wordpress_pagination_headers(system, woo) -> None:
    emulator_seed(SITE, [{"sku": f"P-{n}", "name": f"P {n}", "quantity": 1} for n in range(25)])
    response = woo.call("GET", "products", params={"per_page": 10, "page": 2, "orderby": "id", "order": "asc"})
    assert (response.headers["X-WP-Total"], response.headers["X-WP-TotalPages"]) == ("25", "3")
    assert len(response.json()) == 10
    assert 'rel="prev"' in response.headers["Link"] and 'rel="next"' in response.headers["Link"]
    assert "page=3" in response.links["next"]["url"] and "oauth_signature" not in response.links["next"]["url"]


def test_per_page_above_one_hundred_is_refused_in_wordpress_words(woo) -> None:
    with pytest.raises(PermanentError) as caught:
        woo.call("GET", "products", params={"per_page": 101})
    assert caught.value.status == 400 and caught.value.code == "rest_invalid_param"
    assert caught.value.details == fixture("error.json")["per_page_too_large"]["body"]["data"]


def test_a_variation_managed_by_its_parent_reports_the_parent_stock(system, woo) -> None:
    parent = next(p for p in store(SITE).all("products") if p["type"] == "variable")
    parent.update(manage_stock=True, stock_quantity=6, sku="TS-ALL")
    store(SITE).put("products", parent["id"], parent)
    small = next(v for v in store(SITE).all("variations") if v["sku"] == "TS-S")
    small["manage_stock"] = False
    store(SITE).put("variations", small["id"], small)
    found = by_sku(woo.iter_products())
    assert found["TS-ALL"].kind == "variable" and found["TS-ALL"].quantity == 6
    assert found["TS-S"].quantity == 6 and found["TS-S"].extra["stock_owner"] == str(parent["id"])
    assert found["TS-S"].raw["manage_stock"] == "parent"
    assert found["TS-M"].quantity == 0  # manages its own stock


def test_a_sku_search_finds_variations_through_the_products_endpoint(woo) -> None:
    rows = woo.call("GET", "products", params={"sku": "TS-M,MUG-1"}).json()
    assert {(r["sku"], r["type"]) for r in rows} == {("TS-M", "variation"), ("MUG-1", "simple")}


# --------------------------------------------------------------------------- authentication
def test_a_wrong_secret_asks_for_a_new_connection(system) -> None:
    system.credentials = {**system.credentials, "consumer_secret": "cs_" + "0" * 40}
    with pytest.raises(ReconnectRequired, match="Invalid signature"):
        list(WooCommerceClient(system).iter_products())


def test_a_read_only_key_cannot_write(seeded, org, site_root) -> None:
    system = emulator_connect(organization=org, account=SITE, base_url=site_root, permissions="read")
    client = WooCommerceClient(system)
    assert list(client.iter_products())
    with pytest.raises(ReconnectRequired, match="does not have write permissions"):
        client.call("POST", "products/batch", json={"update": []})


def test_the_emulator_refuses_a_reused_nonce_and_a_stale_timestamp(system, site_url) -> None:
    key, secret = system.credentials["consumer_key"], system.credentials["consumer_secret"]
    url = signed_url("GET", f"{site_url}/wp-json/wc/v3/products", {}, key, secret, nonce="n" * 32)
    assert requests.get(url, timeout=10).status_code == 200
    again = requests.get(url, timeout=10)
    assert again.status_code == 401 and again.json()["message"] == "Invalid nonce - nonce has already been used."
    stale = signed_url("GET", f"{site_url}/wp-json/wc/v3/products", {}, key, secret,
                       timestamp=int(time.time()) - 3600)
    assert requests.get(stale, timeout=10).json()["message"] == "Invalid timestamp."


def test_without_credentials_the_emulator_answers_cannot_view(seeded, site_url) -> None:
    response = requests.get(f"{site_url}/wp-json/wc/v3/products", timeout=10)
    assert response.status_code == 401
    assert response.json() == fixture("error.json")["no_credentials_or_no_capability"]["body"]


def test_basic_auth_is_used_over_https_and_refused_over_http(system, site_url) -> None:
    """An https site gets Basic auth; the emulator (plain HTTP) accepts it only behind a TLS proxy."""
    client = WooCommerceClient(system)
    system.credentials = {**system.credentials, "auth": "basic"}
    assert client.auth_headers()["Authorization"].startswith("Basic ")
    with pytest.raises(ReconnectRequired):
        client.call("GET", "products")
    client.session.headers["X-Forwarded-Proto"] = "https"
    assert client.call("GET", "products").status_code == 200
    system.credentials = {**system.credentials, "consumer_secret": "cs_" + "1" * 40}
    refused = requests.get(f"{site_url}/wp-json/wc/v3/products", auth=(system.credentials["consumer_key"], "cs_x"),
                           headers={"X-Forwarded-Proto": "https"}, timeout=10)
    assert refused.status_code == 401 and refused.json() == fixture("error.json")["bad_secret_basic_auth"]["body"]
    assert refused.headers["WWW-Authenticate"] == fixture("error.json")["bad_secret_basic_auth"]["headers"]["WWW-Authenticate"]


def test_an_https_site_defaults_to_basic_auth(system) -> None:
    system.base_url = "https://shop.example.com"
    assert WooCommerceClient(system).auth_mode == "basic"
    system.base_url = "http://shop.example.com"
    assert WooCommerceClient(system).auth_mode == "oauth"


def test_query_string_keys_work_over_https(system) -> None:
    system.credentials = {**system.credentials, "auth": "query"}
    client = WooCommerceClient(system)
    client.session.headers["X-Forwarded-Proto"] = "https"
    assert "Authorization" not in client.auth_headers()
    assert client.call("GET", "products").status_code == 200


def test_an_unknown_route_is_a_permanent_error(woo) -> None:
    with pytest.raises(PermanentError) as caught:
        woo.call("GET", "coupons")
    assert caught.value.status == 404 and caught.value.code == "rest_no_route"


def test_injected_429_and_500_are_retryable(woo, site_root) -> None:
    requests.post(f"{site_root}/_control/faults", json={"error_rate": 1.0, "statuses": [429], "seed": 1}, timeout=10)
    with pytest.raises(RetryableError) as caught:
        list(woo.iter_products())
    assert caught.value.status == 429 and caught.value.retry_after >= 1
    requests.post(f"{site_root}/_control/faults", json={"error_rate": 1.0, "statuses": [503], "seed": 1}, timeout=10)
    with pytest.raises(RetryableError):
        list(woo.iter_products())
    requests.post(f"{site_root}/_control/faults", json={"error_rate": 0}, timeout=10)
    assert list(woo.iter_products())


def test_it_re_reads_a_few_products_by_id_including_variations(woo) -> None:
    found = by_sku(woo.iter_products())
    variation, simple = found["TS-S"], found["MUG-1"]
    again = woo.read_products([variation.external_id, simple.external_id, "99999"])
    assert [(p.sku, p.name, p.parent_id, p.quantity) for p in again] == [
        ("TS-S", "T-shirt - Small", variation.parent_id, 3), ("MUG-1", "Mug", "", 10)]
    assert {p.sku for p in woo.read_products([variation.parent_id])} == {"TS-S", "TS-M"}
