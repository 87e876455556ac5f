"""Signature vectors from the reference pack, plus tampered and re-serialised bodies."""

from __future__ import annotations

import json

from connector.platforms.shopify.auth import (
    body_hmac,
    body_is_signed,
    query_hmac,
    query_is_signed,
    shop_is_valid,
)

BODY_C = (b'{"id":820982911946154508,"name":"#1001","email":"jon@example.com",'
          b'"line_items":[{"sku":"IPOD2008GREEN","quantity":1}]}')
SECRET = "shpss_example_client_secret"


def test_it_reproduces_legacy_query_vector_a() -> None:
    query = "code=0907a61c0c8d55e99db179b68161bc00&shop=some-shop.myshopify.com&timestamp=1337178173"
    assert query_hmac(query, "hush") == "4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20"


def test_it_accepts_modern_callback_vector_b() -> None:
    query = ("code=0907a61c0c8d55e99db179b68161bc00&host=YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZXhhbXBsZS1zaG9w"
             "&shop=example-shop.myshopify.com&state=nonce-5f2b9c1e&timestamp=1767225600"
             "&hmac=7c550a0bb13077303bfcc69e24883178b6b22bdc822291b91b44be1f966de947")
    assert query_is_signed(query, "7c550a0bb13077303bfcc69e24883178b6b22bdc822291b91b44be1f966de947", SECRET)


def test_it_sorts_parameters_before_signing() -> None:
    shuffled = ("timestamp=1337178173&shop=some-shop.myshopify.com&hmac=x"
                "&code=0907a61c0c8d55e99db179b68161bc00")
    assert query_hmac(shuffled, "hush") == "4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20"


def test_it_refuses_a_callback_with_a_changed_parameter() -> None:
    query = ("code=0907a61c0c8d55e99db179b68161bc00&host=YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZXhhbXBsZS1zaG9w"
             "&shop=evil-shop.myshopify.com&state=nonce-5f2b9c1e&timestamp=1767225600")
    assert not query_is_signed(query, "7c550a0bb13077303bfcc69e24883178b6b22bdc822291b91b44be1f966de947", SECRET)


def test_it_reproduces_webhook_vector_c() -> None:
    assert len(BODY_C) == 118
    assert body_hmac(BODY_C, SECRET) == "66ooAsiTHLPb0C2paqqqTR8jKasr6kw1mPwuaqCcrqA="
    assert body_is_signed(BODY_C, "66ooAsiTHLPb0C2paqqqTR8jKasr6kw1mPwuaqCcrqA=", SECRET)


def test_it_refuses_a_tampered_body() -> None:
    tampered = BODY_C.replace(b'"quantity":1', b'"quantity":9')
    assert not body_is_signed(tampered, "66ooAsiTHLPb0C2paqqqTR8jKasr6kw1mPwuaqCcrqA=", SECRET)


def test_it_refuses_re_serialised_json() -> None:
    reserialised = json.dumps(json.loads(BODY_C)).encode()  # same data, different bytes
    assert reserialised != BODY_C
    assert not body_is_signed(reserialised, "66ooAsiTHLPb0C2paqqqTR8jKasr6kw1mPwuaqCcrqA=", SECRET)


def test_it_refuses_everything_without_a_secret() -> None:
    assert not body_is_signed(BODY_C, body_hmac(BODY_C, ""), "")


def test_it_accepts_only_anchored_myshopify_domains() -> None:
    assert shop_is_valid("demo-shop.myshopify.com")
    for bad in ("evil.com", "evil.com?x=.myshopify.com", "demo.myshopify.com.evil.com", "-x.myshopify.com",
                "demo_shop.myshopify.com", "https://demo.myshopify.com", "demo.myshopify.com/"):
        assert not shop_is_valid(bad), bad



def test_an_empty_client_secret_refuses_every_signature(settings) -> None:
    from connector.platforms.shopify.auth import app_secret

    settings.SHOPIFY_CLIENT_SECRET = ""
    assert not body_is_signed(BODY_C, body_hmac(BODY_C, ""), app_secret())
