"""Every signature vector of the reference pack, plus what breaks them."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from connector.platforms.woocommerce.auth import (
    basic_header,
    body_is_signed,
    body_signature,
    oauth_base_string,
    oauth_params,
    oauth_signature,
    signed_url,
    site_account,
    site_url,
)

KEY = "ck_0123456789abcdef0123456789abcdef01234567"
SECRET = "cs_0123456789abcdef0123456789abcdef01234567"
NONCE = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"
STAMP = 1767225600
URL = "http://www.example.com/wp-json/wc/v3/orders"
BASE_D = ("GET&http%3A%2F%2Fwww.example.com%2Fwp-json%2Fwc%2Fv3%2Forders&oauth_consumer_key%3Dck_0123456789abcdef"
          "0123456789abcdef01234567%26oauth_nonce%3Da1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6%26oauth_signature_method%3D"
          "HMAC-SHA256%26oauth_timestamp%3D1767225600%26per_page%3D100%26status%3Dprocessing")
SIGNATURE_D = "Scxu2VaziL7VcyMdMumLosfFfrO3iqY5WOBqgJ09i4c="

BODY_E = (b'{"id":727,"status":"processing","permalink":"https:\\/\\/example.com\\/?p=727",'
          b'"line_items":[{"sku":"IPOD2008GREEN","quantity":2}]}')
SECRET_E = "wc-webhook-secret-123"
SIGNATURE_E = "w2YiuO13jGCYvvVd8ubv/QN6id7x8U+EikB8okve6eE="
SIGNATURE_E_UNESCAPED = "cAeQqlmyW7bwY3rAXxMKsBbNRWeZ8tlUbpNntqtsCRo="


def test_worked_example_d_base_string_and_signature() -> None:
    params = [("per_page", "100"), ("status", "processing"),
              *oauth_params(KEY, nonce=NONCE, timestamp=STAMP, method="HMAC-SHA256").items()]
    base = oauth_base_string("GET", URL, params)
    assert base == BASE_D
    assert oauth_signature(base, SECRET, "HMAC-SHA256") == SIGNATURE_D


def test_the_signed_url_carries_example_d_signature_url_encoded_and_no_version() -> None:
    url = signed_url("GET", URL, {"per_page": 100, "status": "processing"}, KEY, SECRET, nonce=NONCE, timestamp=STAMP)
    assert "oauth_signature=Scxu2VaziL7VcyMdMumLosfFfrO3iqY5WOBqgJ09i4c%3D" in url
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["oauth_signature"] == SIGNATURE_D
    assert "oauth_version" not in query
    assert url.split("?")[0] == URL


def test_the_signature_changes_with_the_host_the_method_and_the_secret() -> None:
    params = [("per_page", "100"), ("status", "processing"), *oauth_params(KEY, nonce=NONCE, timestamp=STAMP).items()]
    no_www = oauth_signature(oauth_base_string("GET", URL.replace("www.", ""), params), SECRET)
    post = oauth_signature(oauth_base_string("POST", URL, params), SECRET)
    other = oauth_signature(oauth_base_string("GET", URL, params), SECRET[:-1] + "8")
    assert SIGNATURE_D not in (no_www, post, other)


def test_hmac_sha1_is_supported_too() -> None:
    params = [*oauth_params(KEY, nonce=NONCE, timestamp=STAMP, method="HMAC-SHA1").items()]
    signature = oauth_signature(oauth_base_string("GET", URL, params), SECRET, "HMAC-SHA1")
    assert len(signature) == 28  # base64 of 20 bytes


def test_parameters_are_rfc3986_encoded_before_sorting() -> None:
    base = oauth_base_string("GET", URL, [("search", "a b+c/é"), ("after", "2026-01-01T00:00:00")])
    assert "after%3D2026-01-01T00%253A00%253A00%26search%3Da%2520b%252Bc%252F%25C3%25A9" in base


def test_worked_example_e_webhook_signature() -> None:
    assert len(BODY_E) == 128
    assert body_signature(BODY_E, SECRET_E) == SIGNATURE_E
    assert body_is_signed(BODY_E, SIGNATURE_E, SECRET_E)


def test_re_encoded_json_with_unescaped_slashes_does_not_verify() -> None:
    unescaped = BODY_E.replace(b"\\/", b"/")
    assert body_signature(unescaped, SECRET_E) == SIGNATURE_E_UNESCAPED
    assert not body_is_signed(unescaped, SIGNATURE_E, SECRET_E)


def test_tampered_bodies_missing_signatures_and_empty_secrets_do_not_verify() -> None:
    assert not body_is_signed(BODY_E.replace(b"727", b"728"), SIGNATURE_E, SECRET_E)
    assert not body_is_signed(BODY_E, "", SECRET_E)
    assert not body_is_signed(BODY_E, SIGNATURE_E, "")


def test_the_secret_is_html_decoded_as_woocommerce_does() -> None:
    assert body_signature(BODY_E, "a&amp;b") == body_signature(BODY_E, "a&b")


def test_basic_header() -> None:
    assert basic_header("ck_x", "cs_y") == "Basic Y2tfeDpjc195"


def test_site_identity() -> None:
    assert site_url("Shop.Example.com/") == "https://shop.example.com"
    assert site_url("http://example.com/store/wp-json/wc/v3") == "http://example.com/store"
    assert site_url("ftp://example.com") == ""
    assert site_account("https://WWW.Example.com/store/") == "www.example.com/store"
    assert site_account("http://127.0.0.1:8000/_emulators/woocommerce/demo-site") == (
        "127.0.0.1:8000/_emulators/woocommerce/demo-site")
