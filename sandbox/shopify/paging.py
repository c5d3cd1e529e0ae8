"""Shopify's REST list machinery: `limit`, `since_id`, filters, `fields`, and cursor pagination.

A list answers one page and, when there is more, a `Link` header in the exact form the official
clients parse (https://shopify.dev/docs/api/usage/pagination-rest):

    Link: <http://host/admin/api/2025-07/products.json?limit=50&page_info=eyJ...>; rel="previous",
          <http://host/admin/api/2025-07/products.json?limit=50&page_info=eyJ...>; rel="next"

(one line; quoted `rel`; links joined by ", " because shopify_python_api splits on exactly that).
`page_info` is opaque base64 JSON like Shopify's own (`{"direction":"next","last_id":...,
"last_value":...}` as developers decode it), carrying the first request's filters: a later page
may add only `limit` and `fields`.
"""

from __future__ import annotations

import base64
import binascii
import json
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from sandbox.http import HttpError, Request, json_response

T = TypeVar("T")
Predicate = Callable[[T], bool]
SortKey = tuple[Any, ...]

DEFAULT_LIMIT = 50
MAX_LIMIT = 250
PAGINATION_DOCS = "https://shopify.dev/api/usage/pagination-rest"
# Shopify's word for a parameter value it cannot use, as it answers a garbled page_info:
# {"errors":{"page_info":"Invalid value."}} (observed; docs are silent on the wording).
INVALID = "Invalid value."
# Parameters a page_info request may carry besides page_info: "A request that includes the
# page_info parameter can't include any other parameters except for limit and fields"
# https://shopify.dev/docs/api/usage/pagination-rest
WITH_PAGE_INFO = frozenset({"page_info", "limit", "fields"})


def bad_request(errors: Any) -> HttpError:
    return HttpError(json_response({"errors": errors}, status=400))


def invalid(name: str) -> HttpError:
    return bad_request({name: INVALID})


