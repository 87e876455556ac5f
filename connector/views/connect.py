"""The organisation's connections page: health at a glance, options, disconnect, progress."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.selectors import can_change, membership_for, organizations_for
from connector.models import ConnectedSystem, SystemStatus
from connector.platforms import all_platforms
from connector.selectors import progress_for_systems, system_health
from connector.services.jobs import products_pull_request
from connector.services.systems import system_disconnect, system_update_options
from connector.views.access import email_verified, organization_for, system_for
from connector.views.forms import OptionsForm, platform_available, start_fields


@login_required
def organizations(request: HttpRequest) -> HttpResponse:
    orgs = list(organizations_for(request.user))
    if len(orgs) == 1:
        return redirect("connect:organization", slug=orgs[0].slug)
    return render(request, "connect/organizations.html", {"organizations": orgs})


@login_required
def organization_page(request: HttpRequest, slug: str) -> HttpResponse:
    organization = organization_for(request, slug)
    systems = list(ConnectedSystem.objects.filter(organization=organization).order_by("role", "display_name"))
    editable = can_change(request.user, organization)
    cards = []
    for health in system_health(systems):
        form = OptionsForm(system=health.system) if editable else None
        cards.append({"health": health, "form": form})
    platforms = [{"spec": spec, "fields": start_fields(spec), "available": platform_available(spec)}
                 for spec in all_platforms()]
    membership = membership_for(request.user, organization)
    return render(request, "connect/organization.html", {
        "organization": organization, "cards": cards, "platforms": platforms, "editable": editable,
        "verified": email_verified(request.user), "role": membership.get_role_display() if membership else "Staff",
        "has_accounting": any(s.role == "accounting" and s.status != SystemStatus.DISCONNECTED for s in systems),
    })


@login_required
def options_save(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    organization = organization_for(request, slug, change=True)
    system = system_for(organization, public_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = OptionsForm(request.POST, system=system)
    if form.is_valid():
        try:
            system_update_options(system=system, options=form.options())
        except ValidationError as exc:
            messages.error(request, f"Options of {system.display_name} not saved. {' '.join(exc.messages)}")
        else:
            messages.success(request, f"Options of {system.display_name} saved.")
    else:
        problems = "; ".join(f"{form.fields[k].label}: {' '.join(v)}" if k in form.fields else " ".join(v)
                             for k, v in form.errors.items())
        messages.error(request, f"Options of {system.display_name} not saved. {problems}")
    return redirect(f"{reverse('connect:organization', args=[organization.slug])}#system-{system.public_id}")


@login_required
def disconnect(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    organization = organization_for(request, slug, change=True)
    system = system_for(organization, public_id)
    if request.method == "POST":
        system_disconnect(system=system, reason=f"Disconnected by {request.user.email or request.user}.")
        messages.success(request, f"{system.display_name} is disconnected. Its tokens were revoked and deleted; "
                                  "its history is kept.")
        return redirect("connect:organization", slug=organization.slug)
    return render(request, "connect/disconnect.html", {"organization": organization, "system": system})


@login_required
def pull_now(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    organization = organization_for(request, slug, change=True)
    system = system_for(organization, public_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if system.is_active:
        products_pull_request(system=system)
        messages.success(request, f"Reading the products of {system.display_name} and matching them by SKU.")
    else:
        messages.error(request, f"{system.display_name} is not connected.")
    return redirect("connect:organization", slug=organization.slug)


@login_required
def match_report_page(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    """What matched, what did not and why, for one connection (read-only: viewers see it too)."""
    from connector.services.matching_report import match_report

    organization = organization_for(request, slug)
    system = system_for(organization, public_id)
    report = match_report(system)
    sections = [
        ("Matched", "Linked to a product on the other side.", report.matched),
        ("Duplicated SKU", "Never linked automatically: the same SKU appears more than once on one side.",
         report.duplicates),
        ("Without SKU", "Given a generated SKU so they can be listed; link them by hand or give them a SKU.",
         report.generated),
        ("Unmatched in the store", "No QuickBooks item carries their SKU.", report.unmatched_store),
        ("Unmatched in QuickBooks", "No store product carries their SKU.", report.unmatched_accounting),
    ]
    return render(request, "connect/match_report.html", {
        "organization": organization, "system": system, "counts": report.counts,
        "sections": [(title, help_text, rows) for title, help_text, rows in sections if rows]})


@login_required
def progress(request: HttpRequest, slug: str) -> JsonResponse:
    """Polled by the page every few seconds: long work in flight, per connection."""
    organization = organization_for(request, slug)
    systems = list(ConnectedSystem.objects.filter(organization=organization))
    by_system = progress_for_systems(systems)
    return JsonResponse({"systems": {str(s.public_id): [p.as_json() for p in by_system.get(s.pk, [])]
                                     for s in systems}})
