"""The bookkeepers' back office: every screen scoped to the user's organisations.

Screens for the job ledger and logs (syncjobs models) are registered here too, so that every
ModelAdmin shares one scoping mixin (connector/admin_scoping.py).
"""

from __future__ import annotations

from typing import Any

from allauth.account.decorators import secure_admin_login
from django.contrib import admin, messages
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import path
from django.utils.html import format_html

from connector import admin_jobs  # noqa: F401 - registers the ledger and log screens
from connector.admin_dashboard import dashboard_view
from connector.admin_imports import MappingImportMixin
from connector.admin_scoping import OrgScopedAdmin, ScopedInline
from connector.models import (
    ConnectedSystem,
    CustomerLink,
    Product,
    ProductLink,
    SalesDocument,
    SalesDocumentLine,
    SystemRole,
)
from connector.options import ConnectionOptions
from connector.selectors import duplicate_sku_filter, product_link_reason, progress_for_systems
from connector.services import jobs
from connector.services.mappings import link_check
from syncjobs.models import Job, JobStatus

# The admin's sign-in is allauth's: same rate limits, same MFA.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Store ⇄ QuickBooks back office"
admin.site.site_title = "Back office"
admin.site.index_title = "Organisations you look after"
admin.site.index_template = "admin/connector_index.html"


def _run_action(modeladmin: OrgScopedAdmin, request: HttpRequest, queryset: Any, *, request_fn: Any,
                role: str | None, done: str) -> None:
    allowed = modeladmin.changeable(request, queryset)
    started, skipped = [], []
    for system in allowed:
        if (role and system.role != role) or not system.is_active:
            skipped.append(system.display_name)
            continue
        request_fn(system=system)
        started.append(system.display_name)
    if started:
        modeladmin.message_user(request, f"{done}: {', '.join(started)}.", messages.SUCCESS)
    if skipped:
        modeladmin.message_user(request, f"Skipped (not connected, or not that kind of system): {', '.join(skipped)}.",
                                messages.WARNING)
    if len(allowed) < queryset.count():
        modeladmin.message_user(request, "Viewers cannot start work; some rows were left alone.", messages.WARNING)


@admin.register(ConnectedSystem)
class ConnectedSystemAdmin(OrgScopedAdmin):
    list_display = ("display_name", "platform", "role", "organization", "status_badge", "last_success_at",
                    "unmatched", "failing_jobs", "progress")
    list_filter = ("platform", "role", "status", "organization")
    search_fields = ("display_name", "external_account_id")
    readonly_fields = ("public_id", "platform", "role", "external_account_id", "status", "status_message",
                       "last_success_at", "cursors", "created_at", "updated_at")
    fields = ("organization", "display_name", "public_id", "platform", "role", "external_account_id", "base_url",
              "status", "status_message", "options", "last_success_at", "cursors", "created_at", "updated_at")
    actions = ("pull_products", "push_stock", "reconcile", "poll_orders")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # systems are connected from the connect pages (OAuth or keys)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)

        class SystemForm(form):  # type: ignore[valid-type, misc]
            def clean_options(self) -> dict[str, Any]:
                # The same checks as the connect page's options form (unknown keys, document type...).
                return ConnectionOptions.from_json(self.cleaned_data.get("options") or {}).to_json()

        return SystemForm

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(lambda request: dashboard_view(request, self.admin_site))
        return [path("dashboard/", view, name="connector_connectedsystem_dashboard"), *super().get_urls()]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*self.readonly_fields, "organization") if obj else self.readonly_fields

    def get_queryset(self, request: HttpRequest) -> Any:
        # Counts as subqueries (not on the admin instance: it is shared by concurrent requests).
        def count(qs: Any) -> Any:
            return Subquery(qs.order_by().values("system_id").annotate(n=Count("pk")).values("n")[:1])

        unmatched = Product.objects.filter(system=OuterRef("pk"), system__role=SystemRole.STORE, active=True,
                                           link__isnull=True)
        failing = Job.objects.filter(system=OuterRef("pk"), status__in=[JobStatus.FAILED, JobStatus.DEAD])
        return super().get_queryset(request).select_related("organization").annotate(
            unmatched_count=Coalesce(count(unmatched), 0), failing_count=Coalesce(count(failing), 0))

    @admin.display(description="Status")
    def status_badge(self, obj: ConnectedSystem) -> str:
        colour = {"active": "#137a3e", "needs_reconnect": "#b3261e"}.get(obj.status, "#6b7280")
        return format_html('<strong style="color:{}">{}</strong>', colour, obj.get_status_display())

    @admin.display(description="Unmatched", ordering="unmatched_count")
    def unmatched(self, obj: ConnectedSystem) -> Any:
        return obj.unmatched_count if obj.is_store else "-"

    @admin.display(description="Failing jobs", ordering="failing_count")
    def failing_jobs(self, obj: ConnectedSystem) -> int:
        return obj.failing_count

    @admin.display(description="Work in progress")
    def progress(self, obj: ConnectedSystem) -> str:
        items = progress_for_systems([obj])[obj.pk]
        text = "; ".join(f"{p.label}: {p.done} of {p.total}" for p in items)
        return format_html('<span class="progress-box" data-system="{}" data-org="{}">{}</span>',
                           obj.public_id, obj.organization.slug, text)

    @admin.action(description="Pull products and match")
    def pull_products(self, request: HttpRequest, queryset: Any) -> None:
        _run_action(self, request, queryset, request_fn=jobs.products_pull_request, role=None,
                    done="Pulling products and matching")

    @admin.action(description="Push stock now")
    def push_stock(self, request: HttpRequest, queryset: Any) -> None:
        _run_action(self, request, queryset, request_fn=lambda system: jobs.stock_push_request(system=system, force=True),
                    role=SystemRole.STORE, done="Pushing QuickBooks' stock to")

    @admin.action(description="Reconcile now (read QuickBooks' changes)")
    def reconcile(self, request: HttpRequest, queryset: Any) -> None:
        _run_action(self, request, queryset, request_fn=jobs.stock_reconcile_request, role=SystemRole.ACCOUNTING,
                    done="Reconciling")

    @admin.action(description="Poll orders now")
    def poll_orders(self, request: HttpRequest, queryset: Any) -> None:
        _run_action(self, request, queryset, request_fn=jobs.orders_poll_request, role=SystemRole.STORE,
                    done="Reading new orders of")


