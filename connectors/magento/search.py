"""searchCriteria query parameters, and the paginator that walks product listings by entity id.

Syntax (https://developer.adobe.com/commerce/webapi/rest/use-rest/performing-searches/):
`searchCriteria[filter_groups][g][filters][f][field|value|condition_type]`; filters in one group are
ORed, groups are ANDed; `in` takes a comma-separated list; dates compare as "YYYY-MM-DD HH:MM:SS".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from connectors.pagination import Paginator, RawPage, Token

Filter = tuple[str, str, str]  # (field, value, condition_type)
Groups = Sequence[Sequence[Filter]]
T = TypeVar("T")

# Children of configurables are simple products "Not Visible Individually" (visibility 1); they
# are read as variants of their parent, never as products of their own (api-notes §3.7).
VISIBLE: Sequence[Filter] = (("visibility", "1", "neq"),)
NOT_VISIBLE: Sequence[Filter] = (("visibility", "1", "eq"),)
CONFIGURABLE: Sequence[Filter] = (("type_id", "configurable", "eq"),)


def search_criteria(groups: Groups, *, page_size: int, fields: str | None = None) -> dict[str, str]:
    """The query of one page: these filter groups, sorted by entity id, the first `page_size`."""
    params: dict[str, str] = {}
    for g, group in enumerate(groups):
        for f, (field, value, condition) in enumerate(group):
            prefix = f"searchCriteria[filter_groups][{g}][filters][{f}]"
            params[f"{prefix}[field]"] = field
            params[f"{prefix}[value]"] = value
            params[f"{prefix}[condition_type]"] = condition
    params["searchCriteria[sortOrders][0][field]"] = "entity_id"
    params["searchCriteria[sortOrders][0][direction]"] = "ASC"
    params["searchCriteria[pageSize]"] = str(page_size)
    params["searchCriteria[currentPage]"] = "1"
    if fields:
        # Partial responses: https://developer.adobe.com/commerce/webapi/rest/use-rest/retrieve-filtered-responses/
        params["fields"] = fields
    return params


def after_id(groups: Groups, token: Token) -> list[Sequence[Filter]]:
    """The groups plus `entity_id > token` (the keyset), when there is a token."""
    return [*groups, (("entity_id", str(int(token)), "gt"),)] if token is not None else list(groups)


def stamp(moment: datetime) -> str:
    """Magento's "YYYY-MM-DD HH:MM:SS" in UTC, truncated to whole seconds (what it stores)."""
    if moment.tzinfo is None:
        raise ValueError("since must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def batched(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class EntityIdPaginator(Paginator):
    """Keyset paging on entity id: every request asks page 1 of `entity_id > last id seen`, sorted
    by entity id, and `total_count` counts what is left, so the page that holds all of it is the
    last one.

        {"items": [{"id": 2078, ...}, {"id": 2079, ...}], "search_criteria": {...}, "total_count": 2}

    Never a page number past the end, so Magento's answer to one (the last page again on most
    versions, an empty page on some: https://github.com/magento/magento2/issues/3787, #26986) never
    arises; a resumed run continues after the exact id whatever was added or deleted meanwhile; and
    MySQL reads each page from the primary key instead of skipping an ever larger OFFSET.
    """

    def next_token(self, token: Token, page: RawPage) -> Token:
        if int(page.body["total_count"]) <= len(page.records):
            return None
        # The largest id rather than the last: progress even if a store ignored the sort order.
        return max(int(record["id"]) for record in page.records)
