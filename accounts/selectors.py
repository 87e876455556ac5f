"""Read-side queries about who may see what."""

from __future__ import annotations

from typing import Any

from accounts.models import Membership, Organization, Role


def organizations_for(user: Any) -> Any:
    """Every organisation the user belongs to (all of them for a superuser)."""
    if not getattr(user, "is_authenticated", False):
        return Organization.objects.none()
    if user.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(memberships__user=user).distinct()


def membership_for(user: Any, organization: Organization) -> Membership | None:
    return Membership.objects.filter(user=user, organization=organization).first()


def can_change(user: Any, organization: Organization) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return Membership.objects.filter(user=user, organization=organization,
                                     role__in=[Role.OWNER, Role.BOOKKEEPER]).exists()
