"""Relay connections the way Shopify pages them: opaque keyset cursors, first/after, last/before,
reverse, and a PageInfo that looks at the whole list.

https://shopify.dev/docs/api/usage/pagination-graphql: "You can retrieve up to a maximum of 250
resources"; `pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`. A cursor names the
last item seen (base64 JSON `{"last_id": ..., "last_value": ...}`, the shape of Shopify's own
cursors), so a page boundary survives products being added or changed between requests.
"""

from __future__ import annotations

import base64
import binascii
import json
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError

MAX_PAGE_SIZE = 250
SortKey = tuple[Any, int]  # (sort value, id): ids break ties, so every key is unique


def bad_request(message: str) -> GraphQLError:
    """Shopify's answer to bad connection arguments: {"message", "locations", "extensions":
    {"code": "BAD_REQUEST"}, "path"}, with the field null (captured: "Malformed cursor",
    github.com/airhorns/shopify-draft-proxy
    fixtures/conformance/.../metafield-definition-catalog-connection.json;
    "you must provide one of first or last" in Shopify/shopify-api-js's graphql client tests)."""
    return GraphQLError(message, extensions={"code": "BAD_REQUEST"})


def encode_cursor(key: SortKey) -> str:
    value, ident = key
    payload = json.dumps({"last_id": ident, "last_value": value}, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, like: SortKey | None) -> SortKey:
    """The key a cursor names; `like` is any key of the list, whose types the cursor must share."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        key = (payload["last_value"], payload["last_id"])
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError) as error:
        raise bad_request("Malformed cursor") from error
    if not isinstance(key[1], int) or (like is not None and type(key[0]) is not type(like[0])):
        raise bad_request("Malformed cursor")
    return key


@dataclass(frozen=True)
class Window:
    positions: list[int]  # indexes into the ascending keys, in the order served
    has_previous: bool
    has_next: bool


def window(keys: Sequence[SortKey], args: Mapping[str, Any]) -> Window:
    """The slice of `keys` (ascending) that first/after/last/before/reverse select."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise bad_request("you must provide one of first or last")
    if first is not None and last is not None:
        raise bad_request("providing both first and last is not supported")
    reverse = bool(args.get("reverse"))
    like = keys[0] if len(keys) else None
    low, high = 0, len(keys)
    for name, is_after in (("after", True), ("before", False)):
        if args.get(name) is None:
            continue
        key = decode_cursor(args[name], like)
        if is_after != reverse:  # after, or before in reverse: the items beyond the cursor
            low = max(low, bisect_right(keys, key))
        else:
            high = min(high, bisect_left(keys, key))
    ordered = range(low, high) if not reverse else range(high - 1, low - 1, -1)
    # More than 250 is served as 250 (graphql-ruby's max_page_size, which Shopify runs on).
    size = max(0, min(first if first is not None else last, MAX_PAGE_SIZE))
    chosen = ordered[:size] if first is not None else ordered[max(0, len(ordered) - size) :]
    if len(chosen):
        ends = (chosen[0], chosen[-1])
        before, beyond = min(ends) > 0, max(ends) < len(keys) - 1
    else:
        before, beyond = low > 0, high < len(keys)
    has_previous, has_next = (beyond, before) if reverse else (before, beyond)
    return Window(list(chosen), has_previous, has_next)


def connection(
    keys: Sequence[SortKey], args: Mapping[str, Any], render: Callable[[int], Any]
) -> dict[str, Any]:
    """A connection object for the resolver: `render(position)` gives the node at a position.
    Edges, cursors and PageInfo are built only if the query asks for them."""
    page = window(keys, args)
    nodes = [render(position) for position in page.positions]
    cursors = [lambda position=position: encode_cursor(keys[position]) for position in page.positions]
    return {
        "nodes": nodes,
        "edges": lambda: [
            {"node": node, "cursor": cursor} for node, cursor in zip(nodes, cursors, strict=True)
        ],
        "pageInfo": lambda: {
            "hasNextPage": page.has_next,
            "hasPreviousPage": page.has_previous,
            "startCursor": cursors[0]() if cursors else None,
            "endCursor": cursors[-1]() if cursors else None,
        },
    }


def listed(
    items: Sequence[Any], ident: Callable[[Any], int], render: Callable[[Any], Any]
) -> Callable[..., Any]:
    """A connection over a short list kept in its own order (a product's variants, media,
    metafields): the sort value is the position."""
    keys = [(position, ident(item)) for position, item in enumerate(items, start=1)]
    return lambda **args: connection(keys, args, lambda position: render(items[position]))
