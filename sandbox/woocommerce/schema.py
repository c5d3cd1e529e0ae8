"""WordPress's argument validation for REST routes, with WordPress's own messages.

An argument is declared as a JSON-schema-like dict (`type`, `enum`, `minimum`, `maximum`,
`items`, `properties`, `format`, `default`, `required`) plus two WordPress details:
`validate: False` for arguments registered without a validate_callback (`include`, `exclude`),
and `sanitize` naming a sanitize_callback other than the type's own (`absint`, `id_list`...).

https://developer.wordpress.org/rest-api/extending-the-rest-api/schema/
https://github.com/WordPress/wordpress-develop/blob/trunk/src/wp-includes/rest-api.php
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from sandbox.woocommerce.errors import ParamError, invalid_params, missing_params
from sandbox.woocommerce.text import sanitize_text_field

Spec = Mapping[str, Any]

_NUMERIC = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")
# rest_parse_date(): RFC 3339, with or without an offset.
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?")


def is_numeric(value: Any) -> bool:
    """PHP's is_numeric()."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float | Decimal):
        return True
    return isinstance(value, str) and bool(_NUMERIC.fullmatch(value))


def php_int(value: Any) -> int:
    """PHP's (int) cast as WooCommerce applies it to ids: "12" is 12, "abc" is 0."""
    return int(float(value)) if is_numeric(value) else 0


def is_integer(value: Any) -> bool:
    """rest_is_integer(): numeric and whole (`3`, `"3"`, `3.0`)."""
    return is_numeric(value) and float(value) == round(float(value))


def is_boolean(value: Any) -> bool:
    """rest_is_boolean(): true/false, "true"/"false"/"1"/"0", 1/0."""
    if isinstance(value, bool):
        return True
    if isinstance(value, str):
        return value.lower() in {"true", "false", "1", "0"}
    return isinstance(value, int) and value in (0, 1)


def parse_list(value: Any) -> list[Any]:
    """wp_parse_list(): a list stays a list, a string splits on commas and spaces."""
    if isinstance(value, list):
        return value
    return [item for item in re.split(r"[\s,]+", str(value)) if item]


_MATCHES: dict[str, Callable[[Any], bool]] = {
    "array": lambda value: isinstance(value, list | str),
    # PHP has one array type, so a JSON list passes as an object too; "" is an empty object.
    "object": lambda value: isinstance(value, dict | list) or value == "",
    "integer": is_integer,
    "number": is_numeric,
    "boolean": is_boolean,
    "string": lambda value: isinstance(value, str),
    "null": lambda value: value is None,
}


def _best_type(value: Any, types: list[str]) -> str | None:
    """rest_get_best_type_for_value(): the first declared type the value passes for."""
    if value == "" and "string" in types:
        return "string"
    return next((kind for kind in types if _MATCHES[kind](value)), None)


def _type_error(param: str, kind: str) -> ParamError:
    return ParamError("rest_invalid_type", f"{param} is not of type {kind}.", param)


def _list_text(values: list[Any]) -> str:
    """wp_sprintf()'s `%l`: "a", "a and b", "a, b, and c"."""
    words = [str(value) for value in values]
    if len(words) <= 2:
        return " and ".join(words)
    return ", ".join(words[:-1]) + ", and " + words[-1]


def _bounds_error(value: Any, spec: Spec, param: str) -> ParamError | None:
    low, high, number = spec.get("minimum"), spec.get("maximum"), float(value)
    if low is not None and high is not None and not low <= number <= high:
        message = f"{param} must be between {int(low)} (inclusive) and {int(high)} (inclusive)"
    elif low is not None and high is None and number < low:
        message = f"{param} must be greater than or equal to {int(low)}"
    elif high is not None and low is None and number > high:
        message = f"{param} must be less than or equal to {int(high)}"
    else:
        return None
    return ParamError("rest_out_of_bounds", message)


