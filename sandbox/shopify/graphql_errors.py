"""Shopify's GraphQL error shapes, translated from graphql-core's.

Shopify runs graphql-ruby, whose wording and `extensions.code` differ from graphql-core's. Live
answers (github.com/airhorns/shopify-draft-proxy fixtures/conformance/.../admin-platform/
graphql-base-validation-unhappy-paths.json, Admin API 2025-01), all HTTP 200 with only `errors`
(no `data`, no cost) because nothing ran:

    syntax:         {"message": "syntax error, unexpected end of file at [3, 5]",
                     "locations": [{"line": 3, "column": 5}], "extensions": {"code": "PARSE_ERROR"}}
    unknown field:  {"message": "Field 'definitelyNotAProductField' doesn't exist on type 'Product'",
                     "locations": [...],
                     "path": ["query Name", "products", "nodes", "definitelyNotAProductField"],
                     "extensions": {"code": "undefinedField", "typeName": "Product", "fieldName": "..."}}
    no selections:  "Field must have selections (field 'shop' returns Shop but has no selections. Did
                     you mean 'shop { ... }'?)", code "selectionMismatch", nodeName, typeName

The other validation messages follow graphql-ruby's static validation wording.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLID,
    GraphQLSyntaxError,
    Lexer,
    ListValueNode,
    Node,
    OperationDefinitionNode,
    Source,
    StringValueNode,
    TokenKind,
    ValidationRule,
    get_named_type,
)

GID = re.compile(r"gid://shopify/(?P<kind>[A-Za-z0-9]+)/(?P<number>\d+)(?:\?.*)?\Z")


def invalid_id(value: Any, node: Node | None = None) -> GraphQLError:
    """Shopify's coercion error for a malformed ID (captured: "Invalid global id ''", extensions
    {"code": "argumentLiteralsIncompatible", "typeName": "CoercionError"}, before execution)."""
    return GraphQLError(
        f"Invalid global id '{value}'",
        node,
        extensions={"code": "argumentLiteralsIncompatible", "typeName": "CoercionError"},
    )


def parse_gid(value: Any) -> tuple[str, int]:
    """("Product", 8000000000042) for "gid://shopify/Product/8000000000042"."""
    found = GID.match(value) if isinstance(value, str) else None
    if found is None:
        raise invalid_id(value)
    return found["kind"], int(found["number"])


class GlobalIdRule(ValidationRule):
    """An ID argument written into the query must be a global id."""

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        definition = self.context.get_argument()
        if definition is None or get_named_type(definition.type) is not GraphQLID:
            return
        values = node.value.values if isinstance(node.value, ListValueNode) else (node.value,)
        for value in values:
            if isinstance(value, StringValueNode) and not GID.match(value.value):
                self.report_error(invalid_id(value.value, node))


# graphql-ruby's lexer names for the tokens a syntax error can stop at.
TOKEN_NAMES = {
    TokenKind.BRACE_L: "LCURLY",
    TokenKind.BRACE_R: "RCURLY",
    TokenKind.PAREN_L: "LPAREN",
    TokenKind.PAREN_R: "RPAREN",
    TokenKind.BRACKET_L: "LBRACKET",
    TokenKind.BRACKET_R: "RBRACKET",
    TokenKind.COLON: "COLON",
    TokenKind.EQUALS: "EQUALS",
    TokenKind.BANG: "BANG",
    TokenKind.DOLLAR: "VAR_SIGN",
    TokenKind.SPREAD: "ELLIPSIS",
    TokenKind.AT: "DIR_SIGN",
    TokenKind.PIPE: "PIPE",
    TokenKind.AMP: "AMP",
    TokenKind.NAME: "IDENTIFIER",
    TokenKind.INT: "INT",
    TokenKind.FLOAT: "FLOAT",
    TokenKind.STRING: "STRING",
    TokenKind.BLOCK_STRING: "STRING",
}


def syntax_error(error: GraphQLSyntaxError, query: str) -> dict[str, Any]:
    """graphql-ruby's parse error; at the end of the input it points at the last token."""
    tokens = _tokens(query)
    location = error.locations[0] if error.locations else None
    line, column = (location.line, location.column) if location else (1, 1)
    at = next((token for token in tokens if (token.line, token.column) == (line, column)), None)
    if at is None or at.kind is TokenKind.EOF:
        last = next((token for token in reversed(tokens) if token.kind is not TokenKind.EOF), None)
        if last is not None:
            line, column = last.line, last.column
        message = f"syntax error, unexpected end of file at [{line}, {column}]"
    else:
        name = TOKEN_NAMES.get(at.kind, "invalid token")
        text = at.value if at.value is not None else at.kind.value
        message = f'syntax error, unexpected {name} ("{text}") at [{line}, {column}]'
    if "Unexpected character" in error.message or "Invalid number" in error.message:
        bad = query.splitlines()[line - 1][column - 1 : column] if line <= len(query.splitlines()) else ""
        message = f'syntax error, unexpected invalid token ("{bad}") at [{line}, {column}]'
    return {
        "message": message,
        "locations": [{"line": line, "column": column}],
        "extensions": {"code": "PARSE_ERROR"},
    }


