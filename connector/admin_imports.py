"""SKU mappings CSV in the admin: upload -> dry-run preview -> confirm; and export.

The checks and the writing live in connector/services/mappings.py; these views only carry the
file between the preview and the confirmation (kept under var/, named by a random token that is
bound to the session, so one person cannot confirm another person's file).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts.models import Organization
from accounts.selectors import can_change, organizations_for
from connector.admin_resources import ProductLinkResource
from connector.models import ProductLink
from connector.services.mappings import MAX_BYTES, MappingFileError, mappings_import

SESSION_KEY = "mapping_imports"


def _upload_dir() -> Path:
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class UploadForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none())
    file = forms.FileField(help_text="store,store_sku,accounting_sku[,store_product_id,accounting_item_id] - "
                                     "UTF-8, comma or semicolon separated.")

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        orgs = organizations_for(request.user)
        if not request.user.is_superuser:
            orgs = orgs.filter(memberships__user=request.user, memberships__role__in=["owner", "bookkeeper"])
        self.fields["organization"].queryset = orgs.distinct()
        if self.fields["organization"].queryset.count() == 1:
            self.fields["organization"].initial = self.fields["organization"].queryset.first()


class MappingImportMixin:
    """Adds import-csv/ and export-csv/ to the product links admin."""

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view  # type: ignore[attr-defined]
        return [
            path("import-csv/", wrap(self.import_csv_view), name="connector_productlink_import_csv"),
            path("export-csv/", wrap(self.export_csv_view), name="connector_productlink_export_csv"),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def import_csv_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied("Viewers cannot import mappings.")
        context: dict[str, Any] = {**self.admin_site.each_context(request), "title": "Import SKU mappings",  # type: ignore[attr-defined]
                                   "opts": ProductLink._meta, "max_mb": MAX_BYTES // (1024 * 1024)}
        if request.method == "POST" and request.POST.get("confirm"):
            return self._confirm(request)
        form = UploadForm(request.POST or None, request.FILES or None, request=request)
        if request.method == "POST" and form.is_valid():
            organization = form.cleaned_data["organization"]
            upload = form.cleaned_data["file"]
            if upload.size > MAX_BYTES:
                form.add_error("file", f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Split it.")
            else:
                data = upload.read()
                try:
                    report = mappings_import(organization=organization, data=data, dry_run=True)
                except MappingFileError as exc:
                    form.add_error("file", str(exc))
                else:
                    token = ""
                    if report.ok:
                        token = secrets.token_urlsafe(16)
                        (_upload_dir() / f"{token}.csv").write_bytes(data)
                        request.session[SESSION_KEY] = {**request.session.get(SESSION_KEY, {}),
                                                        token: organization.pk}
                    context.update({"report": report, "token": token, "organization": organization,
                                    "errors": report.errors[:500], "more_errors": max(0, len(report.errors) - 500)})
        context["form"] = form
        return TemplateResponse(request, "admin/connector/mapping_import.html", context)

    def _confirm(self, request: HttpRequest) -> HttpResponse:
        token = request.POST.get("confirm", "")
        pending = dict(request.session.get(SESSION_KEY, {}))
        org_id = pending.pop(token, None)
        request.session[SESSION_KEY] = pending
        file = _upload_dir() / f"{token}.csv"
        if org_id is None or not token.replace("-", "").replace("_", "").isalnum() or not file.exists():
            messages.error(request, "This preview expired or was already imported. Upload the file again.")
            return redirect("admin:connector_productlink_import_csv")
        organization = organizations_for(request.user).filter(pk=org_id).first()
        if organization is None or not can_change(request.user, organization):
            raise Http404("No such organisation.")
        try:
            report = mappings_import(organization=organization, data=file.read_bytes())
        except MappingFileError as exc:
            messages.error(request, str(exc))
            return redirect("admin:connector_productlink_import_csv")
        finally:
            file.unlink(missing_ok=True)
        if report.ok:
            messages.success(request, f"Imported into {organization}: {report.summary()}. The links are locked.")
        else:
            messages.error(request, "Nothing was imported: " + "; ".join(str(e) for e in report.errors[:20]))
        return redirect(reverse("admin:connector_productlink_changelist"))

    def export_csv_view(self, request: HttpRequest) -> HttpResponse:
        links = self.get_queryset(request)  # type: ignore[attr-defined]
        slug = request.GET.get("organization")
        name = "sku-mappings"
        if slug:
            organization = organizations_for(request.user).filter(slug=slug).first()
            if organization is None:
                raise Http404("No such organisation.")
            links, name = links.filter(organization=organization), f"sku-mappings-{organization.slug}"
        dataset = ProductLinkResource().export(queryset=links)
        response = HttpResponse(dataset.export("csv"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
