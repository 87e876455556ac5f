"""Routes mounted only when CONNECTOR_EMULATORS is on: each platform's emulated API under
/_emulators/<platform>/, and the demo page."""

from __future__ import annotations

from django.urls import include, path

from emulators.demo.views import demo_page
from emulators.registry import EMULATORS, emulator_for

urlpatterns = [path("demo/", demo_page, name="demo")] + [
    path(f"_emulators/{platform_id}/", include((emulator_for(platform_id).urlpatterns, f"emulator-{platform_id}")))
    for platform_id in EMULATORS
]
