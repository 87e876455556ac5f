"""The GraphQL Admin API of the Shopify emulator: every document is parsed, validated and
executed by graphql-core against Shopify's own published schema for the requested version.

So aliases, fragments, variables and inline arguments work as on Shopify, `edges { node }` and
`nodes` both answer, and an unknown field, a wrong argument or a syntax error is refused with
Shopify's error shapes (graphql-ruby's messages and `extensions.code`). The requested cost is
computed from the document (emulators/shopify/cost.py) and taken from the shop's bucket before
anything runs; the actual cost is refunded after. The emulator serves a subset of the schema
(ROOTS); a valid document asking for anything else is answered with an error naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    execute,
    get_operation_ast,
    parse,
    validate,
    value_from_ast_untyped,
)
from graphql.execution.values import get_variable_values

from emulators.shopify import resolvers
from emulators.shopify.cost import operation_cost
from emulators.shopify.errors import syntax_error, validation_error, variable_errors
from emulators.shopify.http import cost_refund, cost_take
from emulators.shopify.inventory import set_quantities
from emulators.shopify.schema import schema_for

MAX_QUERY_COST = 1000
# Root fields served, with the access scope each needs ("" for none).
ROOTS = {"productVariants": "read_products", "nodes": "read_products", "locations": "read_locations",
         "webhookSubscriptions": "", "webhookSubscriptionCreate": "", "inventorySetQuantities": "write_inventory"}


def _root_value(shop: str, version: str) -> dict[str, Any]:
    def set_inventory(info: Any, input: dict[str, Any]) -> dict[str, Any]:  # noqa: A002 (the argument's name)
        return set_quantities(shop, version, dict(input), _idempotency_key(info))

    return {
        "productVariants": lambda info, **args: resolvers.product_variants(shop, args),
        "nodes": lambda info, ids: resolvers.nodes(shop, list(ids)),
        "locations": lambda info, **args: resolvers.locations(shop, args),
        "webhookSubscriptions": lambda info, **args: resolvers.webhook_subscriptions(shop, args),
        "webhookSubscriptionCreate": lambda info, topic, webhookSubscription: resolvers.webhook_create(
            shop, str(topic), dict(webhookSubscription)),
        "inventorySetQuantities": set_inventory,
    }


def _idempotency_key(info: Any) -> str | None:
    for directive in info.field_nodes[0].directives or ():
        if directive.name.value == "idempotent":
            for argument in directive.arguments or ():
                if argument.name.value == "key":
                    value = value_from_ast_untyped(argument.value, plain_variables(info.variable_values))
                    return str(value) if value else None
    return None


def plain_variables(values: Any) -> dict[str, Any]:
    """graphql-core 3.3 wraps coerced variables (VariableValues.coerced)."""
    return dict(getattr(values, "coerced", values) or {})


def _strict_resolver(source: Any, info: Any, **args: Any) -> Any:
    """Like graphql-core's default resolver, but a field the emulator keeps no value for is an
    error naming it, never a silent null."""
    if not isinstance(source, Mapping) or info.field_name not in source:
        raise GraphQLError(f"The Shopify emulator does not serve {info.parent_type.name}.{info.field_name}.",
                           extensions={"code": "EMULATOR_UNSUPPORTED_FIELD"})
    value = source[info.field_name]
    return value(info, **args) if callable(value) else value


def _roots(operation: OperationDefinitionNode) -> list[FieldNode]:
    return [s for s in operation.selection_set.selections if isinstance(s, FieldNode)
            and not s.name.value.startswith("__")]


def _refusal(errors: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"errors": errors, **extra}


def _located(message: str, node: FieldNode, code: str, **extensions: Any) -> dict[str, Any]:
    location = node.loc.source.get_location(node.loc.start) if node.loc else None
    error: dict[str, Any] = {"message": message}
    if location:
        error["locations"] = [{"line": location.line, "column": location.column}]
    error["path"] = [node.alias.value if node.alias else node.name.value]
    error["extensions"] = {"code": code, **extensions}
    return error


def _prepare(schema: GraphQLSchema, query: str, variables: dict[str, Any], operation_name: str | None
             ) -> tuple[DocumentNode, OperationDefinitionNode, dict[str, Any]] | dict[str, Any]:
    """(document, operation, coerced variables), or the refusal envelope."""
    if not query.strip():
        return _refusal([{"message": "No query string was present"}])
    try:
        document = parse(query)
    except GraphQLSyntaxError as exc:
        return _refusal([syntax_error(exc, query)])
    problems = validate(schema, document)
    if problems:
        return _refusal([validation_error(e, document) for e in problems])
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        message = (f"No operation named \"{operation_name}\"" if operation_name
                   else "An operation name is required when sending multiple operations.")
        return _refusal([{"message": message}])
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables)
    if isinstance(coerced, list):
        return _refusal(variable_errors(coerced, operation, variables))
    return document, operation, plain_variables(coerced)


def execute_request(shop: str, version: str, token: dict[str, Any], query: str, variables: dict[str, Any],
                    operation_name: str | None = None) -> dict[str, Any]:
    """One GraphQL request -> the response envelope (always answered with HTTP 200)."""
    from emulators.shopify.http import has_scope

    schema = schema_for(version)
    prepared = _prepare(schema, query, variables, operation_name)
    if isinstance(prepared, dict):
        return prepared
    document, operation, coerced = prepared
    for node in _roots(operation):
        name = node.name.value
        if name not in ROOTS:
            return _refusal([_located(f"The Shopify emulator does not serve the field '{name}'.", node,
                                      "EMULATOR_UNSUPPORTED_FIELD")], data=None)
        scope = ROOTS[name]
        if scope and not has_scope(token, scope):
            access = f"`{scope}` access scope."
            return _refusal([_located(f"Access denied for {name} field. Required access: {access}", node,
                                      "ACCESS_DENIED", documentation="https://shopify.dev/api/usage/access-scopes",
                                      requiredAccess=access)], data=None)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    requested = operation_cost(schema, operation, fragments, coerced)
    if requested > MAX_QUERY_COST:
        return _refusal([{"message": f"Query cost is {requested}, which exceeds the single query max cost limit "
                                     f"({MAX_QUERY_COST}).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits "
                                     "for more information on how the\ncost of a query is calculated.\n\nTo query "
                                     "larger amounts of data with fewer limits, bulk operations should be used "
                                     "instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api"
                                     " for usage details.\n",
                          "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested,
                                         "maxCost": MAX_QUERY_COST}}])
    allowed, status = cost_take(shop, requested)
    if not allowed:
        return _refusal([{"message": "Throttled", "extensions": {
            "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
            extensions={"cost": {"requestedQueryCost": requested, "actualQueryCost": None, "throttleStatus": status}})
    result = execute(schema, document, root_value=_root_value(shop, version), variable_values=variables,
                     operation_name=operation_name, field_resolver=_strict_resolver)
    actual = operation_cost(schema, operation, fragments, coerced, result.data or {}) if result.data else 0
    status = cost_refund(shop, requested - actual, status)
    envelope: dict[str, Any] = {}
    if result.errors:
        envelope["errors"] = [e.formatted for e in result.errors]
    envelope["data"] = result.data
    envelope["extensions"] = {"cost": {"requestedQueryCost": requested, "actualQueryCost": actual,
                                       "throttleStatus": status}}
    return envelope
