"""The demo page: buttons that act as QuickBooks and as shoppers, through the emulators' control
API, and a live view of every system's quantities so the loop can be watched."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from connector.platforms import all_platforms
from emulators.demo.catalogue import ACCOUNTS


@login_required
def demo_page(request: HttpRequest) -> HttpResponse:
    systems = [{"id": spec.id, "label": spec.label, "role": spec.role, "account": ACCOUNTS.get(spec.id, ""),
                "sku_label": spec.sku_label} for spec in all_platforms()]
    return render(request, "demo/index.html", {"systems": systems, "default_sku": "TEA-EARLGREY"})
