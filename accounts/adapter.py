"""allauth adapter: nobody signs up without an open invitation for their address."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.http import HttpRequest

SESSION_KEY = "invitation_token"


def _invitation(request: HttpRequest | None) -> Any:
    from accounts.services import invitation_open

    token = request.session.get(SESSION_KEY) if request is not None else None
    return invitation_open(token) if token else None


class InvitationOnlyAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return _invitation(request) is not None

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        invitation = _invitation(getattr(self, "request", None))
        if invitation is not None and invitation.email.lower() != email.lower():
            raise forms.ValidationError(f"This invitation is for {invitation.email}; sign up with that address.")
        return email

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        from accounts.services import invitation_accept

        user = super().save_user(request, user, form, commit=commit)
        invitation = _invitation(request)
        if commit and invitation is not None:
            invitation_accept(invitation=invitation, user=user)
            request.session.pop(SESSION_KEY, None)
        return user
