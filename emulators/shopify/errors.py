"""graphql-core's refusals rewritten in the shapes Shopify's Admin API (graphql-ruby) answers:
its messages, `locations`, a `path` from the operation down, and `extensions.code`.

Shapes as seen in public reports: `Parse error on ")" (RPAREN) at [1, 28]` (Shopify CLI #668);
`Field 'inventoryItems' doesn't accept argument 'quer'` with code `argumentNotAccepted`
(Shopify-api-node #297); the other codes are graphql-ruby's static-validation codes. A refusal
with no counterpart here keeps graphql-core's message.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSyntaxError,
    Node,
    ObjectFieldNode,
    OperationDefinitionNode,
    TokenKind,
    VariableDefinitionNode,
    Visitor,
    print_ast,
    visit,
)
from graphql.language import Lexer, Source

KEYWORDS = {"query", "mutation", "subscription", "fragment", "on", "true", "false", "null", "schema", "type",
            "input", "enum", "interface", "union", "scalar", "directive", "extend", "implements", "repeatable"}
TOKEN_NAMES = {TokenKind.BRACE_L: "LCURLY", TokenKind.BRACE_R: "RCURLY", TokenKind.PAREN_L: "LPAREN",
               TokenKind.PAREN_R: "RPAREN", TokenKind.BRACKET_L: "LBRACKET", TokenKind.BRACKET_R: "RBRACKET",
               TokenKind.COLON: "COLON", TokenKind.EQUALS: "EQUALS", TokenKind.BANG: "BANG", TokenKind.AT: "DIR_SIGN",
               TokenKind.DOLLAR: "VAR_SIGN", TokenKind.SPREAD: "ELLIPSIS", TokenKind.PIPE: "PIPE",
               TokenKind.AMP: "AMP", TokenKind.STRING: "STRING", TokenKind.BLOCK_STRING: "STRING",
               TokenKind.INT: "INT", TokenKind.FLOAT: "FLOAT"}


def _where(line: int, column: int) -> dict[str, Any]:
    return {"locations": [{"line": line, "column": column}]}


def syntax_error(exc: GraphQLSyntaxError, query: str) -> dict[str, Any]:
    location = (exc.locations or [None])[0]
    line, column = (location.line, location.column) if location else (1, 1)
    position = (exc.positions or [0])[0]
    lexer = Lexer(Source(query))
    token = None
    try:
        while True:
            candidate = lexer.advance()
            if candidate.kind == TokenKind.EOF or candidate.start >= position:
                token = candidate
                break
    except GraphQLSyntaxError:
        token = None
    if token is None or token.kind == TokenKind.EOF:
        return {"message": "Unexpected end of document", **_where(line, column)}
    text = query[token.start:token.end]
    if token.kind == TokenKind.NAME:
        kind = text.upper() if text in KEYWORDS else "IDENTIFIER"
    else:
        kind = TOKEN_NAMES.get(token.kind, "UNKNOWN_CHAR")
    shown = text.strip('"') if token.kind == TokenKind.STRING else text
    return {"message": f"Parse error on {json.dumps(shown)} ({kind}) at [{line}, {column}]", **_where(line, column)}


# --------------------------------------------------------------------------- static validation
@dataclass
class Context:
    """Where an error's node sits: the operation, the fields above it, its argument."""

    path: list[str] = field(default_factory=list)
    field_name: str = ""
    argument: str = ""
    variable: str = ""
    found: bool = False


def _context(document: DocumentNode, target: Node | None) -> Context:
    context = Context()
    if target is None:
        return context

    class Finder(Visitor):
        def enter(self, node: Node, key: Any, parent: Any, path: Any, ancestors: Any) -> Any:
            if node is not target:
                return None
            chain = [a for a in [*ancestors, parent] if isinstance(a, Node)] + [node]
            for ancestor in chain:
                if isinstance(ancestor, OperationDefinitionNode):
                    label = ancestor.operation.value + (f" {ancestor.name.value}" if ancestor.name else "")
                    context.path.append(label)
                elif isinstance(ancestor, FieldNode):
                    context.path.append(ancestor.name.value)
                    context.field_name = ancestor.name.value
                elif isinstance(ancestor, (ArgumentNode, ObjectFieldNode)):
                    context.path.append(ancestor.name.value)
                    context.argument = ancestor.name.value
                elif isinstance(ancestor, VariableDefinitionNode):
                    context.variable = ancestor.variable.name.value
            context.found = True
            return Visitor.BREAK

    visit(document, Finder())
    return context


RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Cannot query field '(?P<field>[^']+)' on type '(?P<type>[^']+)'\."), "undefinedField"),
    (re.compile(r"^Unknown argument '(?P<arg>[^']+)' on field '(?P<type>[^.']+)\.(?P<field>[^']+)'\."),
     "argumentNotAccepted"),
    (re.compile(r"^Unknown argument '(?P<arg>[^']+)' on directive '@(?P<dir>[^']+)'\."), "argumentNotAccepted"),
    (re.compile(r"^Argument '(?P<type>[^.']+)\.(?P<field>[^(']+)\((?P<arg>[^:']+):\)' of type '[^']+' is required, "
                r"but it was not provided\."), "missingRequiredArguments"),
    (re.compile(r"^Field '(?P<field>[^']+)' of type '(?P<type>[^']+)' must have a selection of subfields\."),
     "selectionMismatch"),
    (re.compile(r"^Field '(?P<field>[^']+)' must not have a selection since type '(?P<type>[^']+)' has no subfields\."),
     "selectionMismatch"),
    (re.compile(r"^Variable '\$(?P<var>[^']+)' is not defined(?: by operation '(?P<op>[^']+)')?\."),
     "variableNotDefined"),
    (re.compile(r"^Variable '\$(?P<var>[^']+)' is never used(?: in operation '(?P<op>[^']+)')?\."), "variableNotUsed"),
    (re.compile(r"^Variable '\$(?P<var>[^']+)' of type '(?P<have>[^']+)' used in position expecting type "
                r"'(?P<want>[^']+)'\."), "variableMismatch"),
    (re.compile(r"^Unknown type '(?P<type>[^']+)'\."), "undefinedType"),
    (re.compile(r"^Unknown directive '@(?P<dir>[^']+)'\."), "undefinedDirective"),
    (re.compile(r"^(?:Expected value of type '(?P<type>[^']+)', found (?P<value>.+?)(?:;.*)?\.$|"
                r"(?P<scalar>\w+) cannot represent .*)"), "argumentLiteralsIncompatible"),
]


def _message(code: str, m: re.Match[str], context: Context) -> tuple[str, dict[str, Any]]:
    g = m.groupdict()
    operation = (context.path[0] if context.path else "anonymous query")
    if code == "undefinedField":
        return f"Field '{g['field']}' doesn't exist on type '{g['type']}'", {"typeName": g["type"],
                                                                            "fieldName": g["field"]}
    if code == "argumentNotAccepted":
        if g.get("dir"):
            return (f"Directive '{g['dir']}' doesn't accept argument '{g['arg']}'",
                    {"name": g["dir"], "typeName": "Directive", "argumentName": g["arg"]})
        return (f"Field '{g['field']}' doesn't accept argument '{g['arg']}'",
                {"name": g["field"], "typeName": "Field", "argumentName": g["arg"]})
    if code == "missingRequiredArguments":
        return (f"Field '{g['field']}' is missing required arguments: {g['arg']}",
                {"className": "Field", "name": g["field"], "arguments": g["arg"]})
    if code == "selectionMismatch" and "must have" in m.string:
        return (f"Field must have selections (field '{g['field']}' returns {g['type']} but has no selections. "
                f"Did you mean '{g['field']} {{ ... }}'?)", {"nodeName": f"field '{g['field']}'", "typeName": g["type"]})
    if code == "selectionMismatch":
        return (f"Selections can't be made on scalars (field '{g['field']}' returns {g['type']} but has "
                f"selections)", {"nodeName": f"field '{g['field']}'", "typeName": g["type"]})
    if code == "variableNotDefined":
        return f"Variable ${g['var']} is used by {operation} but not declared", {"variableName": g["var"]}
    if code == "variableNotUsed":
        return f"Variable ${g['var']} is declared by {operation} but not used", {"variableName": g["var"]}
    if code == "variableMismatch":
        kind = "Nullability" if g["have"].rstrip("!") == g["want"].rstrip("!") else "Type"
        return (f"{kind} mismatch on variable ${g['var']} and argument {context.argument} ({g['have']} / "
                f"{g['want']})", {"variableName": g["var"], "typeName": g["have"], "argumentName": context.argument,
                                  "errorMessage": f"{kind} mismatch"})
    if code == "undefinedType":
        if context.variable:
            return (f"{g['type']} isn't a defined input type (on ${context.variable})",
                    {"typeName": g["type"], "variableName": context.variable})
        return f"No such type {g['type']}, so it can't be a fragment condition", {"typeName": g["type"]}
    if code == "undefinedDirective":
        return f"Directive @{g['dir']} is not defined", {"directiveName": g["dir"]}
    # argumentLiteralsIncompatible
    expected = g.get("type") or g.get("scalar") or ""
    return (f"Argument '{context.argument}' on Field '{context.field_name}' has an invalid value. Expected type "
            f"'{expected}'.", {"typeName": "Field", "argumentName": context.argument})


def validation_error(error: GraphQLError, document: DocumentNode) -> dict[str, Any]:
    node = (error.nodes or [None])[-1]  # the usage, where a rule also names a definition first
    context = _context(document, node)
    out: dict[str, Any] = {"message": error.message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if context.path:
        out["path"] = context.path
    for pattern, code in RULES:
        match = pattern.match(error.message)
        if match:
            out["message"], extensions = _message(code, match, context)
            out["extensions"] = {"code": code, **extensions}
            break
    return out


# --------------------------------------------------------------------------- variables
VARIABLE_INVALID = re.compile(r"^Variable '\$(?P<var>\w+)' has invalid value(?: at (?P<at>[^:]+))?: (?P<why>.*)$", re.S)
UNKNOWN_FIELD = re.compile(r"^Expected value of type '(?P<type>[^']+)' not to include unknown field '(?P<field>[^']+)'")
NOT_PROVIDED = re.compile(r"^Expected a value of non-null type '[^']+' to be provided")
CANNOT_REPRESENT = re.compile(r"^(?P<scalar>\w+) cannot represent [^:]*: (?P<value>.*?)\.?$", re.S)


def _problem_path(at: str | None) -> list[Any]:
    return [int(index) if index else name for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", at or "")]


def _explain(why: str) -> tuple[str, str]:
    """(field to add to the path, graphql-ruby's explanation) for graphql-core's reason."""
    unknown, missing, unrepresentable = UNKNOWN_FIELD.match(why), NOT_PROVIDED.match(why), CANNOT_REPRESENT.match(why)
    if unknown:
        return unknown.group("field"), f"Field is not defined on {unknown.group('type')}"
    if missing:
        return "", "Expected value to not be null"
    if unrepresentable:
        return "", f"Could not coerce value {unrepresentable.group('value')} to {unrepresentable.group('scalar')}"
    return "", why.split(" Found: ")[0].rstrip(".")


def variable_errors(errors: list[GraphQLError], operation: OperationDefinitionNode,
                    provided: dict[str, Any]) -> list[dict[str, Any]]:
    """graphql-ruby's `Variable $x of type T was provided invalid value for a.0.b (why)`, with
    `extensions.value` and `problems[{path, explanation}]`."""
    declared = {d.variable.name.value: d for d in operation.variable_definitions or ()}
    out = []
    for error in errors:
        match = VARIABLE_INVALID.match(error.message)
        if match is None:
            out.append({"message": error.message})
            continue
        name = match.group("var")
        definition = declared.get(name)
        type_text = print_ast(definition.type) if definition else ""
        path = _problem_path(match.group("at"))
        extra, explanation = _explain(match.group("why"))
        if extra:
            path.append(extra)
        where = (f" for {'.'.join(str(p) for p in path)}" if path else "") + (
            f" ({explanation})" if path else "")
        item: dict[str, Any] = {"message": f"Variable ${name} of type {type_text} was provided invalid value{where}"}
        if error.locations:
            item["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
        item["extensions"] = {"value": provided.get(name), "problems": [{"path": path, "explanation": explanation}]}
        out.append(item)
    return out