def _tokens(query: str) -> list[Any]:
    lexer, tokens = Lexer(Source(query)), []
    try:
        while True:
            token = lexer.advance()
            tokens.append(token)
            if token.kind is TokenKind.EOF:
                return tokens
    except GraphQLSyntaxError:
        return tokens


Translation = Callable[[re.Match[str], GraphQLError, DocumentNode], tuple[str, dict[str, Any]]]


def _unwrap(type_name: str) -> str:
    return type_name.strip("[]!")


def _selections(error: GraphQLError) -> list[str]:
    node = error.nodes[0] if error.nodes else None
    selection_set = getattr(node, "selection_set", None)
    return (
        [getattr(s, "name", None) and s.name.value for s in selection_set.selections] if selection_set else []
    )


TRANSLATIONS: list[tuple[re.Pattern[str], Translation]] = [
    (
        re.compile(r"Cannot query field '(?P<field>\w+)' on type '(?P<type>\w+)'"),
        lambda m, e, d: (
            f"Field '{m['field']}' doesn't exist on type '{m['type']}'",
            {"code": "undefinedField", "typeName": m["type"], "fieldName": m["field"]},
        ),
    ),
    (
        re.compile(r"Field '(?P<field>\w+)' of type '(?P<type>[^']+)' must have a selection of subfields"),
        lambda m, e, d: (
            f"Field must have selections (field '{m['field']}' returns {_unwrap(m['type'])} but has no "
            f"selections. Did you mean '{m['field']} {{ ... }}'?)",
            {
                "code": "selectionMismatch",
                "nodeName": f"field '{m['field']}'",
                "typeName": _unwrap(m["type"]),
            },
        ),
    ),
    (
        re.compile(r"Field '(?P<field>\w+)' must not have a selection since type '(?P<type>[^']+)'"),
        lambda m, e, d: (
            f"Selections can't be made on scalars (field '{m['field']}' returns {_unwrap(m['type'])} but has "
            f"selections [{', '.join(repr(s).replace(chr(39), chr(34)) for s in _selections(e))}])",
            {
                "code": "selectionMismatch",
                "nodeName": f"field '{m['field']}'",
                "typeName": _unwrap(m["type"]),
            },
        ),
    ),
    (
        re.compile(r"Unknown argument '(?P<argument>\w+)' on field '\w+\.(?P<field>\w+)'"),
        lambda m, e, d: (
            f"Field '{m['field']}' doesn't accept argument '{m['argument']}'",
            {
                "code": "argumentNotAccepted",
                "name": m["field"],
                "typeName": "Field",
                "argumentName": m["argument"],
            },
        ),
    ),
    (
        re.compile(r"Argument '\w+\.(?P<field>\w+)\((?P<argument>\w+):\)' of type '[^']+' is required"),
        lambda m, e, d: (
            f"Field '{m['field']}' is missing required arguments: {m['argument']}",
            {
                "code": "missingRequiredArguments",
                "className": "Field",
                "name": m["field"],
                "arguments": m["argument"],
            },
        ),
    ),
    (
        re.compile(r"Variable '\$(?P<variable>\w+)' is never used in operation '(?P<operation>\w+)'"),
        lambda m, e, d: (
            f"Variable ${m['variable']} is declared by {m['operation']} but not used",
            {"code": "variableNotUsed", "variableName": m["variable"]},
        ),
    ),
    (
        re.compile(r"Variable '\$(?P<variable>\w+)' is not defined"),
        lambda m, e, d: (
            f"Variable ${m['variable']} is used by {_operation_label(e, d)} but not declared",
            {"code": "variableNotDefined", "variableName": m["variable"]},
        ),
    ),
    (
        re.compile(r"Unknown type '(?P<type>\w+)'"),
        lambda m, e, d: (
            f"No such type {m['type']}, so it can't be a fragment condition",
            {"code": "undefinedType", "typeName": m["type"]},
        ),
    ),
    (
        re.compile(r"Unknown directive '@(?P<directive>\w+)'"),
        lambda m, e, d: (
            f"Directive @{m['directive']} is not defined",
            {"code": "undefinedDirective", "directiveName": m["directive"]},
        ),
    ),
    (
        re.compile(r"(?P<type>\w+) cannot represent (?:a )?non[- ]"),
        lambda m, e, d: _literal(m["type"], e, d),
    ),
]


