"""Tenant scoping for every admin screen: rows, objects, foreign-key choices, filters, actions.

A member of organisation A sees A's rows only; another organisation's id is a 404 (not a redirect
or a 403, so nobody learns it exists); a viewer may look but changes nothing. Superusers see all.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import Http404, HttpRequest

from accounts.models import Organization
from accounts.selectors import can_change, organizations_for


def _changeable_org_ids(request: HttpRequest) -> set[int]:
    cached = getattr(request, "_changeable_org_ids", None)
    if cached is None:
        from accounts.models import Membership, Role

        cached = set(Membership.objects.filter(user=request.user, role__in=[Role.OWNER, Role.BOOKKEEPER])
                     .values_list("organization_id", flat=True))
        request._changeable_org_ids = cached  # type: ignore[attr-defined]
    return cached


def _member(request: HttpRequest) -> bool:
    user = request.user
    if not (user.is_active and user.is_staff):
        return False
    return bool(user.is_superuser or organizations_for(user).exists())


class OrgScopedAdmin(admin.ModelAdmin):
    """Rows reach the organisation through `org_path` ("" when the model is Organization)."""

    org_path = "organization"
    readonly_everything = False

    # ------------------------------------------------------------------ rows
    def get_queryset(self, request: HttpRequest) -> Any:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        lookup = f"{self.org_path}__in" if self.org_path else "pk__in"
        return qs.filter(**{lookup: organizations_for(request.user)})

    def organization_of(self, obj: Any) -> Organization | None:
        if not self.org_path:
            return obj
        value = obj
        for part in self.org_path.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value

    def _get_obj_does_not_exist_redirect(self, request: HttpRequest, opts: Any, object_id: str) -> Any:
        raise Http404("No such object.")

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        # Django checks the delete permission before it looks the object up: look first, so
        # another organisation's id is a 404 on read-only screens too.
        if self.get_object(request, object_id) is None:
            raise Http404("No such object.")
        return super().delete_view(request, object_id, extra_context)

    # ------------------------------------------------------------------ permissions
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _member(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _member(request)

    def _may_change(self, request: HttpRequest, obj: Any = None) -> bool:
        if self.readonly_everything or not _member(request):
            return False
        if request.user.is_superuser:
            return True
        if obj is None:
            return bool(_changeable_org_ids(request))
        organization = self.organization_of(obj)
        return organization is not None and organization.pk in _changeable_org_ids(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_change(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._may_change(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_change(request, obj)

    def get_list_display(self, request: HttpRequest) -> Any:
        # One organisation: its name on every row says nothing.
        shown = super().get_list_display(request)
        if not request.user.is_superuser and organizations_for(request.user).count() <= 1:
            return [name for name in shown if name != "organization"]
        return shown

    # ------------------------------------------------------------------ choices
    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        kwargs.setdefault("queryset", scoped_choices(db_field.related_model, request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_list_filter(self, request: HttpRequest) -> Any:
        # Foreign-key filters list only values present in the (scoped) rows.
        return [(f, admin.RelatedOnlyFieldListFilter) if isinstance(f, str) and self._is_fk(f) else f
                for f in super().get_list_filter(request)]

    def _is_fk(self, name: str) -> bool:
        try:
            field = self.model._meta.get_field(name)
        except Exception:  # noqa: BLE001 - a lookup path, not a field of this model
            return False
        return isinstance(field, models.ForeignKey)

    # ------------------------------------------------------------------ actions
    def changeable(self, request: HttpRequest, queryset: Any) -> list[Any]:
        """The selected rows this person may act on (viewers: none)."""
        return [obj for obj in queryset if self._may_change(request, obj)]


def scoped_choices(model: type[models.Model], request: HttpRequest) -> Any:
    qs = model._default_manager.all()
    if request.user.is_superuser:
        return qs
    orgs = organizations_for(request.user)
    if model is Organization:
        return qs.filter(pk__in=orgs)
    names = {f.name for f in model._meta.get_fields()}
    if "organization" in names:
        return qs.filter(organization__in=orgs)
    if "document" in names:
        return qs.filter(document__organization__in=orgs)
    if "job" in names:
        return qs.filter(job__organization__in=orgs)
    return qs.none()


class ScopedInline(admin.TabularInline):
    """Inlines follow their parent's scope; their own foreign keys are scoped too."""

    extra = 0

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _member(request)  # the parent's queryset already scoped the object

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        kwargs.setdefault("queryset", scoped_choices(db_field.related_model, request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def can_change_org(request: HttpRequest, organization: Organization) -> bool:
    return can_change(request.user, organization)
