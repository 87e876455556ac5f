"""Re-encrypt every stored credential under the first key of TOKEN_ENCRYPTION_KEYS.

Rotation: put the new key first (keep the old one after it), run this command, then remove the
old key. Works on every model field that stores encrypted values.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from connector.crypto import EncryptedJSONField, EncryptedTextField, rotate_text


def encrypted_columns() -> list[tuple[str, str, str]]:
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedJSONField | EncryptedTextField):
                found.append((model._meta.db_table, model._meta.pk.column, field.column))
    return found


class Command(BaseCommand):
    help = "Re-encrypt every stored credential under the first TOKEN_ENCRYPTION_KEYS key."

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        quote = connection.ops.quote_name
        for table, pk, column in encrypted_columns():
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SELECT {quote(pk)}, {quote(column)} FROM {quote(table)} "  # noqa: S608
                               f"WHERE {quote(column)} <> ''")
                for row_id, token in cursor.fetchall():
                    cursor.execute(f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE {quote(pk)} = %s",  # noqa: S608
                                   [rotate_text(token), row_id])
                    total += 1
        self.stdout.write(f"Re-encrypted {total} value(s) under the first key.")
