from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from connector.env import database_from_url, env_bool, env_int, env_list, env_url


def test_booleans_refuse_what_they_cannot_read(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG must be true or false"):
        env_bool("X_FLAG")
    monkeypatch.setenv("X_FLAG", "Yes")
    assert env_bool("X_FLAG") is True


def test_integers_refuse_words_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("X_NUM", "five")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("X_NUM", 1, minimum=1)


def test_lists_and_urls(monkeypatch):
    monkeypatch.setenv("X_LIST", " a, b ,,c ")
    assert env_list("X_LIST") == ["a", "b", "c"]
    monkeypatch.setenv("X_URL", "ftp://nope")
    with pytest.raises(ImproperlyConfigured):
        env_url("X_URL", "http://127.0.0.1:8000")


def test_database_urls_for_each_engine():
    pg = database_from_url("postgresql://u:p%40ss@db.example:5433/connector", base_dir=Path("/srv"))
    assert (pg["ENGINE"], pg["NAME"], pg["PASSWORD"], pg["PORT"]) == (
        "django.db.backends.postgresql", "connector", "p@ss", "5433")
    lite = database_from_url("sqlite:///var/x.sqlite3", base_dir=Path("/srv"))
    assert lite["NAME"] == "/srv/var/x.sqlite3"
    with pytest.raises(ImproperlyConfigured, match="not supported"):
        database_from_url("oracle://x/y", base_dir=Path("/srv"))
