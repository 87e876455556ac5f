"""Leases: one holder at a time, released by the holder only, taken over once expired."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from syncjobs.leases import lease_acquire, lease_release
from syncjobs.models import Lease

pytestmark = pytest.mark.django_db


def test_a_held_lease_is_refused_to_a_second_taker() -> None:
    first = lease_acquire("credentials:1", seconds=30)
    assert first is not None
    assert lease_acquire("credentials:1", seconds=30) is None
    assert lease_acquire("credentials:2", seconds=30) is not None


def test_only_the_holder_releases_it() -> None:
    holder = lease_acquire("credentials:1", seconds=30)
    lease_release("credentials:1", "someone-else")
    assert lease_acquire("credentials:1", seconds=30) is None
    lease_release("credentials:1", holder)
    assert lease_acquire("credentials:1", seconds=30) is not None


def test_an_expired_lease_is_taken_over_and_its_old_holder_cannot_release_the_new_one() -> None:
    old = lease_acquire("credentials:1", seconds=30)
    Lease.objects.filter(name="credentials:1").update(expires_at=timezone.now() - timedelta(seconds=1))
    new = lease_acquire("credentials:1", seconds=30)
    assert new is not None and new != old
    lease_release("credentials:1", old)
    assert Lease.objects.get(name="credentials:1").holder == new