def validation_error(error: GraphQLError, document: DocumentNode) -> dict[str, Any]:
    """One static validation error in graphql-ruby's words, with its path in the document."""
    message, extensions = error.message, dict(error.extensions or {})
    for pattern, translate in TRANSLATIONS:
        found = pattern.search(error.message)
        if found is not None:
            message, extensions = translate(found, error, document)
            break
    shaped: dict[str, Any] = {"message": message}
    if error.locations:
        shaped["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    path = _path(document, error.nodes[0]) if error.nodes else None
    if path is not None:
        shaped["path"] = path
    if extensions:
        shaped["extensions"] = extensions
    return shaped


def _literal(type_name: str, error: GraphQLError, document: DocumentNode) -> tuple[str, dict[str, Any]]:
    found = _find(document, error.nodes[0]) if error.nodes else None
    argument = next((n for n in reversed(found or []) if isinstance(n, ArgumentNode)), None)
    field = next((n for n in reversed(found or []) if isinstance(n, FieldNode)), None)
    if argument is None or field is None:
        return error.message, {}
    value = error.message.split(": ", 1)[-1]
    return (
        f"Argument '{argument.name.value}' on Field '{field.name.value}' has an invalid value ({value}). "
        f"Expected type '{type_name}'.",
        {"code": "argumentLiteralsIncompatible", "typeName": "Argument", "argumentName": argument.name.value},
    )


def _operation_label(error: GraphQLError, document: DocumentNode) -> str:
    found = _find(document, error.nodes[0]) if error.nodes else None
    operation = next((n for n in found or [] if isinstance(n, OperationDefinitionNode)), None)
    if operation is None or operation.name is None:
        return "anonymous query"
    return operation.name.value


def _path(document: DocumentNode, target: Node) -> list[str] | None:
    """graphql-ruby's validation path: the operation ("query Name") then the fields down to the error."""
    found = _find(document, target)
    if not found:
        return None
    head = found[0]
    if isinstance(head, OperationDefinitionNode):
        label = head.operation.value + (f" {head.name.value}" if head.name else "")
    elif isinstance(head, FragmentDefinitionNode):
        label = f"fragment {head.name.value}"
    else:
        return None
    # Fields by response key, then the argument when the error is about an argument's value.
    steps = [
        node.name.value
        if isinstance(node, ArgumentNode)
        else node.alias.value
        if node.alias
        else node.name.value
        for node in found
        if isinstance(node, FieldNode | ArgumentNode)
    ]
    return [label, *steps]


def _find(root: Node, target: Node) -> list[Node] | None:
    """The chain of AST nodes from a definition of `root` down to `target` (by identity)."""
    stack: list[tuple[Node, list[Node]]] = [(root, [])]
    while stack:
        node, trail = stack.pop()
        if node is target:
            return [*trail[1:], node] if trail else [node]
        for key in node.keys:
            child = getattr(node, key, None)
            children = child if isinstance(child, tuple | list) else [child]
            stack.extend((c, [*trail, node]) for c in children if isinstance(c, Node))
    return None
