from __future__ import annotations

import uuid

import pytest

from connector.platforms.ratelimit import RateLimit, acquire_rate_limit, block_rate_limit

pytestmark = pytest.mark.django_db


def key(name: str) -> str:
    return f"{name}:{uuid.uuid4().hex}"  # Redis keeps windows between runs


def test_it_allows_calls_up_to_the_window_limit_then_says_how_long_to_wait():
    limits = (RateLimit(calls=3, seconds=60),)
    realm = key("realm")
    waits = [acquire_rate_limit(realm, limits) for _ in range(4)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert 0 < waits[3] <= 60


def test_limits_are_per_connection():
    limits = (RateLimit(calls=1, seconds=60),)
    one, two = key("realm"), key("realm")
    assert acquire_rate_limit(one, limits) == 0.0
    assert acquire_rate_limit(two, limits) == 0.0
    assert acquire_rate_limit(one, limits) > 0


def test_a_429_blocks_the_connection_for_the_retry_after():
    realm = key("realm")
    block_rate_limit(realm, 60)
    wait = acquire_rate_limit(realm, (RateLimit(calls=100, seconds=1),))
    assert 58 < wait <= 61