class LinkStateFilter(admin.SimpleListFilter):
    title = "link"
    parameter_name = "link"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return (("unmatched", "Unmatched store products"), ("linked", "Linked"),
                ("duplicate", "Duplicate SKU"), ("generated", "Generated SKU"), ("drift", "Stock drift"))

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        if value == "unmatched":
            return queryset.filter(system__role=SystemRole.STORE, active=True, link__isnull=True)
        if value == "linked":
            return queryset.filter(Q(link__isnull=False) | Exists(ProductLink.objects.filter(accounting_product=OuterRef("pk"))))
        if value == "duplicate":
            return queryset.filter(duplicate_sku_filter())
        if value == "generated":
            return queryset.filter(sku_generated=True)
        if value == "drift":
            return queryset.filter(drift_detected_at__isnull=False)
        return queryset


@admin.register(Product)
class ProductAdmin(OrgScopedAdmin):
    list_display = ("sku", "name", "system", "organization", "tracks_stock", "quantity", "quick_reason")
    list_filter = (LinkStateFilter, "tracks_stock", "sku_generated", "active", "system")
    search_fields = ("sku", "name", "external_id")
    ordering = ("sku", "pk")
    list_select_related = ("system", "organization")
    readonly_fields = ("organization", "system", "external_id", "parent_external_id", "sku", "sku_key", "sku_generated",
                       "name", "kind", "tracks_stock", "quantity", "source_version", "source_updated_at",
                       "observed_quantity", "drift_detected_at", "active", "pulled_at", "reason")
    exclude = ("raw", "extra")
    actions = ("push_stock_now",)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # products come from their systems

    @admin.display(description="Why (not) linked")
    def reason(self, obj: Product) -> str:
        return product_link_reason(obj)

    @admin.display(description="Why (not) linked")
    def quick_reason(self, obj: Product) -> str:
        return product_link_reason(obj, quick=True)

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        """Autocomplete from a product link offers the right side only: store products on the
        left, QuickBooks items on the right."""
        queryset, distinct = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == "productlink":
            side = {"store_product": SystemRole.STORE, "accounting_product": SystemRole.ACCOUNTING}
            role = side.get(request.GET.get("field_name", ""))
            if role:
                queryset = queryset.filter(system__role=role, active=True)
        return queryset, distinct

    @admin.action(description="Push stock now (linked store products)")
    def push_stock_now(self, request: HttpRequest, queryset: Any) -> None:
        links = ProductLink.objects.filter(store_product__in=self.changeable(request, queryset))
        _push_links(self, request, links)


def _push_links(modeladmin: OrgScopedAdmin, request: HttpRequest, links: Any) -> None:
    by_system: dict[int, list[ProductLink]] = {}
    for link in links.select_related("store_product__system"):
        by_system.setdefault(link.store_product.system_id, []).append(link)
    for rows in by_system.values():
        system = rows[0].store_product.system
        jobs.stock_push_request(system=system, links=rows, force=True)
        modeladmin.message_user(request, f"Pushing {len(rows)} quantit{'y' if len(rows) == 1 else 'ies'} to "
                                         f"{system.display_name}.", messages.SUCCESS)
    if not by_system:
        modeladmin.message_user(request, "Nothing to push: no linked store product you may change was selected.",
                                messages.WARNING)


