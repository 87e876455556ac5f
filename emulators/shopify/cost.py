"""The calculated query cost of a GraphQL document, as Shopify describes it (shopify.dev, "GraphQL
Admin API rate limits", and Shopify's engineering post on calculating query complexity):

- scalars and enums cost 0, an object 1, an interface or union the most expensive of its
  possible selections;
- a connection costs 2 plus, for each object it may return (`first` / `last`), the cost of the
  node's selection (`edges { node }` and `nodes` counted once);
- a list of objects costs its element's cost times the size of its list argument (`ids` of
  `nodes`), else once;
- a mutation costs 10, whatever its payload selects.

The requested cost comes from the document and its variables; the actual cost is the same walk
over the data returned (connections and lists sized by what came back, a null object free).
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    value_from_ast_untyped,
)

MUTATION_COST = 10
CONNECTION_COST = 2


class Walk:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode],
                 variables: dict[str, Any]) -> None:
        self.schema, self.fragments, self.variables = schema, fragments, variables

    # ------------------------------------------------------------------ selections
    def fields(self, selection_set: SelectionSetNode | None, type_name: str) -> list[FieldNode]:
        """The fields selected on an object of `type_name`, fragments flattened."""
        out: list[FieldNode] = []
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                out.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else type_name
                if self._applies(condition, type_name):
                    out.extend(self.fields(selection.selection_set, type_name))
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment and self._applies(fragment.type_condition.name.value, type_name):
                    out.extend(self.fields(fragment.selection_set, type_name))
        return out

    def _applies(self, condition: str, type_name: str) -> bool:
        if condition == type_name:
            return True
        abstract = self.schema.get_type(condition)
        concrete = self.schema.get_type(type_name)
        if isinstance(abstract, (GraphQLInterfaceType, GraphQLUnionType)) and isinstance(concrete, GraphQLObjectType):
            return self.schema.is_sub_type(abstract, concrete)
        return False

    def argument(self, field: FieldNode, name: str) -> Any:
        for arg in field.arguments or ():
            if arg.name.value == name:
                return value_from_ast_untyped(arg.value, self.variables)
        return None

    # ------------------------------------------------------------------ costs
    def selection(self, selection_set: SelectionSetNode | None, named: GraphQLNamedType, data: Any) -> int:
        """Cost of one object of type `named` (concrete, interface or union) with this selection."""
        if isinstance(named, (GraphQLInterfaceType, GraphQLUnionType)):
            if data is not None and isinstance(data, dict) and data.get("__typename"):
                candidates = [self.schema.get_type(data["__typename"])]
            else:
                candidates = list(self.schema.get_possible_types(named))
            return max((self.selection(selection_set, t, data) for t in candidates if t), default=0)
        if not isinstance(named, GraphQLObjectType):
            return 0
        total = 0
        for field in self.fields(selection_set, named.name):
            if field.name.value.startswith("__"):
                continue
            definition = named.fields.get(field.name.value)
            if definition is None:
                continue
            child = data.get(field.alias.value if field.alias else field.name.value) if isinstance(data, dict) else None
            total += self.field(field, definition.type, child, actual=data is not None)
        return total

    def field(self, field: FieldNode, output: GraphQLOutputType, data: Any, *, actual: bool) -> int:
        nullable = output.of_type if isinstance(output, GraphQLNonNull) else output
        if isinstance(nullable, GraphQLList):
            element = nullable.of_type.of_type if isinstance(nullable.of_type, GraphQLNonNull) else nullable.of_type
            named = _named(element)
            if not _is_composite(named):
                return 0
            if actual:
                return sum(1 + self.selection(field.selection_set, named, item) for item in data or []
                           if item is not None)
            size = next((len(v) for v in (self.argument(field, a.name.value) for a in field.arguments or ())
                         if isinstance(v, list)), 1)
            return size * (1 + self.selection(field.selection_set, named, None))
        named = _named(nullable)
        if not _is_composite(named):
            return 0
        if actual and data is None:
            return 0
        if isinstance(named, GraphQLObjectType) and named.name.endswith("Connection") and "pageInfo" in named.fields:
            return self.connection(field, named, data, actual=actual)
        return 1 + self.selection(field.selection_set, named, data if actual else None)

    def connection(self, field: FieldNode, connection: GraphQLObjectType, data: Any, *, actual: bool) -> int:
        node_type = _named(connection.fields["nodes"].type) if "nodes" in connection.fields else None
        per_node, returned = 0, []
        for part in self.fields(field.selection_set, connection.name):
            key = part.alias.value if part.alias else part.name.value
            if part.name.value == "nodes" and node_type is not None:
                returned = list((data or {}).get(key) or []) if actual else returned
                cost = (max((self.selection(part.selection_set, node_type, n) for n in returned), default=0) if actual
                        else self.selection(part.selection_set, node_type, None))
                per_node = max(per_node, 1 + cost)
            elif part.name.value == "edges":
                edge_type = _named(connection.fields["edges"].type)
                assert isinstance(edge_type, GraphQLObjectType)
                for edge_field in self.fields(part.selection_set, edge_type.name):
                    if edge_field.name.value != "node":
                        continue
                    node = _named(edge_type.fields["node"].type)
                    edges = list((data or {}).get(key) or []) if actual else []
                    if actual:
                        returned = returned or edges
                        node_key = edge_field.alias.value if edge_field.alias else "node"
                        cost = max((self.selection(edge_field.selection_set, node, (e or {}).get(node_key))
                                    for e in edges), default=0)
                    else:
                        cost = self.selection(edge_field.selection_set, node, None)
                    per_node = max(per_node, 1 + cost)
        if actual:
            size = len(returned)
        else:
            size = int(self.argument(field, "first") or self.argument(field, "last") or 0)
        return CONNECTION_COST + size * per_node


def _named(output: Any) -> GraphQLNamedType:
    while isinstance(output, (GraphQLNonNull, GraphQLList)):
        output = output.of_type
    return output  # type: ignore[no-any-return]


def _is_composite(named: GraphQLNamedType) -> bool:
    return isinstance(named, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType))


def operation_cost(schema: GraphQLSchema, operation: OperationDefinitionNode,
                   fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any],
                   data: dict[str, Any] | None = None) -> int:
    """The requested cost (data None) or the actual cost of what `data` holds."""
    if operation.operation.value == "mutation":
        roots = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
        return MUTATION_COST * len(roots)
    walk = Walk(schema, fragments, variables)
    root = schema.query_type
    assert root is not None
    return walk.selection(operation.selection_set, root, data)
