"""Accounts: sign-in by email, sign-up only by invitation, a verified address before connecting,
roles set by owners, allauth's rate limit on the sign-in the admin shares."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import Invitation, Membership, Role

pytestmark = pytest.mark.django_db


def invite(client, user, email: str = "new@example.com", role: str = "viewer"):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client.post("/connect/acme/members/", {"email": email, "role": role}, follow=True)


def test_sign_in_is_by_email(client, client_user) -> None:
    response = client.post("/accounts/login/", {"login": "client@example.com", "password": "correct horse 1"})
    assert response.status_code == 302 and response["Location"] == "/connect/"


def test_nobody_signs_up_without_an_invitation(client) -> None:
    response = client.post("/accounts/signup/", {"email": "x@example.com", "password1": "a long pass 42!",
                                                 "password2": "a long pass 42!"})
    assert "closed" in response.content.decode().lower()
    assert not EmailAddress.objects.filter(email="x@example.com").exists()


def test_an_invited_person_signs_up_joins_and_must_verify_before_connecting(client, client_user) -> None:
    invite(client, client_user, role="bookkeeper")
    (message,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/connect/invitations/[0-9a-f-]+/)", message.body).group(1)
    client.logout()
    assert "Join Acme Books" in client.get(link).content.decode()
    response = client.post("/accounts/signup/", {"email": "new@example.com", "password1": "a long pass 42!",
                                                 "password2": "a long pass 42!"})
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new@example.com")
    assert membership.role == Role.BOOKKEEPER and membership.organization.slug == "acme"
    assert Invitation.objects.get(email="new@example.com").accepted_at is not None
    assert not EmailAddress.objects.get(email="new@example.com").verified
    assert any("Confirm" in m.subject or "confirm" in m.body for m in mail.outbox[1:])
    client.force_login(membership.user)
    response = client.post("/connect/acme/add/quickbooks/", follow=True)
    assert "Confirm your email address before connecting anything" in response.content.decode()


def test_an_invitation_for_one_address_does_not_admit_another(client, client_user) -> None:
    invite(client, client_user)
    token = Invitation.objects.get().token
    client.logout()
    client.get(f"/connect/invitations/{token}/")
    response = client.post("/accounts/signup/", {"email": "intruder@example.com", "password1": "a long pass 42!",
                                                 "password2": "a long pass 42!"})
    assert "This invitation is for new@example.com" in response.content.decode()
    assert not Membership.objects.filter(user__email="intruder@example.com").exists()


def test_a_used_invitation_link_is_refused(client, client_user, django_user_model) -> None:
    invite(client, client_user)
    invitation = Invitation.objects.get()
    from accounts.services import invitation_accept

    invitation_accept(invitation=invitation, user=django_user_model.objects.create_user("n", "new@example.com"))
    client.logout()
    assert client.get(f"/connect/invitations/{invitation.token}/").status_code == 404


def test_a_viewer_cannot_invite(client, viewer) -> None:
    client.force_login(viewer)
    assert client.post("/connect/acme/members/", {"email": "a@example.com", "role": "viewer"}).status_code == 403
    assert not Invitation.objects.exists()


def test_only_an_owner_invites_an_owner(client, bookkeeper) -> None:
    response = invite(client, bookkeeper, role="owner")
    assert "Only an owner can invite another owner." in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_owner_sets_roles_but_keeps_one_owner(client, client_user, viewer) -> None:
    client.force_login(client_user)
    member = Membership.objects.get(user=viewer)
    client.post(f"/connect/acme/members/{member.pk}/", {"role": "bookkeeper"})
    assert Membership.objects.get(pk=member.pk).role == Role.BOOKKEEPER
    own = Membership.objects.get(user=client_user)
    response = client.post(f"/connect/acme/members/{own.pk}/", {"role": "viewer"}, follow=True)
    assert "at least one owner" in response.content.decode()
    assert Membership.objects.get(pk=own.pk).role == Role.OWNER


def test_a_bookkeeper_cannot_change_roles(client, bookkeeper, viewer) -> None:
    client.force_login(bookkeeper)
    member = Membership.objects.get(user=viewer)
    response = client.post(f"/connect/acme/members/{member.pk}/", {"role": "owner"}, follow=True)
    assert "Only an owner can change roles." in response.content.decode()
    assert Membership.objects.get(pk=member.pk).role == Role.VIEWER


def test_failed_sign_ins_are_rate_limited(client, client_user, settings) -> None:
    from django.core.cache import cache

    cache.clear()
    pages = [client.post("/accounts/login/", {"login": "client@example.com", "password": "wrong"}).content.decode()
             for _ in range(7)]
    assert "Too many failed login attempts" not in pages[0]
    assert "Too many failed login attempts" in pages[-1]
    cache.clear()


def test_staff_can_set_up_two_factor_authentication(client, bookkeeper) -> None:
    client.force_login(bookkeeper)
    page = client.get("/accounts/2fa/")
    assert page.status_code == 200 and "Authenticator App" in page.content.decode()
    # Turning it on asks for the password again first (allauth's reauthentication).
    assert client.get("/accounts/2fa/totp/activate/")["Location"].startswith("/accounts/reauthenticate/")
