"""The back-office dashboard: per organisation, stock pushes and failures over the last 24 hours
and the webhook-to-store latency, drawn as inline SVG (no script, no build step)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts.selectors import organizations_for
from connector.selectors import HourBucket, stock_push_series

WIDTH, HEIGHT, PAD = 720, 180, 28


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    ok_y: float
    ok_h: float
    bad_y: float
    bad_h: float
    label: str
    title: str


def _bars(series: list[HourBucket]) -> tuple[list[Bar], int]:
    top = max([b.pushes + b.failures for b in series] + [1])
    slot = (WIDTH - PAD) / max(len(series), 1)
    bars = []
    for i, bucket in enumerate(series):
        ok_h = (HEIGHT - PAD) * bucket.pushes / top
        bad_h = (HEIGHT - PAD) * bucket.failures / top
        base = HEIGHT - PAD
        bars.append(Bar(x=PAD + i * slot + 1, width=max(slot - 2, 1), ok_y=base - ok_h, ok_h=ok_h,
                        bad_y=base - ok_h - bad_h, bad_h=bad_h,
                        label=bucket.start.strftime("%H") if i % 3 == 0 else "",
                        title=f"{bucket.start:%H:00}: {bucket.pushes} pushed, {bucket.failures} failed"))
    return bars, top


def _latency_points(series: list[HourBucket]) -> tuple[str, int, list[dict[str, Any]]]:
    values = [b.latency_ms for b in series]
    top = max([v for v in values if v is not None] + [1])
    slot = (WIDTH - PAD) / max(len(series), 1)
    points, dots = [], []
    for i, value in enumerate(values):
        if value is None:
            continue
        x = PAD + i * slot + slot / 2
        y = (HEIGHT - PAD) - (HEIGHT - PAD - 8) * value / top
        points.append(f"{x:.1f},{y:.1f}")
        dots.append({"x": f"{x:.1f}", "y": f"{y:.1f}", "title": f"{series[i].start:%H:00}: {value} ms"})
    return " ".join(points), top, dots


def dashboard_view(request: HttpRequest, admin_site: Any) -> HttpResponse:
    panels = []
    for organization in organizations_for(request.user).order_by("name"):
        series = stock_push_series([organization.pk])
        bars, top = _bars(series)
        line, latency_top, dots = _latency_points(series)
        latencies = [b.latency_ms for b in series if b.latency_ms is not None]
        panels.append({
            "organization": organization, "bars": bars, "top": top, "line": line, "latency_top": latency_top,
            "dots": dots, "pushes": sum(b.pushes for b in series), "failures": sum(b.failures for b in series),
            "latency": int(sum(latencies) / len(latencies)) if latencies else None,
        })
    context = {**admin_site.each_context(request), "title": "Dashboard: the last 24 hours", "panels": panels,
               "width": WIDTH, "height": HEIGHT, "pad": PAD, "base": HEIGHT - PAD}
    return TemplateResponse(request, "admin/connector/dashboard.html", context)
