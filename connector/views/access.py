"""Who may see and change which organisation: every client page goes through here."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.http import Http404, HttpRequest

from accounts.models import Organization
from accounts.selectors import can_change, organizations_for
from connector.models import ConnectedSystem


def organization_for(request: HttpRequest, slug: str, *, change: bool = False) -> Organization:
    """The organisation named in the URL; another organisation's slug is a 404, not a 403, so
    nobody learns which organisations exist. `change` also refuses viewers (403 via PermissionDenied)."""
    from django.core.exceptions import PermissionDenied

    organization = organizations_for(request.user).filter(slug=slug).first()
    if organization is None:
        raise Http404("No such organisation.")
    if change and not can_change(request.user, organization):
        raise PermissionDenied("Viewers can look but not change anything.")
    return organization


def system_for(organization: Organization, public_id: Any) -> ConnectedSystem:
    system = ConnectedSystem.objects.filter(organization=organization, public_id=public_id).first()
    if system is None:
        raise Http404("No such connection.")
    return system


def email_verified(user: Any) -> bool:
    """Connecting anything needs a verified address (staff created by hand count as verified)."""
    if getattr(user, "is_superuser", False):
        return True
    return EmailAddress.objects.filter(user=user, verified=True).exists()
