"""SKU mappings from and to CSV: one row per link, `store,store_sku,accounting_sku` plus the
optional `store_product_id` and `accounting_item_id`.

Import is all or nothing: every row is checked first (with its line number in the file), and only
a file without a single error is written, in one transaction, with bulk statements. Imported links
are marked "csv" and locked, so automatic matching never undoes them.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import Organization
from connector.models import ConnectedSystem, LinkOrigin, Product, ProductLink, SystemRole, SystemStatus

COLUMNS = ("store", "store_sku", "accounting_sku", "store_product_id", "accounting_item_id")
REQUIRED = COLUMNS[:3]
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class MappingFileError(ValueError):
    """The file as a whole cannot be read (encoding, size, header)."""


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}"


@dataclass(frozen=True)
class PlannedLink:
    line: int
    store_product_id: int
    accounting_product_id: int
    existing_link_id: int | None


@dataclass
class ImportReport:
    new: list[PlannedLink] = field(default_factory=list)
    changed: list[PlannedLink] = field(default_factory=list)
    unchanged: list[PlannedLink] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return (f"{self.rows} rows: {len(self.new)} new, {len(self.changed)} changed, "
                f"{len(self.unchanged)} unchanged, {len(self.errors)} with errors")


def sku_key(value: str) -> str:
    """The same normalisation Product.sku_key holds: trimmed and case-folded."""
    return value.strip().casefold()


def _unquote(cell: str) -> str:
    """Undo the export's formula guard so an exported file re-imports unchanged."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in FORMULA_START:
        return cell[1:]
    return cell


