"""django-q's own admin pages are for superusers only: task arguments are internals."""

from __future__ import annotations

from typing import Any

from django.contrib import admin


class SuperuserOnlyMixin:
    def has_module_permission(self, request: Any) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_add_permission(self, request: Any, *args: Any) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)


def restrict_django_q_admin(site: admin.AdminSite) -> None:
    for model, model_admin in list(site._registry.items()):
        if model._meta.app_label == "django_q":
            site.unregister(model)
            restricted = type(f"SuperuserOnly{type(model_admin).__name__}", (SuperuserOnlyMixin, type(model_admin)), {})
            site.register(model, restricted)
