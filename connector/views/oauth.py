"""Connecting a system, generic over the platform registry.

OAuth platforms: start (our page) -> the platform's consent page -> callback (our page), through the
platform's OAuthModule (connector/platforms/contracts.py). Key and database platforms: the form
named by PlatformSpec.connect_form, whose `connect_result()` returns a ConnectResult.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.models import Organization
from accounts.selectors import can_change, organizations_for
from connector.models import ConnectedSystem, SystemStatus
from connector.platforms import PLATFORMS, get_platform
from connector.platforms.base import PlatformError
from connector.services.jobs import products_pull_request
from connector.services.systems import system_connect
from connector.views.access import email_verified, organization_for
from connector.views.forms import platform_available, start_fields

logger = logging.getLogger("connector.connect")
PENDING_KEY = "connect_pending"


def _spec(platform: str) -> Any:
    if platform not in PLATFORMS:
        raise Http404("No such platform.")
    return get_platform(platform)


def callback_url(platform: str) -> str:
    """The redirect URI registered with the platform: fixed per platform, on the public address."""
    return settings.CONNECTOR_PUBLIC_URL.rstrip("/") + reverse("connect:callback", args=[platform])


def emulator_base_url(platform: str) -> str:
    """With the emulators mounted (demo, tests) connections go to them; otherwise to the real API."""
    if not settings.CONNECTOR_EMULATORS:
        return ""
    return f"{settings.CONNECTOR_PUBLIC_URL.rstrip('/')}/_emulators/{platform}"


def _connected(request: HttpRequest, organization: Organization, platform: str, result: Any) -> HttpResponse:
    system = system_connect(organization=organization, platform=platform, result=result)
    products_pull_request(system=system)  # the first pull and match shows its progress on the page
    messages.success(request, f"{system.display_name} is connected. Reading its products now.")
    return redirect(f"{reverse('connect:organization', args=[organization.slug])}#system-{system.public_id}")


@login_required
def start(request: HttpRequest, slug: str, platform: str) -> HttpResponse:
    organization = organization_for(request, slug, change=True)
    spec = _spec(platform)
    if not platform_available(spec):
        raise Http404(f"{spec.label} cannot be connected from this page.")
    if not email_verified(request.user):
        messages.error(request, "Confirm your email address before connecting anything (see the email we sent).")
        return redirect("connect:organization", slug=organization.slug)
    form_class = spec.load("connect_form") if spec.connect_form else None
    # WooCommerce offers both: its consent page, or keys typed in ("method" says which).
    using_form = form_class is not None and (not spec.oauth or request.POST.get("method") == "keys")
    posted = request.method == "POST"
    form = form_class(request.POST if posted and using_form else None) if form_class else None
    if posted and using_form and form is not None and form.is_valid():
        try:
            result = form.connect_result()
        except PlatformError as exc:
            form.add_error(None, exc.message)
        else:
            return _connected(request, organization, platform, result)
    elif posted and spec.oauth and not using_form:
        params = {name: request.POST.get(name, "").strip() for name, _, _ in start_fields(spec)}
        try:
            url = spec.load("oauth").authorization_url(
                request, organization=organization, redirect_uri=callback_url(platform),
                base_url=emulator_base_url(platform), params=params)
        except PlatformError as exc:
            messages.error(request, exc.message)
        else:
            pending = dict(request.session.get(PENDING_KEY, {}))
            pending[platform] = organization.pk
            request.session[PENDING_KEY] = pending
            return redirect(url)
    return render(request, "connect/start.html", {"organization": organization, "spec": spec, "form": form,
                                                  "fields": start_fields(spec)})


@login_required
def callback(request: HttpRequest, platform: str) -> HttpResponse:
    spec = _spec(platform)
    if not spec.oauth:
        raise Http404("This platform does not connect through a consent page.")
    pending = dict(request.session.get(PENDING_KEY, {}))
    organization = organizations_for(request.user).filter(pk=pending.pop(platform, None)).first()
    request.session[PENDING_KEY] = pending
    if organization is None or not can_change(request.user, organization):
        messages.error(request, f"This {spec.label} answer does not match a connection you started. Start again.")
        return redirect("connect:organizations")
    try:
        result = spec.load("oauth").complete(request, organization=organization, redirect_uri=callback_url(platform))
    except PlatformError as exc:
        messages.error(request, exc.message)
        return redirect("connect:organization", slug=organization.slug)
    return _connected(request, organization, platform, result)


@login_required
def disconnected(request: HttpRequest, platform: str) -> HttpResponse:
    """Where a platform sends people who disconnected the app on its side (QuickBooks' Disconnect URL).

    A GET must not change anything (a link could be forged), so this page names the connections
    concerned and offers the usual disconnect button, which deletes our copy of the tokens and
    stops the jobs; revoking tokens the platform already ended is harmless."""
    spec = _spec(platform)
    account = request.GET.get("realmId") or request.GET.get("account", "")
    systems = (ConnectedSystem.objects.filter(organization__in=organizations_for(request.user), platform=platform)
               .exclude(status=SystemStatus.DISCONNECTED).select_related("organization"))
    if account:
        systems = systems.filter(external_account_id=account)
    rows = [{"system": s, "editable": can_change(request.user, s.organization)} for s in systems]
    return render(request, "connect/disconnected.html", {"spec": spec, "rows": rows})
