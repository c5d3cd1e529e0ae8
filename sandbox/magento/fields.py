"""`?fields=items[sku,name],total_count`: Magento's partial responses
(Framework\\Webapi\\Rest\\Response\\FieldsFilter; https://developer.adobe.com/commerce/webapi/rest/use-rest/retrieve-filtered-responses/).

Only the named keys survive, at every level; a list is filtered item by item. The quirks are kept:
a malformed filter (unbalanced brackets, other characters) is ignored and the whole response sent,
and an empty list filtered becomes null, because PHP's filter walks a list's items into an array
that stays unset when there are none.
"""

from __future__ import annotations

import re
from typing import Any

Spec = dict[str, "Spec | None"]  # None: keep the whole value
_ALLOWED = re.compile(r"^[\w\[\],]+$")


def parse(text: str) -> Spec | None:
    """The requested fields as a tree, or None when Magento would ignore the parameter."""
    if not text or not _ALLOWED.match(text):
        return None
    stack: list[tuple[Spec, str | None]] = []
    current: Spec = {}
    start: int | None = None
    last: str | None = None
    for position, char in enumerate(text):
        if char in "[],":
            if start is not None:
                last = text[start:position]
                current[last] = None
            start = None
        if char == "[":
            stack.append((current, last))
            current = {}
        elif char == "]":
            if not stack:
                return None
            parent, key = stack.pop()
            parent[key or ""] = current
            current = parent
        elif char != "," and start is None:
            start = position
    if stack:
        return None
    if start is not None:
        current[text[start:]] = None
    return current


def apply(value: Any, spec: Spec) -> Any:
    if isinstance(value, list):
        return [apply(item, spec) for item in value] or None
    if not isinstance(value, dict):
        return value
    kept = {}
    for key, item in value.items():
        if key in spec:
            nested = spec[key]
            kept[key] = apply(item, nested) if nested is not None and isinstance(item, list | dict) else item
    return kept
