"""The django-import-export resource behind the SKU mapping export: the same columns the import
reads, with cells a spreadsheet would run as formulas guarded (connector/services/mappings.py)."""

from __future__ import annotations

from typing import Any

from import_export import fields, resources

from connector.models import ConnectedSystem, ProductLink, SystemRole
from connector.services.mappings import COLUMNS, guard_formula


class ProductLinkResource(resources.ModelResource):
    store = fields.Field(column_name="store")
    store_sku = fields.Field(column_name="store_sku")
    accounting_sku = fields.Field(column_name="accounting_sku")
    store_product_id = fields.Field(column_name="store_product_id")
    accounting_item_id = fields.Field(column_name="accounting_item_id")

    class Meta:
        model = ProductLink
        fields = COLUMNS
        export_order = COLUMNS

    def export(self, queryset: Any = None, **kwargs: Any) -> Any:
        queryset = (queryset if queryset is not None else ProductLink.objects.none()).select_related(
            "store_product__system", "accounting_product").order_by("pk")
        # A store is named by its display name unless two stores share it (then by its id).
        names: dict[str, int] = {}
        for name in ConnectedSystem.objects.filter(role=SystemRole.STORE, pk__in=queryset.values(
                "store_product__system_id")).values_list("display_name", flat=True):
            names[name.strip().casefold()] = names.get(name.strip().casefold(), 0) + 1
        self._store_names = names
        return super().export(queryset=queryset, **kwargs)

    def dehydrate_store(self, link: ProductLink) -> str:
        store = link.store_product.system
        unique = self._store_names.get(store.display_name.strip().casefold(), 0) == 1
        return guard_formula(store.display_name if unique else str(store.public_id))

    def dehydrate_store_sku(self, link: ProductLink) -> str:
        return guard_formula(link.store_product.sku)

    def dehydrate_accounting_sku(self, link: ProductLink) -> str:
        return guard_formula(link.accounting_product.sku)

    def dehydrate_store_product_id(self, link: ProductLink) -> str:
        return guard_formula(link.store_product.external_id)

    def dehydrate_accounting_item_id(self, link: ProductLink) -> str:
        return guard_formula(link.accounting_product.external_id)
