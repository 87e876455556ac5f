"""docs/shopify.md states which quantity we write, and names the test that proves it."""

from __future__ import annotations

from pathlib import Path

from connector.platforms.shopify import graphql as gql
from connector.platforms.shopify.oauth import SCOPES

DOC = Path(__file__).resolve().parents[3] / "docs" / "shopify.md"


def test_the_doc_says_we_write_available_with_inventory_set_quantities() -> None:
    text = DOC.read_text()
    assert "We write **`available` at one location**" in text
    assert 'name: "available"' in text and "inventorySetQuantities" in gql.SET_QUANTITIES_MUTATION


def test_the_doc_names_an_existing_test_for_the_double_count() -> None:
    text = DOC.read_text()
    name = "test_writing_available_leaves_committed_units_of_unfulfilled_orders_alone"
    assert name in text
    assert f"def {name}(" in (Path(__file__).parent / "test_client_stock.py").read_text()


def test_the_doc_lists_exactly_the_scopes_we_request() -> None:
    assert ", ".join(SCOPES) in DOC.read_text()
