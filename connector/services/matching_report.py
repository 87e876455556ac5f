"""The match report: for one connection, which products are linked and why the others are not,
in words a bookkeeper can act on.

`match_report(system)` covers one store (against the organisation's QuickBooks company), or, for
a QuickBooks connection, every store of the organisation. `product_link_reason(product)` explains
one product.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from connector.models import ConnectedSystem, LinkOrigin, Product, ProductLink, SystemRole
from connector.services.matching import duplicate_keys, matchable, stores_of
from connector.services.products import accounting_system, match_source


@dataclass(frozen=True)
class ProductStatus:
    product_id: int
    system_id: int
    external_id: str
    sku: str
    name: str
    sku_generated: bool
    linked_to: int | None  # the product on the other side, when linked
    reason: str


@dataclass(frozen=True)
class MatchReport:
    system_id: int
    matched: list[ProductStatus] = field(default_factory=list)
    unmatched_store: list[ProductStatus] = field(default_factory=list)
    unmatched_accounting: list[ProductStatus] = field(default_factory=list)
    duplicates: list[ProductStatus] = field(default_factory=list)
    generated: list[ProductStatus] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {"matched": len(self.matched), "unmatched_store": len(self.unmatched_store),
                "unmatched_accounting": len(self.unmatched_accounting), "duplicates": len(self.duplicates),
                "generated": len(self.generated)}


@dataclass
class _Context:
    """What a reason depends on, computed once per report (a few grouped queries)."""

    accounting: ConnectedSystem | None
    store_dups: dict[int, set[str]]
    accounting_dups: set[str]
    accounting_keys: set[str]

    @classmethod
    def build(cls, accounting: ConnectedSystem | None, stores: list[ConnectedSystem]) -> _Context:
        keys: set[str] = set()
        if accounting is not None:
            keys = set(matchable(accounting).values_list("sku_key", flat=True))
        return cls(accounting=accounting, store_dups={s.pk: duplicate_keys(s) for s in stores},
                   accounting_dups=duplicate_keys(accounting) if accounting else set(), accounting_keys=keys)


    @classmethod
    def for_key(cls, accounting: ConnectedSystem | None, store: ConnectedSystem | None, key: str) -> _Context:
        """The same facts for one key only (one product's reason: a few indexed lookups)."""
        def dups(system: ConnectedSystem) -> set[str]:
            return {key} if matchable(system).filter(sku_key=key).count() > 1 else set()

        keys: set[str] = set()
        if accounting is not None and matchable(accounting).filter(sku_key=key).exists():
            keys = {key}
        return cls(accounting=accounting, store_dups={store.pk: dups(store)} if store is not None else {},
                   accounting_dups=dups(accounting) if accounting else set(), accounting_keys=keys)


def _field_words(accounting: ConnectedSystem | None) -> str:
    return "Name" if accounting is not None and match_source(accounting) == "name" else "SKU"


def _linked_reason(link: ProductLink, counterpart: Product) -> str:
    label = f"'{counterpart.name}'" + (f" (SKU {counterpart.sku})" if counterpart.sku and not counterpart.sku_generated else "")
    return {
        LinkOrigin.AUTO: f"Linked to {label} because their codes are equal.",
        LinkOrigin.MANUAL: f"Linked to {label} by hand; automatic matching leaves this link alone.",
        LinkOrigin.CSV: f"Linked to {label} by a CSV import; automatic matching leaves this link alone.",
        LinkOrigin.CREATED: f"Linked to {label}, which was created in QuickBooks from this product.",
    }.get(link.origin, f"Linked to {label}.") + (" The link is locked." if link.locked else "")


def _store_reason(product: Product, ctx: _Context, has_variants: bool) -> str:
    platform = product.system.spec.label
    sku_label = product.system.spec.sku_label
    field_words = _field_words(ctx.accounting)
    if ctx.accounting is None:
        return "No QuickBooks company is connected yet, so nothing can be matched."
    if not product.active:
        return f"No longer listed (or archived) in {platform}; it is not matched."
    if has_variants:
        return "Has variants: each variant is matched on its own SKU."
    if product.kind in ("Category",):
        return "A category, not a product: never matched."
    if product.sku_generated:
        return (f"Has no {sku_label} in {platform}. It was given the generated code {product.sku}, which no "
                f"QuickBooks item has. Enter a {sku_label} in {platform} equal to the QuickBooks item's "
                f"{field_words}, or link it by hand.")
    if product.sku_key in ctx.store_dups.get(product.system_id, set()):
        return (f"{sku_label} '{product.sku}' is used by more than one product in {platform}, so it is not linked "
                f"automatically. Give each product its own {sku_label}, or link it by hand.")
    if product.sku_key in ctx.accounting_dups:
        return (f"More than one QuickBooks item has the {field_words} '{product.sku}', so it is not linked "
                "automatically. Make it unique in QuickBooks, or link it by hand.")
    if product.sku_key not in ctx.accounting_keys:
        return (f"No active QuickBooks item has the {field_words} '{product.sku}'. Add it in QuickBooks, correct "
                f"the {sku_label} in {platform}, or link it by hand.")
    return "Waiting for the next matching run."


def _accounting_reason(product: Product, ctx: _Context) -> str:
    field_words = _field_words(ctx.accounting)
    if not product.active:
        return "Inactive in QuickBooks; it is not matched."
    if product.kind in ("Category",):
        return "A QuickBooks category, not an item: never matched."
    if product.sku_generated:
        return (f"Has no SKU in QuickBooks; it was given the generated code {product.sku}. Enter a SKU in "
                "QuickBooks, match on Name instead, or link it by hand.")
    if product.sku_key in ctx.accounting_dups:
        return (f"More than one QuickBooks item has the {field_words} '{product.sku if field_words == 'SKU' else product.name}'"
                ", so none of them is linked automatically. Make it unique in QuickBooks, or link by hand.")
    return f"No store product has this {field_words}."


def _status(product: Product, reason: str, linked_to: int | None = None) -> ProductStatus:
    return ProductStatus(product_id=product.pk, system_id=product.system_id, external_id=product.external_id,
                         sku=product.sku, name=product.name, sku_generated=product.sku_generated,
                         linked_to=linked_to, reason=reason)


def _has_variants(products: list[Product]) -> set[str]:
    if not products:
        return set()
    parents = Product.objects.filter(system_id=products[0].system_id,
                                     parent_external_id__in=[p.external_id for p in products])
    return set(parents.values_list("parent_external_id", flat=True))


def match_report(system: ConnectedSystem) -> MatchReport:
    accounting = system if system.role == SystemRole.ACCOUNTING else accounting_system(system.organization_id)
    stores = list(stores_of(system.organization_id)) if system.role == SystemRole.ACCOUNTING else [system]
    ctx = _Context.build(accounting, stores)
    report = MatchReport(system_id=system.pk)
    linked_accounting: set[int] = set()
    for store in stores:
        products = list(Product.objects.filter(system=store).select_related("system", "link__accounting_product")
                        .order_by("pk"))
        parents = _has_variants(products)
        for product in products:
            link = getattr(product, "link", None)
            if link is not None:
                linked_accounting.add(link.accounting_product_id)
                report.matched.append(_status(product, _linked_reason(link, link.accounting_product),
                                              link.accounting_product_id))
            else:
                entry = _status(product, _store_reason(product, ctx, product.external_id in parents))
                if product.active and product.external_id not in parents:
                    report.unmatched_store.append(entry)
                if product.sku_key in ctx.store_dups.get(store.pk, set()) and not product.sku_generated:
                    report.duplicates.append(entry)
            if product.sku_generated:
                report.generated.append(report.matched[-1] if link is not None else
                                        _status(product, _store_reason(product, ctx, product.external_id in parents)))
    if accounting is not None:
        for item in Product.objects.filter(system=accounting).select_related("system").order_by("pk"):
            if item.pk in linked_accounting:
                continue
            entry = _status(item, _accounting_reason(item, ctx))
            if item.active and item.kind not in ("Category",):
                report.unmatched_accounting.append(entry)
            if item.sku_key in ctx.accounting_dups and not item.sku_generated:
                report.duplicates.append(entry)
            if item.sku_generated:
                report.generated.append(entry)
    return report


def product_link_reason(product: Product) -> str:
    """Why this product is (or is not) linked, in plain words."""
    system = product.system
    link = ProductLink.objects.select_related("accounting_product", "store_product").filter(
        accounting_product=product).first() if system.role == SystemRole.ACCOUNTING else \
        ProductLink.objects.select_related("accounting_product").filter(store_product=product).first()
    if link is not None:
        counterpart = link.accounting_product if system.role == SystemRole.STORE else link.store_product
        return _linked_reason(link, counterpart)
    accounting = system if system.role == SystemRole.ACCOUNTING else accounting_system(system.organization_id)
    ctx = _Context.for_key(accounting, None if system.role == SystemRole.ACCOUNTING else system, product.sku_key)
    if system.role == SystemRole.ACCOUNTING:
        return _accounting_reason(product, ctx)
    return _store_reason(product, ctx, bool(_has_variants([product])))


def match_counts(system: ConnectedSystem) -> dict[str, int]:
    """The report's counts alone, from a few aggregate queries (dashboards: no rows loaded)."""
    accounting = system if system.role == SystemRole.ACCOUNTING else accounting_system(system.organization_id)
    stores = list(stores_of(system.organization_id)) if system.role == SystemRole.ACCOUNTING else [system]
    store_products = Product.objects.filter(system__in=stores)
    parents = Product.objects.filter(system_id=OuterRef("system_id"), parent_external_id=OuterRef("external_id"))
    listed = store_products.filter(active=True).exclude(Exists(parents))
    linked_items = ProductLink.objects.filter(store_product__system__in=stores).values("accounting_product_id")
    counts = {"matched": ProductLink.objects.filter(store_product__system__in=stores).count(),
              "unmatched_store": listed.filter(link__isnull=True).count(),
              "generated": store_products.filter(sku_generated=True).count(),
              "duplicates": sum(matchable(s).filter(sku_key__in=duplicate_keys(s)).count() for s in stores),
              "unmatched_accounting": 0}
    if accounting is not None:
        items = Product.objects.filter(system=accounting)
        counts["unmatched_accounting"] = items.filter(active=True).exclude(kind="Category").exclude(
            pk__in=linked_items).count()
        counts["generated"] += items.filter(sku_generated=True).count()
        counts["duplicates"] += matchable(accounting).filter(sku_key__in=duplicate_keys(accounting)).count()
    return counts