@admin.register(ProductLink)
class ProductLinkAdmin(MappingImportMixin, OrgScopedAdmin):
    list_display = ("store_product", "store_system", "accounting_product", "origin", "locked", "last_pushed_quantity",
                    "last_pushed_at", "last_error")
    list_filter = ("origin", "locked", "needs_push", "organization")
    search_fields = ("store_product__sku", "store_product__name", "accounting_product__sku", "accounting_product__name")
    autocomplete_fields = ("store_product", "accounting_product")
    list_select_related = ("store_product__system", "accounting_product")
    fields = ("store_product", "accounting_product", "locked", "origin", "last_pushed_quantity", "last_pushed_at",
              "last_error")
    readonly_fields = ("origin", "last_pushed_quantity", "last_pushed_at", "last_error")
    actions = ("lock", "unlock", "push_stock_now")

    @admin.display(description="Store")
    def store_system(self, obj: ProductLink) -> str:
        return obj.store_product.system.display_name

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)

        class LinkForm(form):  # type: ignore[valid-type, misc]
            def clean(self) -> dict[str, Any]:
                data = super().clean()
                store, accounting = data.get("store_product"), data.get("accounting_product")
                if store and accounting:
                    link_check(store_product=store, accounting_product=accounting)
                return data

        return LinkForm

    def save_model(self, request: HttpRequest, obj: ProductLink, form: Any, change: bool) -> None:
        obj.organization = obj.store_product.organization
        if not change or {"store_product", "accounting_product"} & set(form.changed_data):
            obj.origin, obj.needs_push, obj.last_pushed_quantity, obj.last_error = "manual", True, None, ""
        super().save_model(request, obj, form, change)

    @admin.action(description="Lock (automatic matching leaves them alone)")
    def lock(self, request: HttpRequest, queryset: Any) -> None:
        rows = self.changeable(request, queryset)
        ProductLink.objects.filter(pk__in=[r.pk for r in rows]).update(locked=True)
        self.message_user(request, f"{len(rows)} link(s) locked.", messages.SUCCESS)

    @admin.action(description="Unlock")
    def unlock(self, request: HttpRequest, queryset: Any) -> None:
        rows = self.changeable(request, queryset)
        ProductLink.objects.filter(pk__in=[r.pk for r in rows]).update(locked=False)
        self.message_user(request, f"{len(rows)} link(s) unlocked.", messages.SUCCESS)

    @admin.action(description="Push stock now")
    def push_stock_now(self, request: HttpRequest, queryset: Any) -> None:
        _push_links(self, request, ProductLink.objects.filter(pk__in=[r.pk for r in self.changeable(request, queryset)]))


@admin.register(CustomerLink)
class CustomerLinkAdmin(OrgScopedAdmin):
    list_display = ("display_name", "email_key", "accounting_customer_id", "accounting_system", "organization")
    list_filter = ("accounting_system", "organization")
    search_fields = ("display_name", "email_key", "accounting_customer_id")


class SalesDocumentLineInline(ScopedInline):
    model = SalesDocumentLine
    fields = ("sku", "quantity", "store_product", "accounting_product")
    readonly_fields = fields


@admin.register(SalesDocument)
class SalesDocumentAdmin(OrgScopedAdmin):
    list_display = ("__str__", "store_system", "status", "document_type", "doc_number", "accounting_document_id",
                    "total", "reason", "created_at")
    list_filter = ("status", "document_type", "store_system", "organization")
    search_fields = ("order_number", "order_external_id", "doc_number", "accounting_document_id")
    list_select_related = ("store_system",)
    inlines = (SalesDocumentLineInline,)
    exclude = ("snapshot",)
    readonly_fields = ("organization", "store_system", "accounting_system", "order_external_id", "order_number",
                       "order_status", "order_updated_at", "document_type", "request_id", "doc_number", "status",
                       "message", "accounting_document_id", "customer_link", "total", "created_at", "posted_at")
    actions = ("retry",)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    @admin.display(description="Why held or failed")
    def reason(self, obj: SalesDocument) -> str:
        return obj.message if obj.status in ("held", "failed", "cancelled_after_post") else ""

    @admin.action(description="Retry posting (after fixing a mapping)")
    def retry(self, request: HttpRequest, queryset: Any) -> None:
        rows = [d for d in self.changeable(request, queryset) if d.status in ("held", "failed", "pending")]
        for document in rows:
            jobs.sales_document_retry(document=document)
        self.message_user(request, f"{len(rows)} order(s) will be posted again.", messages.SUCCESS)
        if len(rows) < queryset.count():
            self.message_user(request, "Posted, skipped or cancelled orders (and viewers' selections) were left alone.",
                              messages.WARNING)