def check(value: Any, spec: Spec, param: str) -> ParamError | None:
    """rest_validate_value_from_schema(): None when valid, else the first problem found."""
    declared = spec.get("type")
    if declared is None:
        return None
    if isinstance(declared, list):
        kind = _best_type(value, declared)
        if kind is None:
            return _type_error(param, ",".join(declared))
    else:
        kind = declared
        if not _MATCHES[kind](value) and not (kind == "integer" and is_numeric(value)):
            return _type_error(param, kind)
    problem = _check_kind(value, kind, spec, param)
    if problem is None and "enum" in spec and typed(value, spec) not in spec["enum"]:
        choices = spec["enum"]
        if len(choices) == 1:
            return ParamError("rest_not_in_enum", f"{param} is not {choices[0]}.")
        return ParamError("rest_not_in_enum", f"{param} is not one of {_list_text(choices)}.")
    if problem is None and spec.get("format") == "date-time" and not _DATE.fullmatch(str(value)):
        return ParamError("rest_invalid_date", "Invalid date.")
    if problem is None and "pattern" in spec and not re.search(spec["pattern"], str(value)):
        return ParamError("rest_invalid_pattern", f"{param} does not match pattern {spec['pattern']}.")
    return problem


def _check_kind(value: Any, kind: str, spec: Spec, param: str) -> ParamError | None:
    if kind == "integer":
        return _bounds_error(value, spec, param) or (None if is_integer(value) else _type_error(param, kind))
    if kind == "number":
        return _bounds_error(value, spec, param)
    if kind == "array" and "items" in spec:
        for index, item in enumerate(parse_list(value)):
            problem = check(item, spec["items"], f"{param}[{index}]")
            if problem:
                return problem
    if kind == "object" and isinstance(value, dict):
        properties = spec.get("properties", {})
        for name, item in value.items():
            if name in properties:
                problem = check(item, properties[name], f"{param}[{name}]")
                if problem:
                    return problem
    return None


_SANITIZERS: dict[str, Callable[[Any], Any]] = {
    "absint": lambda value: abs(int(float(value))) if is_numeric(value) else 0,
    "id_list": lambda value: list(
        dict.fromkeys(abs(int(float(v))) if is_numeric(v) else 0 for v in parse_list(value))
    ),
    "text": lambda value: sanitize_text_field(str(value)),
    "key": lambda value: re.sub(r"[^a-z0-9_\-]", "", str(value).lower()),
}


def sanitize(value: Any, spec: Spec) -> Any:
    """The argument's sanitize_callback: its own when declared, else the type's."""
    if "sanitize" in spec:
        return _SANITIZERS[spec["sanitize"]](value)
    return typed(value, spec)


def typed(value: Any, spec: Spec) -> Any:
    """rest_sanitize_value_from_schema(): the value as its declared type."""
    declared = spec.get("type")
    kind = _best_type(value, declared) if isinstance(declared, list) else declared
    if kind == "integer":
        return int(float(value))
    if kind == "number":
        return Decimal(str(value).strip())
    if kind == "boolean":
        return value.lower() not in {"false", "0", ""} if isinstance(value, str) else bool(value)
    if kind == "array":
        items = spec.get("items", {})
        return [typed(item, items) for item in parse_list(value)]
    if kind == "object":
        if not isinstance(value, dict):
            return {}
        properties = spec.get("properties", {})
        return {name: typed(item, properties.get(name, {})) for name, item in value.items()}
    if kind == "string" and not isinstance(value, str):
        return str(value)
    return value


def parse(args: Mapping[str, Spec], supplied: Mapping[str, Any]) -> dict[str, Any]:
    """WP_REST_Request::has_valid_params() then sanitize_params(): the request's parameters,
    validated and typed, with the declared defaults filled in. Undeclared parameters pass through.

    A JSON `null` counts as absent, as in WP_REST_Request::get_param() (it tests with isset()).
    """
    supplied = {name: value for name, value in supplied.items() if value is not None}
    missing = [name for name, spec in args.items() if spec.get("required") and name not in supplied]
    if missing:
        raise missing_params(missing)
    problems: dict[str, ParamError] = {}
    for name, spec in args.items():
        if name in supplied and spec.get("validate", True):
            problem = check(supplied[name], spec, name)
            if problem:
                problems[name] = problem
    if problems:
        raise invalid_params(problems)
    params = dict(supplied)
    for name, spec in args.items():
        if name in params:
            params[name] = sanitize(params[name], spec)
        elif "default" in spec:
            params[name] = spec["default"]
    return params