def integer(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError as error:
        raise invalid(name) from error


def integers(name: str, raw: str) -> frozenset[int]:
    return frozenset(integer(name, part) for part in raw.split(",") if part.strip())


def words(raw: str) -> frozenset[str]:
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def limit(request: Request) -> int:
    raw = request.arg("limit")
    if raw is None:
        return DEFAULT_LIMIT
    value = integer("limit", raw)
    if value > MAX_LIMIT:
        # Shopify refuses rather than clamps: limit=251 -> 400 {"errors":"Limit exceeds maximum
        # limit of 250"} (measured against a live store, 2026-08; the docs only say "max: 250").
        raise bad_request(f"Limit exceeds maximum limit of {MAX_LIMIT}")
    if value < 1:
        raise invalid("limit")
    return value


def fields(request: Request) -> list[str] | None:
    raw = request.arg("fields")
    return [name.strip() for name in raw.split(",") if name.strip()] if raw else None


def trim(payload: dict[str, Any], names: list[str] | None) -> dict[str, Any]:
    """`fields=id,title` keeps only those top-level keys, in the payload's own order."""
    if names is None:
        return payload
    return {key: value for key, value in payload.items() if key in names}


@dataclass(frozen=True)
class Cursor:
    """What a page_info token carries: the first request's filters and where the page ended."""

    filters: dict[str, str]
    last_id: int
    last_value: str | None
    direction: str  # "next" or "prev"

    def encode(self) -> str:
        payload = {
            "direction": self.direction,
            "last_id": self.last_id,
            "last_value": self.last_value,
            "filters": self.filters,
        }
        raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            cursor = cls(
                filters=dict(payload["filters"]),
                last_id=int(payload["last_id"]),
                last_value=payload["last_value"],
                direction=payload["direction"],
            )
        except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
            raise invalid("page_info") from error
        well_formed = (
            cursor.direction in {"next", "prev"}
            and isinstance(cursor.last_value, str | None)
            and all(isinstance(value, str) for value in cursor.filters.values())
        )
        if not well_formed:
            raise invalid("page_info")
        return cursor


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    fields: list[str] | None
    link: str | None  # the Link header, None when this is the only page

    @property
    def headers(self) -> dict[str, str]:
        return {"Link": self.link} if self.link else {}


@dataclass(frozen=True)
class Listing(Generic[T]):
    """One REST list endpoint: the filters it takes and the order it lists in.

    `filters` maps a query parameter to a parser that turns its raw value into a predicate.
    Rows are listed by title (then id) when `title_of` is given, by id otherwise, and always by id
    when `since_id` is used ("Return only products after the specified ID").
    """

    id_of: Callable[[T], int]
    title_of: Callable[[T], str] | None = None
    filters: Mapping[str, Callable[[str], Predicate[T]]] = field(default_factory=dict)

    def order(self, filters: Mapping[str, str]) -> str:
        return "id" if self.title_of is None or "since_id" in filters else "title"

    def sort_key(self, order: str) -> Callable[[T], SortKey]:
        if order == "title":
            title_of, id_of = self.title_of, self.id_of
            assert title_of is not None
            return lambda row: (title_of(row).casefold(), id_of(row))
        id_of = self.id_of
        return lambda row: (id_of(row),)

    def sort(self, rows: Iterable[T], order: str) -> list[T]:
        """`rows` in `order`, as `sort_key(order)` compares them (what `page` bisects)."""
        by_id = sorted(rows, key=self.id_of)
        if order == "id":
            return by_id
        title_of = self.title_of
        assert title_of is not None
        # A stable sort of the id order breaks title ties by id without building a tuple per row.
        return sorted(by_id, key=lambda row: title_of(row).casefold())

    def cursor_key(self, order: str, cursor: Cursor) -> SortKey:
        if order == "title":
            return ((cursor.last_value or "").casefold(), cursor.last_id)
        return (cursor.last_id,)

    def first_filters(self, request: Request) -> dict[str, str]:
        """The filters of a request without page_info, checked so a bad value fails now."""
        given = {name: value for name, value in request.query if name in self.filters or name == "since_id"}
        self.predicate(given)
        return given

    def predicate(self, filters: Mapping[str, str]) -> Predicate[T] | None:
        checks: list[Predicate[T]] = []
        if "since_id" in filters:
            since, id_of = integer("since_id", filters["since_id"]), self.id_of
            checks.append(lambda row: id_of(row) > since)
        checks += [self.filters[name](raw) for name, raw in filters.items() if name in self.filters]
        if not checks:
            return None
        if len(checks) == 1:
            return checks[0]
        return lambda row: all(check(row) for check in checks)

    def count(self, request: Request, rows: Sequence[T]) -> int:
        matches = self.predicate(self.first_filters(request))
        return len(rows) if matches is None else sum(1 for row in rows if matches(row))

    def page(self, request: Request, rows_in: Callable[[str], Sequence[T]]) -> Page[T]:
        """One page of `rows_in(order)` (rows sorted by `sort_key(order)`) for this request."""
        token = request.arg("page_info")
        if token is None:
            cursor, filters = None, self.first_filters(request)
        else:
            extra = sorted(request.arg_names() - WITH_PAGE_INFO)
            if extra:
                raise bad_request(
                    {
                        name: f"{name} cannot be passed when page_info is present. "
                        f"See {PAGINATION_DOCS} for more information."
                        for name in extra
                    }
                )
            cursor = Cursor.decode(token)
            filters = cursor.filters
        size, names = limit(request), fields(request)
        items, has_previous, has_next = self._select(rows_in, filters, cursor, size)
        links = []
        if items and has_previous:
            links.append(self._link(request, size, names, Cursor(filters, *self._edge(items[0]), "prev")))
        if items and has_next:
            links.append(self._link(request, size, names, Cursor(filters, *self._edge(items[-1]), "next")))
        return Page(items, names, ", ".join(links) or None)

    def _select(
        self,
        rows_in: Callable[[str], Sequence[T]],
        filters: Mapping[str, str],
        cursor: Cursor | None,
        size: int,
    ) -> tuple[list[T], bool, bool]:
        """The page's rows, and whether matching rows lie before and after them."""
        order = self.order(filters)
        rows, key, matches = rows_in(order), self.sort_key(order), self.predicate(filters)
        if cursor is not None and cursor.direction == "prev":
            end = bisect_left(rows, self.cursor_key(order, cursor), key=key)
            items = list(_take(_backward(rows, end), matches, size + 1))[::-1]
            return items[-size:], len(items) > size, _any(_forward(rows, end), matches)
        if cursor is not None:
            start = bisect_right(rows, self.cursor_key(order, cursor), key=key)
        elif "since_id" in filters:
            start = bisect_right(rows, (integer("since_id", filters["since_id"]),), key=key)
        else:
            start = 0
        items = list(_take(_forward(rows, start), matches, size + 1))
        # The first page has no previous link, even after since_id; later pages look back.
        has_previous = cursor is not None and _any(_backward(rows, start), matches)
        return items[:size], has_previous, len(items) > size

    def _edge(self, row: T) -> tuple[int, str | None]:
        return self.id_of(row), self.title_of(row) if self.title_of else None

    @staticmethod
    def _link(request: Request, size: int, names: list[str] | None, cursor: Cursor) -> str:
        query = {"limit": size, **({"fields": ",".join(names)} if names else {})}
        query["page_info"] = cursor.encode()
        rel = "next" if cursor.direction == "next" else "previous"
        return f'<{request.base_url}{request.path}?{urlencode(query)}>; rel="{rel}"'


def _forward(rows: Sequence[T], start: int) -> Iterator[T]:
    return (rows[index] for index in range(start, len(rows)))


def _backward(rows: Sequence[T], end: int) -> Iterator[T]:
    return (rows[index] for index in range(end - 1, -1, -1))


def _take(candidates: Iterator[T], matches: Predicate[T] | None, count: int) -> Iterator[T]:
    taken = 0
    for row in candidates:
        if taken == count:
            return
        if matches is None or matches(row):
            taken += 1
            yield row


def _any(candidates: Iterator[T], matches: Predicate[T] | None) -> bool:
    return any(True for _ in _take(candidates, matches, 1))
