"""The named transforms a mapping rule may apply: a registry of small functions, never eval.

A transform is written as a table, `{name = "markup_percent", value = 20}`; `validate_transform`
checks the name and its parameters when the definition is built, `apply_transform` runs it.
Money transforms work on Decimal and leave a missing price missing.
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

Params = Mapping[str, Any]  # the transform's own table, e.g. {"name": "markup_percent", "value": 20}
Fields = Mapping[str, Any]  # the product's fields, for templates


class TransformError(ValueError):
    """A transform that does not exist or has bad parameters."""


@dataclass(frozen=True)
class Transform:
    name: str
    params: Mapping[str, type | tuple[type, ...]]  # parameter -> accepted types
    run: Callable[[Any, Params, Fields], Any]
    description: str


def _money(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation as error:
        raise TransformError(f"{value!r} is not a price") from error


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def markup_percent(value: Any, params: Params, fields: Fields) -> Decimal | None:
    price = _money(value)
    return None if price is None else _cents(price * (1 + Decimal(str(params["value"])) / 100))


def markup_fixed(value: Any, params: Params, fields: Fields) -> Decimal | None:
    price = _money(value)
    return None if price is None else _cents(price + Decimal(str(params["value"])))


def round_to(value: Any, params: Params, fields: Fields) -> Decimal | None:
    """Psychological prices: `.99` turns 12.30 into 12.99 and 13.00 into 13.99 (never down a unit)."""
    price = _money(value)
    if price is None:
        return None
    ending = Decimal(str(params["value"]))
    return price.to_integral_value(rounding=ROUND_FLOOR) + ending


TAGS = re.compile(r"<[^>]+>")
SPACES = re.compile(r"\s+")


def strip_html(value: Any, params: Params, fields: Fields) -> str:
    text = TAGS.sub(" ", str(value or ""))
    return SPACES.sub(" ", html.unescape(text)).strip()


def prefix(value: Any, params: Params, fields: Fields) -> str:
    return f"{params['value']}{value or ''}"


def suffix(value: Any, params: Params, fields: Fields) -> str:
    return f"{value or ''}{params['value']}"


def value_map(value: Any, params: Params, fields: Fields) -> Any:
    """Replace a value found in `map`; others stay as they are, or become `default` when given."""
    key = str(value)
    if key in params["map"]:
        return params["map"][key]
    return params.get("default", value)


def truncate(value: Any, params: Params, fields: Fields) -> str:
    return str(value or "")[: params["length"]]


class _Fields(string.Formatter):
    """Formats `{sku}-{vendor}` from the product's fields; an unknown name is an error, not code."""

    def get_field(self, field_name: str, args: Any, kwargs: Mapping[str, Any]) -> Any:
        if not field_name.isidentifier():
            raise TransformError(f"template field {{{field_name}}} is not a plain name")
        if field_name not in kwargs:
            raise TransformError(f"template field {{{field_name}}} is not a product field")
        return kwargs[field_name], field_name


def template(value: Any, params: Params, fields: Fields) -> str:
    return _Fields().format(params["template"], **{**fields, "value": value})


TRANSFORMS: dict[str, Transform] = {
    t.name: t
    for t in (
        Transform(
            "markup_percent", {"value": (int, float, str)}, markup_percent, "Add a percentage to a price"
        ),
        Transform("markup_fixed", {"value": (int, float, str)}, markup_fixed, "Add an amount to a price"),
        Transform("round_to", {"value": (str,)}, round_to, "End prices in .99 (or another ending)"),
        Transform("strip_html", {}, strip_html, "Remove HTML tags"),
        Transform("prefix", {"value": (str,)}, prefix, "Put text before the value"),
        Transform("suffix", {"value": (str,)}, suffix, "Put text after the value"),
        Transform(
            "value_map", {"map": (dict,), "default": (str, int, float, bool)}, value_map, "Replace values"
        ),
        Transform("truncate", {"length": (int,)}, truncate, "Cut text to a length"),
        Transform("template", {"template": (str,)}, template, "Build text such as '{sku}-{vendor}'"),
    )
}
OPTIONAL = {("value_map", "default")}


def validate_transform(spec: Mapping[str, Any]) -> Transform:
    name = spec.get("name")
    if name not in TRANSFORMS:
        raise TransformError(f"unknown transform {name!r}; use one of {', '.join(TRANSFORMS)}")
    transform = TRANSFORMS[name]
    given = {key for key in spec if key != "name"}
    unknown = sorted(given - set(transform.params))
    if unknown:
        raise TransformError(f"{name} takes no parameter {unknown[0]!r}")
    for param, kinds in transform.params.items():
        if param not in spec:
            if (name, param) in OPTIONAL:
                continue
            raise TransformError(f"{name} needs '{param}'")
        if not isinstance(spec[param], kinds) or (isinstance(spec[param], bool) and bool not in kinds):
            raise TransformError(f"{name}: '{param}' has the wrong type ({type(spec[param]).__name__})")
    if name in {"markup_percent", "markup_fixed", "round_to"}:
        try:
            number = Decimal(str(spec["value"]))
        except InvalidOperation as error:
            raise TransformError(f"{name}: 'value' must be a number, not {spec['value']!r}") from error
        if name == "round_to" and not Decimal(0) <= number < 1:
            raise TransformError("round_to: 'value' is the ending, from .00 to .99")
    if name == "truncate" and spec["length"] < 1:
        raise TransformError("truncate: 'length' must be at least 1")
    return transform


def apply_transform(spec: Mapping[str, Any], value: Any, fields: Mapping[str, Any]) -> Any:
    """Run one validated transform; `fields` are the product's fields (for templates)."""
    return validate_transform(spec).run(value, spec, fields)
