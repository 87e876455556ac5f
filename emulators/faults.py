"""Injected faults for the emulators' API endpoints (control API: POST .../_control/faults).

Deterministic: the n-th call of a platform draws from Random(f"{seed}:{n}"), so a failing test
can be replayed with the same seed.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import Any

from django.db.models import F
from django.http import HttpRequest, HttpResponse

from emulators.models import EmulatorFaults

ErrorBody = Callable[[int], HttpResponse]


def faults_configure(platform: str, *, error_rate: float = 0.0, statuses: list[Any] | None = None,
                     latency_ms: int = 0, seed: int = 0, webhook_drop_rate: float = 0.0) -> EmulatorFaults:
    if not 0 <= error_rate <= 1 or not 0 <= webhook_drop_rate <= 1:
        raise ValueError("error_rate and webhook_drop_rate must be between 0 and 1")
    obj, _ = EmulatorFaults.objects.update_or_create(
        platform=platform,
        defaults={"error_rate": error_rate, "statuses": statuses or [500], "latency_ms": latency_ms,
                  "seed": seed, "calls": 0, "webhook_drop_rate": webhook_drop_rate},
    )
    return obj


def _draw(platform: str) -> tuple[EmulatorFaults | None, random.Random | None]:
    faults = EmulatorFaults.objects.filter(platform=platform).first()
    if faults is None or (faults.error_rate <= 0 and faults.latency_ms <= 0):
        return faults, None
    EmulatorFaults.objects.filter(pk=faults.pk).update(calls=F("calls") + 1)
    calls = EmulatorFaults.objects.filter(pk=faults.pk).values_list("calls", flat=True).get()
    return faults, random.Random(f"{faults.seed}:{calls}")


def with_faults(platform: str, error_body: ErrorBody, *, timeout_sleep: float = 3.0) -> Callable[..., Any]:
    """Decorate an emulator API view so configured faults happen before (or after) it runs."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            faults, rng = _draw(platform)
            if faults is None or rng is None:
                return view(request, *args, **kwargs)
            if faults.latency_ms:
                time.sleep(faults.latency_ms / 1000)
            if rng.random() >= faults.error_rate:
                return view(request, *args, **kwargs)
            kind = rng.choice(faults.statuses or [500])
            if kind == "timeout":
                time.sleep(timeout_sleep)
                return error_body(504)
            if kind == "applied_then_failed":
                view(request, *args, **kwargs)
                return error_body(500)
            if kind == "reset":
                # A WSGI view cannot cut the TCP connection; an empty 502 is the closest a proxy shows.
                return HttpResponse(b"", status=502)
            response = error_body(int(kind))
            if int(kind) == 429 and "Retry-After" not in response:
                response["Retry-After"] = "1"
            return response

        return wrapped

    return decorator


def webhook_should_drop(platform: str, key: str) -> bool:
    faults = EmulatorFaults.objects.filter(platform=platform).first()
    if faults is None or faults.webhook_drop_rate <= 0:
        return False
    return random.Random(f"{faults.seed}:drop:{key}").random() < faults.webhook_drop_rate
