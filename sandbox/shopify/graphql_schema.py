"""Shopify's own Admin GraphQL schema, built once per process, and the resolvers that let any of
its fields be asked for.

The schema is Shopify's published introspection result (sandbox/data/shopify_admin_2026-01.json.gz,
see the licence note beside it). `build_client_schema(..., assume_valid=True)` because Shopify's
schema has deprecation details strict validation rejects; building takes about 0.3 s, so it
happens once, under a lock, the first time a store asks for it.

Third-party clients ask for many more fields than the sandbox knows. Every field resolves:
a value the source object holds is returned (dicts by key, a callable called with the field's
arguments), and anything else gets the emptiest value of its type: null where the schema allows
it, otherwise an empty list, zero, false, an empty string, the first enum value, or an empty
object whose own fields resolve the same way.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLAbstractType,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    build_client_schema,
)

log = logging.getLogger(__name__)

SCHEMA_VERSION = "2026-01"
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "data" / f"shopify_admin_{SCHEMA_VERSION}.json.gz"
# Type-correct stand-ins for non-null scalars nobody filled in.
EMPTY_SCALARS: dict[str, Any] = {
    "Int": 0,
    "Float": 0.0,
    "Boolean": False,
    "DateTime": "1970-01-01T00:00:00Z",
    "Date": "1970-01-01",
    "Decimal": "0.0",
    "Money": "0.00",
    "UnsignedInt64": "0",
    "BigInt": "0",
    "JSON": {},
}
_MISSING = object()
_lock = threading.Lock()
_schema: GraphQLSchema | None = None


def admin_schema() -> GraphQLSchema:
    """The schema, built on first use and shared by every store of the process."""
    global _schema
    with _lock:
        if _schema is None:
            started = time.perf_counter()
            with gzip.open(SCHEMA_FILE) as packed:
                introspection = json.load(packed)
            _schema = build_client_schema(introspection["data"], assume_valid=True)
            log.info(
                "built the Shopify Admin %s schema in %.2f s", SCHEMA_VERSION, time.perf_counter() - started
            )
        return _schema


def empty_value(output: GraphQLOutputType) -> Any:
    """The emptiest value `output` allows."""
    if not isinstance(output, GraphQLNonNull):
        return None
    inner = output.of_type
    if isinstance(inner, GraphQLList):
        return []
    if isinstance(inner, GraphQLEnumType):
        return next(iter(inner.values))
    if isinstance(inner, GraphQLScalarType):
        return EMPTY_SCALARS.get(inner.name, "")
    return {}  # an object (or interface/union: resolve_type picks a type) resolving the same way


class NeedsInfo:
    """A field value computed from the resolve info as well as the arguments (a root field that
    reports under its response path)."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function


def resolve_field(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
    """Dict lookup (calling callables with the field's arguments), else the empty value."""
    if isinstance(source, dict):
        value = source.get(info.field_name, _MISSING)
    else:
        value = getattr(source, info.field_name, _MISSING)
    if value is _MISSING:
        return empty_value(info.return_type)
    if isinstance(value, NeedsInfo):
        return value.function(info, **args)
    return value(**args) if callable(value) else value


def resolve_type(value: Any, info: GraphQLResolveInfo, abstract: GraphQLAbstractType) -> str | None:
    """The object's `__typename`, or for a stand-in object the first type that could be there."""
    typename = value.get("__typename") if isinstance(value, dict) else None
    if typename:
        return typename
    possible = info.schema.get_possible_types(abstract)
    return possible[0].name if possible else None
