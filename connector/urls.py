"""Generic routes only: platform routes are derived from the registry, never listed here."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from intake.views import receive_webhook
from syncjobs.health import healthz, livez

urlpatterns = [
    # Webhooks first: they are the busiest addresses, and resolving tries patterns in order.
    path("webhooks/<str:platform>/", receive_webhook, name="webhook"),
    path("webhooks/<str:platform>/<uuid:system_uuid>/", receive_webhook, name="webhook-system"),
    path("", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
]

if settings.CONNECTOR_EMULATORS:
    # Demo and tests only; named by string so the product never imports the emulators.
    urlpatterns.append(path("", include("emulators.urls")))
