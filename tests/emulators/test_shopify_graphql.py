"""The Shopify emulator's GraphQL: documents parsed, validated and executed by a real engine against
Shopify's published schema; Shopify's error shapes; the requested cost computed from the document."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from emulators.shopify.cost import operation_cost
from emulators.shopify.emulator import emulator_seed
from emulators.shopify.schema import schema_for
from emulators.shopify.state import issue_token, store

pytestmark = pytest.mark.django_db(transaction=True)
SHOP = "graph-shop.myshopify.com"
CATALOGUE = [{"sku": "MUG-1", "name": "Mug", "quantity": 10},
             {"sku": "", "name": "T-shirt", "variants": [{"sku": "TS-S", "name": "Small", "quantity": 3},
                                                         {"sku": "TS-M", "name": "Medium", "quantity": 0}]}]


@pytest.fixture
def ask(emulator_url) -> Any:  # type: ignore[no-untyped-def]
    emulator_seed(SHOP, CATALOGUE)
    token = issue_token(SHOP, scope="read_products,write_inventory,read_locations", expiring=False)["access_token"]

    def post(query: str, variables: dict[str, Any] | None = None, version: str = "2025-10") -> dict[str, Any]:
        response = requests.post(f"{emulator_url('shopify')}/{SHOP}/admin/api/{version}/graphql.json", timeout=15,
                                 headers={"X-Shopify-Access-Token": token},
                                 json={"query": query, "variables": variables or {}})
        assert response.status_code == 200, response.text
        return response.json()

    return post


def test_aliases_inline_arguments_and_both_connection_shapes_work(ask) -> None:
    answer = ask('''{
      mugs: productVariants(first: 5, query: "sku:MUG-1") { nodes { sku stock: inventoryQuantity } }
      page: productVariants(first: 2, sortKey: ID) {
        edges { cursor node { sku product { title } } }
        pageInfo { hasNextPage endCursor }
      }
    }''')
    assert "errors" not in answer
    assert answer["data"]["mugs"]["nodes"] == [{"sku": "MUG-1", "stock": 10}]
    page = answer["data"]["page"]
    assert [e["node"]["sku"] for e in page["edges"]] == ["MUG-1", "TS-S"]
    assert page["pageInfo"] == {"hasNextPage": True, "endCursor": page["edges"][-1]["cursor"]}
    rest = ask("query($after: String) { productVariants(first: 5, after: $after) { nodes { sku } } }",
               {"after": page["pageInfo"]["endCursor"]})
    assert rest["data"]["productVariants"]["nodes"] == [{"sku": "TS-M"}]


def test_fragments_and_interfaces_resolve_on_nodes(ask) -> None:
    first = ask("{ productVariants(first: 1) { nodes { id } } }")["data"]["productVariants"]["nodes"][0]["id"]
    answer = ask("fragment V on ProductVariant { sku inventoryItem { tracked } } "
                 "query($ids: [ID!]!) { nodes(ids: $ids) { __typename ...V } }",
                 {"ids": [first, "gid://shopify/ProductVariant/1"]})
    assert answer["data"]["nodes"] == [{"__typename": "ProductVariant", "sku": "MUG-1", "inventoryItem": {"tracked": True}},
                                       None]


def test_a_syntax_error_is_answered_as_shopify_does(ask) -> None:
    answer = ask("{ productVariants(first: 1) { nodes { sku } ")
    assert answer == {"errors": [{"message": "Unexpected end of document", "locations": [{"line": 1, "column": 45}]}]}
    answer = ask("{ productVariants(first: 1)) { nodes { sku } } }")
    assert answer["errors"] == [{"message": 'Parse error on ")" (RPAREN) at [1, 28]',
                                 "locations": [{"line": 1, "column": 28}]}]


def test_unknown_fields_and_arguments_are_refused_with_graphql_ruby_codes(ask) -> None:
    answer = ask("query Stock { productVariants(first: 1, quer: \"x\") { nodes { sku colour } } }")
    assert "data" not in answer
    by_code = {e["extensions"]["code"]: e for e in answer["errors"]}
    assert by_code["argumentNotAccepted"]["message"] == "Field 'productVariants' doesn't accept argument 'quer'"
    assert by_code["argumentNotAccepted"]["path"] == ["query Stock", "productVariants", "quer"]
    assert by_code["undefinedField"]["message"] == "Field 'colour' doesn't exist on type 'ProductVariant'"
    assert by_code["undefinedField"]["extensions"] == {"code": "undefinedField", "typeName": "ProductVariant",
                                                       "fieldName": "colour"}
    mismatch = ask("mutation($uri: URL!) { webhookSubscriptionCreate(topic: ORDERS_CREATE, "
                   "webhookSubscription: {uri: $uri}) { userErrors { message } } }", {"uri": "https://x.example"})
    assert mismatch["errors"][0]["message"] == "Type mismatch on variable $uri and argument uri (URL! / String)"
    missing = ask("{ nodes { id } }")["errors"][0]
    assert (missing["message"], missing["extensions"]["code"]) == (
        "Field 'nodes' is missing required arguments: ids", "missingRequiredArguments")


def test_an_input_field_the_version_does_not_have_is_a_variable_error(ask) -> None:
    """changeFromQuantity exists from 2026-01: the 2025-10 schema refuses it."""
    mutation = ("mutation Set($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) "
                "{ userErrors { code } } }")
    entry = {"inventoryItemId": "gid://shopify/InventoryItem/1", "locationId": "gid://shopify/Location/1",
             "quantity": 1, "changeFromQuantity": 0}
    answer = ask(mutation, {"input": {"name": "available", "reason": "correction", "quantities": [entry]}})
    [error] = answer["errors"]
    assert error["message"] == ("Variable $input of type InventorySetQuantitiesInput! was provided invalid value for "
                                "quantities.0.changeFromQuantity (Field is not defined on InventoryQuantityInput)")
    assert error["extensions"]["problems"] == [{"path": ["quantities", 0, "changeFromQuantity"],
                                                "explanation": "Field is not defined on InventoryQuantityInput"}]


def test_a_valid_field_the_emulator_does_not_serve_is_named_not_faked(ask) -> None:
    answer = ask("{ shop { name } }")
    assert answer["data"] is None
    assert answer["errors"][0]["extensions"]["code"] == "EMULATOR_UNSUPPORTED_FIELD"
    deeper = ask("{ productVariants(first: 1) { nodes { barcode } } }")
    assert deeper["errors"][0]["extensions"]["code"] == "EMULATOR_UNSUPPORTED_FIELD"
    assert deeper["errors"][0]["path"] == ["productVariants", "nodes", 0, "barcode"]


def test_a_missing_scope_is_access_denied(emulator_url) -> None:
    emulator_seed(SHOP, CATALOGUE)
    token = issue_token(SHOP, scope="read_products", expiring=False)["access_token"]
    answer = requests.post(f"{emulator_url('shopify')}/{SHOP}/admin/api/2025-10/graphql.json", timeout=15,
                           headers={"X-Shopify-Access-Token": token},
                           json={"query": "{ locations(first: 5) { nodes { id } } }"}).json()
    assert answer["data"] is None
    assert answer["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert "`read_locations` access scope" in answer["errors"][0]["message"]


def test_inactive_locations_are_listed_only_when_asked(ask) -> None:
    active = ask("{ locations(first: 5) { nodes { name isActive } } }")["data"]["locations"]["nodes"]
    every = ask("{ locations(first: 5, includeInactive: true) { nodes { isActive } } }")["data"]["locations"]["nodes"]
    assert [n["isActive"] for n in active] == [True] and sorted(n["isActive"] for n in every) == [False, True]


def _cost(document: str, variables: dict[str, Any] | None = None) -> int:
    parsed = parse(document)
    [operation] = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)}
    return operation_cost(schema_for("2025-10"), operation, fragments, variables or {})


def test_the_requested_cost_follows_shopifys_rules() -> None:
    # Shopify's engineering example: 2 + 10 x (1 product + (2 + 5 x 1 variant)) = 82.
    assert _cost("{ products(first: 10) { edges { node { title variants(first: 5) { edges { node { title } } } } } } }") == 82
    assert _cost("{ shop { id name } }") == 1  # one object, scalars free
    assert _cost("query($n: Int) { locations(first: $n) { nodes { id } pageInfo { hasNextPage } } }", {"n": 7}) == 9
    both = "{ productVariants(first: 3) { edges { node { id } } nodes { id product { id } } } }"
    assert _cost(both) == 2 + 3 * 2  # edges and nodes counted once, the dearer selection
    assert _cost("{ nodes(ids: [\"a\", \"b\"]) { ... on ProductVariant { inventoryItem { id } } } }") == 2 * 2
    assert _cost("mutation { inventorySetQuantities(input: {name: \"available\", reason: \"correction\", "
                 "quantities: []}) { userErrors { code } } }") == 10


def test_the_answer_reports_requested_and_actual_cost(ask) -> None:
    answer = ask("{ productVariants(first: 10) { nodes { sku product { id } } } }")
    cost = answer["extensions"]["cost"]
    assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (2 + 10 * 2, 2 + 3 * 2)
    before = store(SHOP).get("meta", "graphql_bucket")["available"]
    over = ask("{ productVariants(first: 250) { nodes { product { id } inventoryItem { id "
               "inventoryLevel(locationId: \"gid://shopify/Location/1\") { id } } } } }")
    assert over["errors"][0]["extensions"] == {"code": "MAX_COST_EXCEEDED", "cost": 2 + 250 * 4, "maxCost": 1000}
    assert "data" not in over and store(SHOP).get("meta", "graphql_bucket")["available"] >= before  # nothing taken
