"""The Shopify Admin GraphQL endpoint: POST /admin/api/{version}/graphql.json.

A real executor (graphql-core) over Shopify's published Admin schema (graphql_schema), answering
from the store's catalog (graphql_queries, graphql_catalog) and throttled by calculated query cost
(graphql_cost) from a leaky bucket of its own, separate from REST's.

What a request goes through, and what Shopify answers at each step:
- body: JSON `{"query", "variables", "operationName"}` (or the query itself as
  application/graphql); a body without a usable query is 400
  `{"errors": {"query": "Required parameter missing or invalid"}}`
  (https://shopify.dev/docs/api/admin-graphql, "Sample error codes");
- parse and validate: 200 with only `errors`, in graphql-ruby's words (graphql_errors);
- cost: over 1,000 points is refused with MAX_COST_EXCEEDED, before anything else; more than the
  bucket holds is refused with THROTTLED and the cost extension; both 200
  (https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits; the exact bodies as
  apps see them: gist.github.com/lacom/56e3834834e250270062583f425274b9);
- execution: `data`, any `errors`, and `extensions.cost` with the throttle status after the
  actual cost was charged (the requested cost is taken up front, the difference refunded).
"""

from __future__ import annotations

import functools
import json
import logging
import math
from collections.abc import Callable
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    execute,
    get_operation_ast,
    parse,
    print_ast,
    specified_rules,
    validate,
)

from sandbox.http import Request, Response, json_response
from sandbox.ratelimit import LeakyBucket
from sandbox.shopify.graphql_cost import MAX_SINGLE_QUERY_COST, THROTTLES, QueryCost
from sandbox.shopify.graphql_errors import GlobalIdRule, syntax_error, validation_error
from sandbox.shopify.graphql_queries import CatalogQueries
from sandbox.shopify.graphql_schema import admin_schema, resolve_field, resolve_type

log = logging.getLogger(__name__)

MISSING_QUERY = {"errors": {"query": "Required parameter missing or invalid"}}
RATE_LIMITS_DOC = "https://shopify.dev/api/usage/rate-limits"
# The text Shopify sends with MAX_COST_EXCEEDED (newlines and all).
MAX_COST_MESSAGE = (
    "Query cost is {cost}, which exceeds the single query max cost limit ({limit}).\n\n"
    "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
    "cost of a query is calculated.\n\n"
    "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n"
    "See https://shopify.dev/api/usage/bulk-operations/queries for usage details.\n"
)
RULES = (*specified_rules, GlobalIdRule)
PREPARED_QUERIES = 256


class GraphQLEndpoint:
    """The GraphQL endpoint of one store: uses only `store.catalog` and `store.settings`, and the
    root fields `more_roots(request)` adds (the store's webhook subscriptions)."""

    def __init__(self, store: Any, more_roots: Callable[[Request], dict[str, Any]] | None = None) -> None:
        self.schema = admin_schema()
        self.queries = CatalogQueries(store.catalog, store.settings)
        self.more_roots = more_roots
        self.throttle = THROTTLES[store.settings.shopify_plan]
        self.bucket = LeakyBucket(self.throttle.capacity, self.throttle.restore_rate)

    def reset(self) -> None:
        self.bucket.reset()

    def handle(self, request: Request) -> Response:
        body = _read(request)
        if body is None:
            return json_response(MISSING_QUERY, status=400)
        query, variables, operation_name = body
        document, errors = _prepared(query)
        if errors:
            return json_response({"errors": errors})
        assert document is not None
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            return json_response({"errors": [{"message": _no_operation(document, operation_name)}]})
        root = {**self.queries.root(), **(self.more_roots(request) if self.more_roots else {})}
        return self._run(document, operation, variables, root)

    def _run(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: dict[str, Any],
        root: dict[str, Any],
    ) -> Response:
        cost = QueryCost(self.schema, document, operation, variables)
        requested = cost.requested()
        if requested > MAX_SINGLE_QUERY_COST:
            return json_response({"errors": [_max_cost(requested)]})
        charged = self.bucket.add(requested)
        if not charged.allowed:
            return json_response(
                {
                    "errors": [
                        {
                            "message": "Throttled",
                            "extensions": {"code": "THROTTLED", "documentation": RATE_LIMITS_DOC},
                        }
                    ],
                    "extensions": {"cost": self._cost(requested, None)},
                }
            )
        context: dict[str, Any] = {}
        result = execute(
            self.schema,
            document,
            root_value=root,
            context_value=context,
            variable_values=variables,
            operation_name=operation.name.value if operation.name else None,
            field_resolver=resolve_field,
            type_resolver=resolve_type,
            # Every resolver here is synchronous; not checking each value for an awaitable saves a
            # tenth of the time of a large page.
            is_awaitable=_never,
        )
        errors = [_execution_error(error, operation, variables) for error in result.errors or ()]
        if result.data is None and _is_variable_error(result.errors):
            self.bucket.refund(requested)  # bad variables: nothing ran, nothing is charged
            return json_response({"errors": errors})
        actual = cost.actual(result.data)
        if actual < requested:
            self.bucket.refund(requested - actual)
        payload: dict[str, Any] = {"errors": errors} if errors else {}
        payload["data"] = result.data
        extensions: dict[str, Any] = {"cost": self._cost(requested, actual)}
        if context.get("search"):
            extensions["search"] = context["search"]
        payload["extensions"] = extensions
        return json_response(payload)

    def _cost(self, requested: int, actual: int | None) -> dict[str, Any]:
        available = max(0.0, self.throttle.capacity - self.bucket.level())
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": self.throttle.capacity,
                "currentlyAvailable": math.floor(available),
                "restoreRate": self.throttle.restore_rate,
            },
        }


