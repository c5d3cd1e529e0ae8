"""Paginators: the base owns the loop and refuses a token that repeats; each subclass makes one
decision, the next token, from the page it was just given.

A token is JSON-able (str or int), because it is what a checkpoint stores to resume after a page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.errors import FatalError

Token = str | int | None


@dataclass(frozen=True)
class RawPage:
    """One answer of a listing endpoint: its records, plus what paginators read."""

    records: Sequence[Mapping[str, Any]]
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    links: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


class PaginationLoopError(FatalError):
    """The platform handed back a token it had already given: following it would never end."""


class Paginator:
    """Owns the loop: fetch, ask the subclass for the next token, stop on None, refuse repeats."""

    first: Token = None

    def next_token(self, token: Token, page: RawPage) -> Token:
        raise NotImplementedError

    def pages(
        self, fetch: Callable[[Token], RawPage], resume: Token = None
    ) -> Iterator[tuple[RawPage, Token]]:
        """Yield (page, token to resume after it); the last page's token is None."""
        token = resume if resume is not None else self.first
        seen = {token}
        while True:
            page = fetch(token)
            following = self.next_token(token, page) if page.records else None
            yield page, following
            if following is None:
                return
            if following in seen:
                raise PaginationLoopError(f"the store returned the page token {following!r} twice; stopping")
            seen.add(following)
            token = following


class LinkHeaderPaginator(Paginator):
    """Shopify REST: the next page's URL is in the `Link` header.

        Link: <https://shop/admin/api/2025-07/products.json?limit=250&page_info=abc>; rel="next"

    The token is that whole URL: `page_info` "must be used exactly as it appears in the link header"
    (https://shopify.dev/docs/api/admin-rest/usage/pagination).
    """

    def next_token(self, token: Token, page: RawPage) -> Token:
        return page.links.get("next", {}).get("url")


class SinceIdPaginator(Paginator):
    """Shopify REST with `since_id`: the next page starts after the last record's id.

    {"products": [{"id": 632910392, ...}, {"id": 921728736, ...}]}
    """

    def __init__(self, page_size: int) -> None:
        self.page_size = page_size

    def next_token(self, token: Token, page: RawPage) -> Token:
        return int(page.records[-1]["id"]) if len(page.records) >= self.page_size else None


class TotalCountPaginator(Paginator):
    """Magento: page numbers until `currentPage * pageSize >= total_count`.

        {"items": [...], "search_criteria": {...}, "total_count": 1234}

    Never stop on an empty page: Magento answers a page past the end with the last page again
    (https://github.com/magento/magento2/issues/3787).
    """

    first = 1

    def __init__(self, page_size: int) -> None:
        self.page_size = page_size

    def next_token(self, token: Token, page: RawPage) -> Token:
        number = int(token or 1)
        return number + 1 if number * self.page_size < int(page.body["total_count"]) else None


class MetaPaginationPaginator(Paginator):
    """BigCommerce v3: page numbers until `meta.pagination.current_page == total_pages`.

    {"data": [...], "meta": {"pagination": {"total": 39, "count": 10, "per_page": 10,
     "current_page": 1, "total_pages": 4, "links": {...}}}}
    """

    first = 1

    def next_token(self, token: Token, page: RawPage) -> Token:
        pagination = page.body["meta"]["pagination"]
        current = int(pagination["current_page"])
        return current + 1 if current < int(pagination["total_pages"]) else None


class CursorPaginator(Paginator):
    """GraphQL connections: `pageInfo.endCursor` while `pageInfo.hasNextPage`.

        {"data": {"products": {"nodes": [...], "pageInfo": {"hasNextPage": true, "endCursor": "eyJ..."}}}}

    `page.body` is the connection object itself.
    """

    def next_token(self, token: Token, page: RawPage) -> Token:
        info = page.body["pageInfo"]
        return info["endCursor"] if info.get("hasNextPage") else None