def guard_formula(cell: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe."""
    return f"'{cell}" if cell.startswith(FORMULA_START) else cell


# --------------------------------------------------------------------------- reading the file
def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise MappingFileError(f"The file is {len(data) // 1024} KB; the limit is {MAX_BYTES // (1024 * 1024)} MB. "
                               "Split it into smaller files.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MappingFileError(f"The file is not UTF-8 text (byte {exc.start} cannot be read). "
                               "Save it as 'CSV UTF-8' and try again.") from exc


def read_rows(data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number in the file, row) for each non-empty row; comma or semicolon separated."""
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration as exc:
        raise MappingFileError("The file is empty.") from exc
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise MappingFileError(f"Line 1: the header lacks {', '.join(missing)}. Expected: {','.join(COLUMNS)}.")
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise MappingFileError(f"Line 1: unknown column(s) {', '.join(unknown)}. Expected: {','.join(COLUMNS)}.")
    count = 0
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            raise MappingFileError(f"The file has more than {MAX_ROWS} rows. Split it into smaller files.")
        if len(cells) > len(header):
            yield start, {"__error__": f"{len(cells)} cells where the header has {len(header)}."}
            continue
        yield start, {name: _unquote(cells[i].strip()) if i < len(cells) else "" for i, name in enumerate(header)}


# --------------------------------------------------------------------------- checking every row
class _Index:
    """Everything the rows are checked against, loaded once (a few queries, whatever the size)."""

    def __init__(self, organization: Organization) -> None:
        self.organization = organization
        stores = list(ConnectedSystem.objects.filter(organization=organization, role=SystemRole.STORE))
        self.stores_by_id = {str(s.public_id): s for s in stores}
        self.stores_by_name: dict[str, list[ConnectedSystem]] = defaultdict(list)
        for system in stores:
            self.stores_by_name[system.display_name.strip().casefold()].append(system)
        self.by_sku: dict[tuple[int, str], list[int]] = defaultdict(list)
        self.by_external: dict[tuple[int, str], tuple[int, str]] = {}
        self.accounting_by_sku: dict[str, list[int]] = defaultdict(list)
        self.accounting_by_external: dict[str, list[tuple[int, str]]] = defaultdict(list)
        accounting_ids = list(ConnectedSystem.objects.filter(
            organization=organization, role=SystemRole.ACCOUNTING).exclude(
            status=SystemStatus.DISCONNECTED).values_list("pk", flat=True))
        rows = Product.objects.filter(system_id__in=[s.pk for s in stores] + accounting_ids).values_list(
            "pk", "system_id", "external_id", "sku_key", "active")
        accounting = set(accounting_ids)
        for pk, system_id, external_id, key, active in rows.iterator(chunk_size=5000):
            if system_id in accounting:
                self.accounting_by_external[external_id].append((pk, key))
                if active and key:
                    self.accounting_by_sku[key].append(pk)
            else:
                self.by_external[(system_id, external_id)] = (pk, key)
                if active and key:
                    self.by_sku[(system_id, key)].append(pk)
        self.links = {store_id: (link_id, acc_id, locked, origin) for link_id, store_id, acc_id, locked, origin in
                      ProductLink.objects.filter(organization=organization).values_list(
                          "pk", "store_product_id", "accounting_product_id", "locked", "origin").iterator(chunk_size=5000)}

    def store(self, value: str) -> ConnectedSystem | str:
        if not value:
            return "the store is empty."
        if value.lower() in self.stores_by_id:
            return self.stores_by_id[value.lower()]
        named = self.stores_by_name.get(value.casefold(), [])
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            return f"{len(named)} stores are called '{value}'; use the store's id instead."
        if ConnectedSystem.objects.filter(public_id__iexact=value).exclude(organization=self.organization).exists() \
                if _looks_like_uuid(value) else False:
            return f"store '{value}' belongs to another organisation."
        return f"unknown store '{value}'."

    def foreign_product(self, external_id: str) -> bool:
        return Product.objects.filter(external_id=external_id).exclude(organization=self.organization).exists()


def _looks_like_uuid(value: str) -> bool:
    return len(value) == 36 and value.count("-") == 4


def _store_product(index: _Index, store: ConnectedSystem, row: dict[str, str]) -> int | str:
    sku, external = row.get("store_sku", ""), row.get("store_product_id", "")
    if external:
        found = index.by_external.get((store.pk, external))
        if found is None:
            if index.foreign_product(external):
                return f"store product {external} is another organisation's product."
            return f"store product id {external} was not found in {store.display_name}."
        if sku and found[1] != sku_key(sku):
            return f"store product {external} does not have SKU '{sku}' in {store.display_name}."
        return found[0]
    if not sku:
        return "store_sku is empty (give store_sku or store_product_id)."
    matches = index.by_sku.get((store.pk, sku_key(sku)), [])
    if not matches:
        return f"SKU '{sku}' was not found on the store side ({store.display_name})."
    if len(matches) > 1:
        return f"ambiguous SKU '{sku}': {len(matches)} products in {store.display_name} share it; add store_product_id."
    return matches[0]


def _accounting_product(index: _Index, row: dict[str, str]) -> int | str:
    sku, external = row.get("accounting_sku", ""), row.get("accounting_item_id", "")
    if external:
        found = index.accounting_by_external.get(external, [])
        if not found:
            if index.foreign_product(external):
                return f"QuickBooks item {external} is another organisation's product."
            return f"QuickBooks item id {external} was not found."
        if len(found) > 1:
            return f"QuickBooks item id {external} exists in {len(found)} QuickBooks companies; keep one connected."
        if sku and found[0][1] != sku_key(sku):
            return f"QuickBooks item {external} does not have SKU '{sku}'."
        return found[0][0]
    if not sku:
        return "accounting_sku is empty (give accounting_sku or accounting_item_id)."
    matches = index.accounting_by_sku.get(sku_key(sku), [])
    if not matches:
        return f"SKU '{sku}' was not found on the QuickBooks side."
    if len(matches) > 1:
        return f"ambiguous SKU '{sku}': {len(matches)} QuickBooks items share it; add accounting_item_id."
    return matches[0]


def mappings_check(*, organization: Organization, rows: Iterable[tuple[int, dict[str, str]]]) -> ImportReport:
    """Check every row and sort it into new / changed / unchanged / errors. Writes nothing."""
    index = _Index(organization)
    report = ImportReport()
    seen: dict[int, int] = {}
    for line, row in rows:
        report.rows += 1
        if "__error__" in row:
            report.errors.append(RowError(line, row["__error__"]))
            continue
        store = index.store(row.get("store", ""))
        if isinstance(store, str):
            report.errors.append(RowError(line, store))
            continue
        store_product = _store_product(index, store, row)
        accounting_product = _accounting_product(index, row)
        problems = [p for p in (store_product, accounting_product) if isinstance(p, str)]
        if problems:
            report.errors.append(RowError(line, " ".join(problems)))
            continue
        assert isinstance(store_product, int) and isinstance(accounting_product, int)
        if store_product in seen:
            report.errors.append(RowError(line, f"the same store product is already mapped on line {seen[store_product]}."))
            continue
        seen[store_product] = line
        existing = index.links.get(store_product)
        planned = PlannedLink(line, store_product, accounting_product, existing[0] if existing else None)
        if existing is None:
            report.new.append(planned)
        elif existing[1] == accounting_product and existing[2] and existing[3] == LinkOrigin.CSV:
            report.unchanged.append(planned)
        else:
            report.changed.append(planned)
    return report


def mappings_import(*, organization: Organization, data: bytes, dry_run: bool = False) -> ImportReport:
    """Check the whole file; write it only when no row has an error (and not on a dry run).

    Raises MappingFileError when the file itself is unreadable."""
    report = mappings_check(organization=organization, rows=read_rows(data))
    if dry_run or not report.ok or not (report.new or report.changed):
        return report
    try:
        with transaction.atomic():
            _write(organization, report)
    except IntegrityError:
        # Someone linked one of these products while the file was being checked: write nothing.
        report.errors.append(RowError(0, "Links changed while the file was imported; nothing was written. "
                                         "Import the file again."))
        return report
    report.written = True
    return report


def _write(organization: Organization, report: ImportReport) -> None:
    from connector.services.jobs import stock_push_request

    ProductLink.objects.bulk_create(
        [ProductLink(organization=organization, store_product_id=p.store_product_id,
                     accounting_product_id=p.accounting_product_id, origin=LinkOrigin.CSV, locked=True,
                     needs_push=True) for p in report.new], batch_size=2000)
    changed = {p.existing_link_id: p for p in report.changed}
    links = list(ProductLink.objects.filter(pk__in=list(changed)))
    for link in links:
        link.accounting_product_id = changed[link.pk].accounting_product_id
        link.origin, link.locked, link.needs_push, link.last_pushed_quantity = LinkOrigin.CSV, True, True, None
    ProductLink.objects.bulk_update(links, ["accounting_product", "origin", "locked", "needs_push",
                                            "last_pushed_quantity"], batch_size=2000)
    store_ids = set(Product.objects.filter(
        pk__in=[p.store_product_id for p in report.new + report.changed]).values_list("system_id", flat=True))
    for system in ConnectedSystem.objects.filter(pk__in=store_ids, status=SystemStatus.ACTIVE):
        transaction.on_commit(lambda system=system: stock_push_request(system=system, links=[]))


# --------------------------------------------------------------------------- export
def mappings_export_rows(links: Any) -> Iterator[list[str]]:
    """The header then one row per link, with formula-like cells guarded."""
    yield list(COLUMNS)
    names: dict[str, int] = defaultdict(int)
    for name in ConnectedSystem.objects.filter(role=SystemRole.STORE, pk__in=links.values(
            "store_product__system_id")).values_list("display_name", flat=True):
        names[name.strip().casefold()] += 1
    rows = links.select_related("store_product__system", "accounting_product").order_by("pk")
    for link in rows.iterator(chunk_size=2000):
        store = link.store_product.system
        label = store.display_name if names[store.display_name.strip().casefold()] == 1 else str(store.public_id)
        yield [guard_formula(v) for v in (label, link.store_product.sku, link.accounting_product.sku,
                                   link.store_product.external_id, link.accounting_product.external_id)]


def mappings_export_csv(links: Any) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in mappings_export_rows(links):
        writer.writerow(row)
    return buffer.getvalue()


def link_check(*, store_product: Product, accounting_product: Product) -> None:
    """A link joins a store product (left) to a QuickBooks item (right) of the same organisation."""
    from django.core.exceptions import ValidationError

    if store_product.organization_id != accounting_product.organization_id:
        raise ValidationError("Both products must belong to the same organisation.")
    if store_product.system.role != SystemRole.STORE or accounting_product.system.role != SystemRole.ACCOUNTING:
        raise ValidationError("Link a store product (left) to a QuickBooks item (right).")
