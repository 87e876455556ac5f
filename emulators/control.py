"""Helpers shared by every emulator's control API (JSON in, JSON out, no auth: demo and tests)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from emulators.faults import faults_configure


class ControlError(Exception):
    pass


def json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except json.JSONDecodeError as exc:
        raise ControlError(f"Body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ControlError("Body must be a JSON object")
    return data


def faults_view(platform: str, request: HttpRequest) -> JsonResponse:
    data = json_body(request)
    faults = faults_configure(
        platform, error_rate=float(data.get("error_rate", 0)), statuses=data.get("statuses") or [500],
        latency_ms=int(data.get("latency_ms", 0)), seed=int(data.get("seed", 0)),
        webhook_drop_rate=float(data.get("webhook_drop_rate", 0)),
    )
    return JsonResponse({"error_rate": faults.error_rate, "statuses": faults.statuses,
                         "latency_ms": faults.latency_ms, "seed": faults.seed,
                         "webhook_drop_rate": faults.webhook_drop_rate})


def known_account(value: Any, exists: Callable[[str], bool], label: str) -> str:
    """The account a control request names, or a ControlError naming the unknown one."""
    account = str(value or "")
    if not account or not exists(account):
        raise ControlError(f"Unknown {label} {account!r}")
    return account


def control_view(*refused: type[Exception], unavailable: tuple[type[Exception], ...] = (),
                 ) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a control API view: exempt from CSRF (the demo page and the tests post JSON), a
    ControlError, or any of `refused`, answered 400 and any of `unavailable` 503, with its message."""
    caught = (ControlError, *refused)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except caught as exc:
                return JsonResponse({"error": str(exc)}, status=400)
            except unavailable as exc:
                return JsonResponse({"error": str(exc)}, status=503)

        return csrf_exempt(wrapped)

    return decorator
