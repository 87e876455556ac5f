"""Cost-based GraphQL throttling (THROTTLED inside HTTP 200), REST 429 Retry-After, faults."""

from __future__ import annotations

import pytest
import requests

from connector.platforms.base import RetryableError
from connector.platforms.shopify import graphql as gql
from connector.platforms.shopify.client import throttle_wait
from emulators.shopify.http import set_bucket
from emulators.shopify.state import store
from tests.platforms.shopify.conftest import SHOP, fixture

pytestmark = pytest.mark.django_db(transaction=True)


def requested_cost() -> int:
    """A page of variants by Shopify's cost rules: the connection 2, then per variant 5 objects
    (the variant, its product, inventory item, inventory level and the one quantity asked)."""
    return 2 + gql.VARIANTS_PAGE_SIZE * 5


def test_it_computes_the_wait_from_the_pack_throttle_body() -> None:
    cost = fixture("errors_429.json")["graphql_throttled"]["body"]["extensions"]["cost"]
    assert throttle_wait(cost) == pytest.approx((752 - 310) / 100.0)


def test_it_raises_retryable_with_the_computed_wait_when_throttled(shopify) -> None:
    location = shopify.location_id
    store(SHOP).ensure_account(bucket_max=1000.0, restore_rate=10.0)
    set_bucket(SHOP, 0)
    with pytest.raises(RetryableError) as caught:
        list(shopify.iter_products())
    requested = requested_cost()
    assert caught.value.code == "THROTTLED"
    assert caught.value.retry_after == pytest.approx(requested / 10.0, abs=1.0)
    assert location


def test_it_waits_briefly_and_retries_when_the_bucket_refills_soon(shopify) -> None:
    location = shopify.location_id
    requested = requested_cost()
    store(SHOP).ensure_account(bucket_max=2000.0, restore_rate=1000.0)
    set_bucket(SHOP, requested - 300)  # 0.3 s short
    products = list(shopify.iter_products())
    assert len(products) == 4
    assert shopify.last_cost["throttleStatus"]["maximumAvailable"] == 2000.0
    assert location


def test_it_honours_retry_after_on_rest_429(shopify) -> None:
    store(SHOP).ensure_account(rest_bucket=1, rest_leak=0.25)
    list(shopify.iter_orders_since(""))
    with pytest.raises(RetryableError) as caught:
        list(shopify.iter_orders_since(""))
    assert caught.value.status == 429
    assert caught.value.retry_after == pytest.approx(4.0, abs=0.5)


def test_it_treats_injected_server_errors_as_retryable(shopify, shop_url) -> None:
    shopify.location_id  # noqa: B018 - resolved before faults start
    response = requests.post(f"{shop_url}/_control/faults", json={"error_rate": 1.0, "statuses": [503]}, timeout=10)
    assert response.status_code == 200
    with pytest.raises(RetryableError) as caught:
        list(shopify.iter_products())
    assert caught.value.status == 503
    requests.post(f"{shop_url}/_control/faults", json={"error_rate": 0}, timeout=10)


def test_a_query_over_the_single_query_cost_ceiling_is_permanent(shopify) -> None:
    from connector.platforms.base import PermanentError

    with pytest.raises(PermanentError, match="MAX_COST_EXCEEDED|exceeds the single query max cost"):
        shopify.graphql(gql.VARIANTS_QUERY, {"first": 250, "after": None, "locationId": shopify.location_id})