@functools.lru_cache(maxsize=PREPARED_QUERIES)
def _prepared(query: str) -> tuple[DocumentNode | None, list[dict[str, Any]]]:
    """The parsed document, or the parse or validation errors Shopify would answer with.
    An importer sends the same query for every page, so this happens once per query text."""
    try:
        document = parse(query)
    except GraphQLSyntaxError as error:
        return None, [syntax_error(error, query)]
    problems = validate(admin_schema(), document, RULES)
    return document, [validation_error(error, document) for error in problems]


def _never(value: Any) -> bool:
    return False


def _read(request: Request) -> tuple[str, dict[str, Any], str | None] | None:
    """(query, variables, operationName), or None when the body holds no usable query."""
    content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if content_type == "application/graphql":
        text = request.body.decode("utf-8", errors="replace")
        return (text, {}, None) if text.strip() else None
    try:
        body = json.loads(request.body or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(body, dict) or not isinstance(body.get("query"), str) or not body["query"].strip():
        return None
    variables = body.get("variables")
    if isinstance(variables, str):  # some clients send the variables JSON-encoded
        try:
            variables = json.loads(variables) if variables.strip() else None
        except json.JSONDecodeError:
            return None
    operation_name = body.get("operationName")
    return (
        body["query"],
        variables if isinstance(variables, dict) else {},
        operation_name if isinstance(operation_name, str) and operation_name else None,
    )


def _no_operation(document: DocumentNode, name: str | None) -> str:
    if name is not None:
        return f'No operation named "{name}"'
    return "An operation name is required"


def _max_cost(requested: int) -> dict[str, Any]:
    return {
        "message": MAX_COST_MESSAGE.format(cost=requested, limit=MAX_SINGLE_QUERY_COST),
        "extensions": {
            "code": "MAX_COST_EXCEEDED",
            "cost": requested,
            "maxCost": MAX_SINGLE_QUERY_COST,
            "documentation": RATE_LIMITS_DOC,
        },
    }


def _is_variable_error(errors: list[GraphQLError] | None) -> bool:
    return bool(errors) and all(error.path is None for error in errors or [])


def _execution_error(
    error: GraphQLError, operation: OperationDefinitionNode, variables: dict[str, Any]
) -> dict[str, Any]:
    if error.path is None and error.message.startswith("Variable '$"):
        return _variable_error(error, operation, variables)
    shaped = error.formatted
    return {key: shaped[key] for key in ("message", "locations", "extensions", "path") if key in shaped}


def _variable_error(
    error: GraphQLError, operation: OperationDefinitionNode, variables: dict[str, Any]
) -> dict[str, Any]:
    """graphql-ruby's INVALID_VARIABLE, as Shopify answers a variable that does not fit its type:
    {"message": "Variable $product of type ProductCreateInput! was provided invalid value",
    "locations", "extensions": {"code": "INVALID_VARIABLE", "value": null, "problems": [{"path": [],
    "explanation": "Expected value to not be null"}]}} (the captures named in graphql_errors)."""
    name = error.message[len("Variable '$") :].split("'", 1)[0]
    definition = next(
        (d for d in operation.variable_definitions or () if d.variable.name.value == name), None
    )
    type_name = print_ast(definition.type) if definition is not None else ""
    detail = error.message.split(": ", 1)[-1]
    explanation = "Expected value to not be null" if "non-null type" in detail else detail.rstrip(".")
    shaped: dict[str, Any] = {"message": f"Variable ${name} of type {type_name} was provided invalid value"}
    if error.locations:
        shaped["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    shaped["extensions"] = {
        "code": "INVALID_VARIABLE",
        "value": variables.get(name),
        "problems": [{"path": [], "explanation": explanation}],
    }
    return shaped
