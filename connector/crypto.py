"""Encryption at rest for credentials: MultiFernet over TOKEN_ENCRYPTION_KEYS.

The first key encrypts; every key decrypts, so keys rotate by prepending a new one and running
`manage.py rotate_token_keys`, then removing the old key.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "TOKEN_ENCRYPTION_KEYS must be comma-separated Fernet keys "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.TOKEN_ENCRYPTION_KEYS))


def encrypt_text(plain: str) -> str:
    return fernet().encrypt(plain.encode()).decode()


def decrypt_text(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored credential cannot be decrypted with TOKEN_ENCRYPTION_KEYS: a key was removed "
            "before `manage.py rotate_token_keys` re-encrypted the rows."
        ) from exc


def rotate_text(token: str) -> str:
    return fernet().rotate(token.encode()).decode()


_FERNET_PREFIX = "gAAAAA"


class EncryptedJSONField(models.TextField):
    """A dict stored as one Fernet token. Never filterable; never shown in plain text."""

    description = "Encrypted JSON"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> dict[str, Any]:
        if not value:
            return {}
        return json.loads(decrypt_text(value))

    def to_python(self, value: Any) -> dict[str, Any]:
        if isinstance(value, dict):
            return value
        if not value:
            return {}
        return json.loads(decrypt_text(value))

    def get_prep_value(self, value: Any) -> str:
        if not value:
            return ""
        return encrypt_text(json.dumps(value, sort_keys=True))

    def value_to_string(self, obj: Any) -> str:
        # dumpdata and other serializers get ciphertext, never the tokens.
        return self.get_prep_value(self.value_from_object(obj))


class EncryptedTextField(models.TextField):
    description = "Encrypted text"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        return decrypt_text(value) if value else ""

    def to_python(self, value: Any) -> str:
        if isinstance(value, str) and value.startswith(_FERNET_PREFIX):
            return decrypt_text(value)  # from a serialized dump
        return value or ""

    def get_prep_value(self, value: Any) -> str:
        return encrypt_text(value) if value else ""

    def value_to_string(self, obj: Any) -> str:
        return self.get_prep_value(self.value_from_object(obj))
