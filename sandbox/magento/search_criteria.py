"""`searchCriteria` as Magento's REST layer reads it from the query string, and its echo.

PHP turns `searchCriteria[filter_groups][0][filters][0][field]=sku` into nested arrays, then the
service input processor fills a SearchCriteria object through its setters: a property name matches
its getter without regard to case or underscores, so `filter_groups`/`filterGroups` and
`condition_type`/`conditionType` are the same property (api-notes §3.3; the docs use one spelling,
the vendor's Swagger the other). What goes wrong is answered as Magento does
(Framework\\Webapi\\ServiceInputProcessor, Framework\\Reflection\\TypeProcessor):
- no `searchCriteria` at all: 400 `"%fieldName" is required`;
- a number that is not one (`pageSize=ten`): 400, the type error wrapped once per nesting level;
- a bad sort direction: 400 with SortOrder's own message;
- a property the object has no getter for (`searchCriteria[page]=2`): the reflection error is not
  a LocalizedException, so production mode masks it as a 500 "Internal Error".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sandbox.http import HttpError
from sandbox.magento import errors

_BRACKETS = re.compile(r"\[([^\]]*)\]")
# PHP's is_numeric: optional blanks and sign, a decimal or an exponent.
_NUMERIC = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")


@dataclass(frozen=True)
class Filter:
    field: str | None
    value: str | None
    condition: str | None  # as sent; None means eq

    @property
    def condition_type(self) -> str:
        return (self.condition or "eq").lower()


@dataclass(frozen=True)
class SortOrder:
    field: str | None
    direction: str | None  # "ASC" | "DESC" | None (Magento then sorts descending)


@dataclass(frozen=True)
class SearchCriteria:
    filter_groups: tuple[tuple[Filter, ...], ...] = ()
    sort_orders: tuple[SortOrder, ...] | None = None
    page_size: int | None = None
    current_page: int | None = None

    def echo(self) -> dict[str, Any]:
        """`search_criteria` in the response: what was sent, values as strings, and no
        page_size/current_page keys unless they were sent (magento/magento2#35310, 2.4.4+)."""
        echoed: dict[str, Any] = {
            "filter_groups": [
                {"filters": [_echo_filter(item) for item in group]} for group in self.filter_groups
            ]
        }
        if self.sort_orders is not None:
            echoed["sort_orders"] = [
                {"field": item.field, "direction": item.direction} for item in self.sort_orders
            ]
        if self.page_size is not None:
            echoed["page_size"] = self.page_size
        if self.current_page is not None:
            echoed["current_page"] = self.current_page
        return echoed

    def cache_key(self) -> tuple[Any, ...]:
        """What decides which rows match and in which order (not the page)."""
        return (self.filter_groups, self.sort_orders)


def _echo_filter(item: Filter) -> dict[str, Any]:
    echoed: dict[str, Any] = {"field": item.field, "value": item.value}
    if item.condition is not None:
        echoed["condition_type"] = item.condition
    return echoed


def php_query(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Query pairs as PHP's parse_str nests them: `a[b][]=1` -> {"a": {"b": {"0": "1"}}}."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        head, bracket, rest = key.partition("[")
        path = [head, *_BRACKETS.findall(bracket + rest)] if bracket else [head]
        node = root
        for index, part in enumerate(path):
            if part == "":
                numbers = [int(name) for name in node if name.lstrip("-").isdigit()]
                part = str(max(numbers) + 1 if numbers else 0)
            if index == len(path) - 1:
                node[part] = value
            else:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = child
    return root


class _TypeMismatch(Exception):
    """A value of the wrong type, with the message Magento builds while unwinding the nesting."""


def _property(name: str) -> str:
    """The setter a key reaches: PHP method names ignore case, and underscores are dropped."""
    return name.replace("_", "").lower()


def _properties(data: Any, known: set[str]) -> list[tuple[str, str, Any]]:
    """(key as sent, property, value) for an object's data; an unknown property is a 500."""
    if not isinstance(data, dict):
        return []
    found = []
    for key, value in data.items():
        name = _property(key)
        if name not in known:
            raise HttpError(errors.internal_error())
        found.append((key, name, value))
    return found


def _wrapped(key: str, convert: Any, value: Any) -> Any:
    try:
        return convert(value)
    except _TypeMismatch as error:
        raise _TypeMismatch(errors.FIELD_PROCESSING.format(field=key, details=error)) from error


def _text(value: Any) -> str:
    if isinstance(value, dict):
        raise _TypeMismatch(errors.TYPE_MISMATCH.format(value="array", type="string"))
    return str(value)


def integer(value: Any) -> int:
    """PHP's settype to int after its is_numeric check ("12.7" -> 12)."""
    if isinstance(value, dict):
        raise _TypeMismatch(errors.TYPE_MISMATCH.format(value="array", type="int"))
    if not _NUMERIC.match(str(value)):
        raise _TypeMismatch(errors.TYPE_MISMATCH.format(value=value, type="int"))
    return int(float(value))


def _items(value: Any) -> list[Any]:
    """An array parameter; anything else is converted to null and means none."""
    return list(value.values()) if isinstance(value, dict) else []


def _filter(data: Any) -> Filter:
    values: dict[str, Any] = {}
    for key, name, value in _properties(data, {"field", "value", "conditiontype"}):
        values[name] = _wrapped(key, _text, value)
    return Filter(values.get("field"), values.get("value"), values.get("conditiontype"))


def _group(data: Any) -> tuple[Filter, ...]:
    filters: tuple[Filter, ...] = ()
    for key, _name, value in _properties(data, {"filters"}):
        filters = _wrapped(key, lambda items: tuple(_filter(item) for item in _items(items)), value)
    return filters


def _sort_order(data: Any) -> SortOrder:
    values: dict[str, Any] = {}
    for key, name, value in _properties(data, {"field", "direction"}):
        values[name] = _wrapped(key, _text, value)
    direction = values.get("direction")
    if direction is not None:
        direction = direction.upper()
        if direction not in {"ASC", "DESC"}:
            raise errors.fail(400, errors.SORT_DIRECTION, ["ASC", "DESC"])
    return SortOrder(values.get("field"), direction)


def _criteria(data: Any) -> SearchCriteria:
    values: dict[str, Any] = {}
    converters = {
        "filtergroups": lambda items: tuple(_group(item) for item in _items(items)),
        "sortorders": lambda items: tuple(_sort_order(item) for item in _items(items)),
        "pagesize": integer,
        "currentpage": integer,
    }
    for key, name, value in _properties(data, set(converters)):
        values[name] = _wrapped(key, converters[name], value)
    return SearchCriteria(
        values.get("filtergroups", ()),
        values.get("sortorders"),
        values.get("pagesize"),
        values.get("currentpage"),
    )


def parse(pairs: list[tuple[str, str]]) -> SearchCriteria:
    """The request's searchCriteria, or the error Magento answers for it."""
    query = php_query(pairs)
    # The parameter is found by its name or its snake_case form (ServiceInputProcessor::process).
    name = next((name for name in ("searchCriteria", "search_criteria") if name in query), None)
    if name is None:
        raise errors.required(["searchCriteria"])
    try:
        return _criteria(query[name])
    except _TypeMismatch as error:
        raise errors.fail(400, str(error)) from error


def path_integer(value: str) -> int:
    """An int path or query parameter (category ids, depth), checked as the input processor does."""
    try:
        return integer(value)
    except _TypeMismatch as error:
        raise errors.fail(400, str(error)) from error
