"""Organisations, memberships and invitations in the back office, scoped like every other screen."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.models import Invitation, Membership, Organization
from connector.admin_scoping import OrgScopedAdmin, ScopedInline


class MembershipInline(ScopedInline):
    model = Membership
    fields = ("user", "role", "created_at")
    readonly_fields = fields


@admin.register(Organization)
class OrganizationAdmin(OrgScopedAdmin):
    org_path = ""
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    inlines = (MembershipInline,)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return bool(request.user.is_superuser)  # new tenants are an operator's decision

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(Membership)
class MembershipAdmin(OrgScopedAdmin):
    list_display = ("user", "organization", "role", "created_at")
    list_filter = ("role", "organization")
    search_fields = ("user__email",)
    readonly_fields = ("user",)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return bool(request.user.is_superuser)  # people join through invitations


@admin.register(Invitation)
class InvitationAdmin(OrgScopedAdmin):
    list_display = ("email", "organization", "role", "invited_by", "created_at", "accepted_at")
    list_filter = ("role", "organization")
    search_fields = ("email",)
    readonly_fields = ("token", "invited_by", "created_at", "accepted_at")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # invitations are sent from the People page, which emails the link
