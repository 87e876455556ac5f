"""People pages: accepting an invitation, and the members page where owners invite and set roles."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render

from accounts.adapter import SESSION_KEY
from accounts.models import Invitation, Membership, Role
from accounts.selectors import can_change, membership_for
from accounts.services import (
    invitation_accept,
    invitation_create,
    invitation_open,
    membership_remove,
    membership_set_role,
)
from connector.views.access import organization_for
from connector.views.forms import InviteForm, RoleForm


def home(request: HttpRequest) -> HttpResponse:
    return redirect("connect:organizations")


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation email: signed-in people join at once, others sign up."""
    found = invitation_open(token)
    if found is None:
        return render(request, "account/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        if request.user.email.lower() != found.email.lower():
            messages.error(request, f"This invitation is for {found.email}. Sign out and use that address.")
            return redirect("connect:organizations")
        try:
            invitation_accept(invitation=found, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("connect:organization", slug=found.organization.slug)
    request.session[SESSION_KEY] = str(found.token)
    return render(request, "account/invitation.html", {"invitation": found})


@login_required
def members(request: HttpRequest, slug: str) -> HttpResponse:
    organization = organization_for(request, slug)
    editable = can_change(request.user, organization)
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("Viewers cannot invite people.")
        if form.is_valid():
            try:
                sent = invitation_create(organization=organization, email=form.cleaned_data["email"],
                                         role=form.cleaned_data["role"], invited_by=request.user)
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            else:
                messages.success(request, f"Invitation sent to {sent.email}.")
                return redirect("connect:members", slug=organization.slug)
    mine = membership_for(request.user, organization)
    return render(request, "connect/members.html", {
        "organization": organization, "form": form, "editable": editable,
        "is_owner": request.user.is_superuser or (mine is not None and mine.role == Role.OWNER),
        "memberships": organization.memberships.select_related("user").order_by("user__email"),
        "invitations": Invitation.objects.filter(organization=organization, accepted_at__isnull=True),
        "roles": Role.choices,
    })


@login_required
def member_change(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organization = organization_for(request, slug, change=True)
    membership = Membership.objects.filter(organization=organization, pk=pk).select_related("user").first()
    if membership is None:
        raise Http404("No such member.")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        if request.POST.get("remove"):
            membership_remove(membership=membership, removed_by=request.user)
            messages.success(request, f"{membership.user.email} was removed.")
        else:
            form = RoleForm(request.POST)
            if not form.is_valid():
                raise ValidationError("Choose owner, bookkeeper or viewer.")
            membership_set_role(membership=membership, role=form.cleaned_data["role"], changed_by=request.user)
            messages.success(request, f"{membership.user.email} is now {membership.get_role_display().lower()}.")
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("connect:members", slug=organization.slug)
