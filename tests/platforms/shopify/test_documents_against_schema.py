"""Every GraphQL document the connector sends to Shopify is valid against Shopify's own published
Admin schema for the versions it is sent to (emulators/shopify/schema/, Shopify's introspection
results), and the connector sends no document that is not one of them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from graphql import parse, validate

from connector.platforms.shopify import graphql as gql
from emulators.shopify.schema import published_versions, schema_for

PACKAGE = Path(gql.__file__).resolve().parent
# The versions each document is sent to: the compare-and-swap mutations follow the API version.
IDEMPOTENT_FROM = "2026-01"


def documents() -> dict[str, str]:
    return {name: value for name, value in vars(gql).items()
            if isinstance(value, str) and value.lstrip().startswith(("query", "mutation"))}


def versions_for(name: str) -> list[str]:
    pinned = settings.SHOPIFY_API_VERSION
    versions = sorted({pinned, *published_versions()})
    if name == "SET_QUANTITIES_MUTATION":
        return [v for v in versions if v < IDEMPOTENT_FROM]
    if name == "SET_QUANTITIES_IDEMPOTENT_MUTATION":
        return [v for v in versions if v >= IDEMPOTENT_FROM]
    return versions


def test_the_pinned_version_has_a_published_schema() -> None:
    assert settings.SHOPIFY_API_VERSION in published_versions()


@pytest.mark.parametrize("name", sorted(documents()))
def test_each_document_validates_against_the_published_schema(name: str) -> None:
    document = parse(documents()[name])
    checked = versions_for(name)
    assert checked, f"{name} is sent to no version with a published schema"
    for version in checked:
        errors = validate(schema_for(version), document)
        assert errors == [], f"{name} against Shopify's {version} schema: {[e.message for e in errors]}"


def test_every_graphql_call_in_the_package_sends_one_of_these_documents() -> None:
    """A call with a document built elsewhere would escape the check above."""
    named = set(documents())
    sent: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "graphql":
                if not node.args:
                    continue
                first = node.args[0]
                if isinstance(first, ast.Attribute) and isinstance(first.value, ast.Name) and first.value.id == "gql":
                    sent.add(first.attr)
                elif isinstance(first, ast.Name):
                    sent.add(f"<variable {first.id} in {path.name}>")
                else:
                    sent.add(f"<inline document in {path.name}:{node.lineno}>")
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "gql" \
                    and node.attr in named:
                sent.add(node.attr)
    variables = {s for s in sent if s.startswith("<variable")}
    # stock.py passes a variable holding gql.SET_QUANTITIES_MUTATION or its idempotent twin.
    assert variables <= {"<variable query in stock.py>"}
    assert not {s for s in sent if s.startswith("<inline")}
    assert {"SET_QUANTITIES_MUTATION", "SET_QUANTITIES_IDEMPOTENT_MUTATION"} <= sent
    assert sent - variables == named  # and every document defined is one the connector sends
