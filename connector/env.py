"""Small, strict readers for settings that come from the environment.

Every reader fails loudly (ImproperlyConfigured) on a value it cannot understand, so a typo in a
deployment stops the process at start-up instead of silently falling back to a default.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}") from exc
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = env_str(name, default).lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def env_url(name: str, default: str) -> str:
    value = env_str(name, default).rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImproperlyConfigured(f"{name} must be an http(s) URL, not {value!r}")
    return value


def database_from_url(url: str, *, base_dir: Path) -> dict[str, object]:
    """Turn a DATABASE_URL into a Django DATABASES entry (sqlite, postgres, mysql/mariadb)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    options = dict(parse_qsl(parts.query))
    if scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path
        raw_path = unquote(parts.path)[1:] if parts.path.startswith("/") else unquote(parts.path)
        path = Path(raw_path) if Path(raw_path).is_absolute() else base_dir / raw_path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            # Kept open between requests like any other database: opening runs the PRAGMAs, and
            # closing the last connection checkpoints the write-ahead log.
            "CONN_MAX_AGE": int(options.pop("conn_max_age", "60")),
            # IMMEDIATE takes the write lock when a transaction starts, so two workers never
            # both read a row, then fight over upgrading to a write lock ("database is locked").
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30,
                        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
        }
    engines = {
        "postgres": "django.db.backends.postgresql",
        "postgresql": "django.db.backends.postgresql",
        "mysql": "django.db.backends.mysql",
        "mariadb": "django.db.backends.mysql",
    }
    if scheme not in engines:
        raise ImproperlyConfigured(f"DATABASE_URL scheme {scheme!r} is not supported")
    config: dict[str, object] = {
        "ENGINE": engines[scheme],
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": int(options.pop("conn_max_age", "60")),
        "OPTIONS": options,
    }
    if not config["NAME"]:
        raise ImproperlyConfigured("DATABASE_URL must name a database")
    return config
