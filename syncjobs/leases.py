"""Named leases: short write transactions to take and give back a lock that outlives them."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from syncjobs.models import Lease


def lease_acquire(name: str, *, seconds: float) -> str | None:
    """Take the lease `name` for `seconds`; return the holder token, or None if someone holds it.

    An expired lease is taken over: its holder died or overran, and waiting for it would stall
    every other worker forever.
    """
    holder = secrets.token_hex(16)
    now = timezone.now()
    expires_at = now + timedelta(seconds=seconds)
    taken = Lease.objects.filter(name=name, expires_at__lte=now).update(holder=holder, expires_at=expires_at)
    if taken:
        return holder
    try:
        with transaction.atomic():
            Lease.objects.create(name=name, holder=holder, expires_at=expires_at)
    except IntegrityError:
        return None
    return holder


def lease_release(name: str, holder: str) -> None:
    Lease.objects.filter(name=name, holder=holder).delete()
