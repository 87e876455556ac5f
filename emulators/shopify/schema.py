"""Shopify's own published Admin GraphQL schemas (introspection results, `schema/admin_<version>.json.gz`
beside this module; see schema/README.md), one per API version, loaded once per process.

A version without a published schema here is served by the nearest one: older versions fall
forward to the oldest schema (as Shopify answers an unsupported version with the oldest supported
one), versions between two schemas use the newer one (2026-01 is served with 2026-04's schema:
changeFromQuantity and @idempotent, without compareQuantity), `unstable` by the newest.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from pathlib import Path

from graphql import GraphQLSchema, build_client_schema

FILE = re.compile(r"^admin_(\d{4}-\d{2})\.json\.gz$")


def schema_dir() -> Path:
    return Path(__file__).resolve().parent / "schema"


@cache
def published_versions() -> tuple[str, ...]:
    found = sorted(m.group(1) for p in schema_dir().glob("admin_*.json.gz") if (m := FILE.match(p.name)))
    if not found:
        raise FileNotFoundError(f"No Shopify Admin schema (admin_<version>.json.gz) in {schema_dir()}")
    return tuple(found)


def schema_version_for(version: str) -> str:
    versions = published_versions()
    if version == "unstable":
        return versions[-1]
    return next((v for v in versions if v >= version), versions[-1])


@cache
def _load(version: str) -> GraphQLSchema:
    with gzip.open(schema_dir() / f"admin_{version}.json.gz") as raw:
        schema = build_client_schema(json.load(raw)["data"])
    # graphql-core's strict schema checks trip over Shopify's deprecations of required input
    # fields; the schema is Shopify's own, so its validity is not ours to judge.
    schema._validation_errors = []
    return schema


def schema_for(version: str) -> GraphQLSchema:
    return _load(schema_version_for(version))
