"""Inviting people into an organisation and setting their roles."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Membership, Organization, Role
from accounts.selectors import can_change

INVITATION_DAYS = 14


def _is_owner(user: Any, organization: Organization) -> bool:
    return bool(user.is_superuser) or Membership.objects.filter(
        user=user, organization=organization, role=Role.OWNER).exists()


def invitation_create(*, organization: Organization, email: str, role: str, invited_by: Any) -> Invitation:
    """Owners and bookkeepers invite; only an owner may invite another owner."""
    if not can_change(invited_by, organization):
        raise PermissionDenied("Only an owner or a bookkeeper of the organisation can invite people.")
    if role not in Role.values:
        raise ValidationError("Choose owner, bookkeeper or viewer.")
    if role == Role.OWNER and not _is_owner(invited_by, organization):
        raise PermissionDenied("Only an owner can invite another owner.")
    email = email.strip().lower()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError(f"{email} is already a member of {organization}.")
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(organization=organization, email=email, role=role,
                                                   invited_by=invited_by)
    except IntegrityError as exc:
        raise ValidationError(f"{email} already has an open invitation to {organization}.") from exc
    link = settings.CONNECTOR_PUBLIC_URL.rstrip("/") + reverse("connect:invitation", args=[invitation.token])
    send_mail(
        subject=f"You are invited to {organization} on the store connector",
        message=(f"{getattr(invited_by, 'email', '') or 'Someone'} invited you to {organization} as "
                 f"{invitation.get_role_display().lower()}.\n\nCreate your account here: {link}\n\n"
                 f"The link works for {INVITATION_DAYS} days, once."),
        from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[email],
    )
    return invitation


def invitation_open(token: Any) -> Invitation | None:
    """The invitation behind a link, if it can still be used."""
    cutoff = timezone.now() - timezone.timedelta(days=INVITATION_DAYS)
    return (Invitation.objects.filter(token=token, accepted_at__isnull=True, created_at__gte=cutoff)
            .select_related("organization").first())


def invitation_accept(*, invitation: Invitation, user: Any) -> Membership:
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is not None:
            raise ValidationError("This invitation was already used.")
        membership, _ = Membership.objects.get_or_create(user=user, organization=locked.organization,
                                                         defaults={"role": locked.role})
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["accepted_at"])
    return membership


def membership_set_role(*, membership: Membership, role: str, changed_by: Any) -> Membership:
    """Owners set roles; an organisation always keeps at least one owner."""
    if not _is_owner(changed_by, membership.organization):
        raise PermissionDenied("Only an owner can change roles.")
    if role not in Role.values:
        raise ValidationError("Choose owner, bookkeeper or viewer.")
    if membership.role == Role.OWNER and role != Role.OWNER:
        owners = Membership.objects.filter(organization=membership.organization, role=Role.OWNER).count()
        if owners <= 1:
            raise ValidationError("The organisation needs at least one owner.")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


def membership_remove(*, membership: Membership, removed_by: Any) -> None:
    if not _is_owner(removed_by, membership.organization):
        raise PermissionDenied("Only an owner can remove people.")
    if membership.role == Role.OWNER and Membership.objects.filter(
            organization=membership.organization, role=Role.OWNER).count() <= 1:
        raise ValidationError("The organisation needs at least one owner.")
    membership.delete()
