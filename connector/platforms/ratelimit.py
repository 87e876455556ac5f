"""Per-connection rate limits shared by every process: in Redis when REDIS_URL is set, otherwise
in the database. Fixed windows: simple, and exact enough for limits such as QuickBooks'
10 requests per second and 500 per minute per realm.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F


@dataclass(frozen=True)
class RateLimit:
    calls: int
    seconds: int


@cache
def _redis():  # type: ignore[no-untyped-def]
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


def acquire_rate_limit(key: str, limits: tuple[RateLimit, ...]) -> float:
    """Take one call from every window; return 0 if allowed, else the seconds to wait."""
    now = time.time()
    blocked = _blocked_until(key)
    if blocked > now:
        return blocked - now
    for limit in limits:
        bucket = int(now // limit.seconds)
        if not _take(f"{key}:{limit.seconds}", bucket, limit):
            return (bucket + 1) * limit.seconds - now
    return 0.0


def block_rate_limit(key: str, seconds: float) -> None:
    """After a 429: nobody calls this connection again for `seconds`."""
    until = time.time() + seconds
    if settings.REDIS_URL:
        _redis().set(f"ratelimit:{settings.RATE_LIMIT_NAMESPACE}block:{key}", str(until), px=int(seconds * 1000) + 1)
        return
    from connector.models import RateLimitBucket

    RateLimitBucket.objects.update_or_create(
        key=f"{key}:block", bucket=0, defaults={"count": int(until) + 1, "expires_at": int(until) + 1}
    )


def _blocked_until(key: str) -> float:
    if settings.REDIS_URL:
        value = _redis().get(f"ratelimit:{settings.RATE_LIMIT_NAMESPACE}block:{key}")
        return float(value) if value else 0.0
    from connector.models import RateLimitBucket

    row = RateLimitBucket.objects.filter(key=f"{key}:block", bucket=0).values_list("count", flat=True).first()
    return float(row or 0)


def _take(window_key: str, bucket: int, limit: RateLimit) -> bool:
    if settings.REDIS_URL:
        name = f"ratelimit:{settings.RATE_LIMIT_NAMESPACE}{window_key}:{bucket}"
        pipe = _redis().pipeline()
        pipe.incr(name)
        pipe.expire(name, limit.seconds * 2)
        count, _ = pipe.execute()
        return int(count) <= limit.calls
    from connector.models import RateLimitBucket

    taken = RateLimitBucket.objects.filter(key=window_key, bucket=bucket, count__lt=limit.calls).update(
        count=F("count") + 1
    )
    if taken:
        return True
    try:
        with transaction.atomic():
            RateLimitBucket.objects.create(key=window_key, bucket=bucket, count=1,
                                           expires_at=(bucket + 2) * limit.seconds)
        return True
    except IntegrityError:
        # Another worker created this window's row first: take from it like everyone else.
        return bool(RateLimitBucket.objects.filter(key=window_key, bucket=bucket, count__lt=limit.calls).update(
            count=F("count") + 1))


def prune_rate_limits() -> int:
    if settings.REDIS_URL:
        return 0  # Redis keys expire by themselves
    from connector.models import RateLimitBucket

    deleted, _ = RateLimitBucket.objects.filter(expires_at__lt=int(time.time())).delete()
    return deleted
