"""python manage.py import_mappings FILE --organization SLUG [--dry-run]: the admin's CSV import
with the same checks and messages, for large files and scripts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Organization
from connector.services.mappings import MappingFileError, mappings_import


class Command(BaseCommand):
    help = "Import SKU mappings (store,store_sku,accounting_sku[,store_product_id,accounting_item_id]) from CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--organization", required=True, help="The organisation's slug.")
        parser.add_argument("--dry-run", action="store_true", help="Check and count; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if organization is None:
            raise CommandError(f"No organisation with slug {options['organization']!r}.")
        try:
            data = Path(options["file"]).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror}.") from exc
        try:
            report = mappings_import(organization=organization, data=data, dry_run=options["dry_run"])
        except MappingFileError as exc:
            raise CommandError(str(exc)) from exc
        for error in report.errors:
            self.stderr.write(str(error))
        if not report.ok:
            raise CommandError(f"Nothing was imported: {report.summary()}.")
        verb = "Would import" if options["dry_run"] else "Imported"
        self.stdout.write(f"{verb}: {report.summary()}.")
