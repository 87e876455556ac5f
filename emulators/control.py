"""Helpers shared by every emulator's control API (JSON in, JSON out, no auth: demo and tests)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, JsonResponse

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
