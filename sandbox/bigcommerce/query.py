"""The query string of BigCommerce's v3 collections: paging, include, fields, sort and filters,
and the `meta.pagination` block that answers them.

Parameters and their types come from the spec (components.parameters of
https://github.com/bigcommerce/docs/blob/main/reference/catalog/products_catalog.v3.yml) and the
operators from https://github.com/bigcommerce/docs/blob/main/docs/start/about/common-query-params.mdx
(`attr`, `:min`, `:max`, `:greater`, `:less`, `:like`, `:in`, `:not_in`). Query parameters the
endpoint does not know are ignored, as query strings usually are.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from sandbox.bigcommerce.errors import invalid, v3_error
from sandbox.http import HttpError, Request

DEFAULT_LIMIT = 50
MAX_LIMIT = 250
# "When you specify `options` or `modifiers`, results are limited to 10 per page." (spec,
# IncludeParamGetProducts)
LIMIT_WITH_OPTIONS = 10
SORTS = (
    "id",
    "name",
    "sku",
    "price",
    "date_modified",
    "date_last_imported",
    "inventory_level",
    "is_visible",
    "total_sold",
    "calculated_price",
)
DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


@dataclass(frozen=True, slots=True)
class Paging:
    page: int
    limit: int


# -- paging, include, fields, sort ----------------------------------------------------------------
def _whole_number(request: Request, name: str, default: int) -> int:
    raw = request.arg(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise invalid(name, f"{name} must be an integer") from None


def paging(request: Request, includes: Iterable[str] = ()) -> Paging:
    """`page` (from 1) and `limit` (default 50, maximum 250: spec LimitParam).

    A `limit` above the maximum is refused with 413, the status BigCommerce lists for it: "When the
    client requests too many objects. For example, the `limit` parameter exceeded the maximum."
    (docs/start/about/status-codes.mdx); the title is the v2 API's recorded answer, "The specified
    limit exceeds the maximum allowed." with max_limit 250 (bigcommerce/bigcommerce-api-python#59).
    The spec says nothing of zero, negative or non-numeric values; they get the 422 BigCommerce
    gives "Missing or Invalid Data".
    """
    page = _whole_number(request, "page", 1)
    limit = _whole_number(request, "limit", DEFAULT_LIMIT)
    if page < 1:
        raise invalid("page", "page must be greater than or equal to 1")
    if limit < 1:
        raise invalid("limit", "limit must be greater than or equal to 1")
    if limit > MAX_LIMIT:
        raise HttpError(
            v3_error(
                413,
                "The specified limit exceeds the maximum allowed.",
                {"limit": f"max_limit is {MAX_LIMIT}"},
            )
        )
    if {"options", "modifiers"} & set(includes):
        limit = min(limit, LIMIT_WITH_OPTIONS)
    return Paging(page, limit)


def csv(request: Request, name: str) -> list[str]:
    """A comma-separated list parameter (`style: form, explode: false`), blanks dropped."""
    raw = request.arg(name)
    return [] if raw is None else [part.strip() for part in raw.split(",") if part.strip()]


def includes(request: Request, known: Iterable[str]) -> list[str]:
    wanted = csv(request, "include")
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise invalid("include", f"include must be any of {', '.join(known)}; got {', '.join(unknown)}")
    return wanted


def select_fields(request: Request, payload: dict[str, Any], keep: Iterable[str] = ("id",)) -> dict[str, Any]:
    """Apply `include_fields` ("the ID and the specified fields") and `exclude_fields` ("the ID
    cannot be excluded"); the fields in `keep` (the id, the included sub-resources) always stay."""
    wanted = set(csv(request, "include_fields"))
    kept = set(keep)
    unwanted = set(csv(request, "exclude_fields")) - kept
    return {
        key: value
        for key, value in payload.items()
        if key in kept or ((not wanted or key in wanted) and key not in unwanted)
    }


def wants_fields(request: Request) -> bool:
    return request.arg("include_fields") is not None or request.arg("exclude_fields") is not None


def sort(request: Request) -> tuple[str, bool]:
    """(field, descending) from `sort` (default id) and `direction` (asc or desc)."""
    field = request.arg("sort", "id") or "id"
    if field not in SORTS:
        raise invalid("sort", f"sort must be one of {', '.join(SORTS)}")
    direction = (request.arg("direction", "asc") or "asc").lower()
    if direction not in {"asc", "desc"}:
        raise invalid("direction", "direction must be asc or desc")
    return field, direction == "desc"


# -- filters -------------------------------------------------------------------------------------
def moment(name: str, raw: str, now: datetime) -> datetime:
    """A date filter's instant: ISO 8601, a date, or unix seconds ("we support ISO-8601 format and
    unixtimestamp in v3 product date filter", BigCommerce staff in bigcommerce/api#94).

    The documented quirk: "If the `date modified:min` does not include hours, minutes and seconds,
    the API automatically adds the current time of the request to the date." (spec,
    DateModifiedMinParam and DateModifiedMaxParam), so `2025-01-15` means 2025-01-15 at the time of
    day the request arrives (UTC), not midnight.
    """
    text = raw.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), UTC)
    try:
        if DATE_ONLY.match(text):
            return datetime.combine(date.fromisoformat(text), now.astimezone(UTC).timetz())
        # An unencoded "+00:00" arrives as " 00:00": read it as the offset it was meant to be.
        parsed = datetime.fromisoformat(re.sub(r" (\d\d:?\d\d)\Z", r"+\1", text))
    except ValueError:
        raise invalid(name, f"{name} must be an ISO 8601 date-time, a date or a unix timestamp") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _day(name: str, raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError:
        raise invalid(name, f"{name} must be a date (YYYY-MM-DD)") from None


def _integer(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise invalid(name, f"{name} must be an integer") from None


def _number(name: str, raw: str) -> Decimal:
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise invalid(name, f"{name} must be a number") from None


def _boolean(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"true", "1"}:
        return True
    if lowered in {"false", "0"}:
        return False
    raise invalid(name, f"{name} must be true or false")


def _string(name: str, raw: str) -> str:
    return raw


Predicate = Callable[[Any], bool]
Reader = Callable[[str, str], Any]
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "": lambda have, want: have == want,
    "min": lambda have, want: have >= want,
    "max": lambda have, want: have <= want,
    "greater": lambda have, want: have > want,
    "less": lambda have, want: have < want,
}
RANGE = ("", "min", "max", "greater", "less", "in", "not_in")


@dataclass(frozen=True, slots=True)
class Field:
    """A filterable field: how to read its values and the operators the spec lists for it."""

    read: Reader
    operators: tuple[str, ...]


def _predicate(
    field: str, operator: str, name: str, raw: str, read: Reader, get: Callable[[Any, str], Any]
) -> Predicate:
    if operator in {"in", "not_in"}:
        # An empty list matches nothing: `?id:in=` answers total 0 (a captured response in
        # vuestorefront/bigcommerce, emptyProductsResponse: current "?id%3Ain=&...").
        values = {read(name, part.strip()) for part in raw.split(",") if part.strip()}
        inside = operator == "in"
        return lambda item: (get(item, field) in values) == inside
    if operator == "like":
        # SQL LIKE: `%` is the wildcard; a bare word matches anywhere in the value.
        pattern = re.compile(".*".join(map(re.escape, raw.strip("%").split("%"))), re.IGNORECASE)
        return lambda item: bool(pattern.search(get(item, field)))
    want, compare = read(name, raw), COMPARE[operator]
    return lambda item: compare(get(item, field), want)


def field_filters(
    request: Request, fields: dict[str, Field], get: Callable[[Any, str], Any]
) -> list[Predicate]:
    """Predicates for every `field[:operator]=value` of the query string that `fields` knows."""
    predicates = []
    for name, raw in request.query:
        field, _, operator = name.partition(":")
        if field in fields and operator in fields[field].operators:
            predicates.append(_predicate(field, operator, name, raw, fields[field].read, get))
    return predicates


PRODUCT_FIELDS = {
    "id": Field(_integer, RANGE),
    "name": Field(_string, ("", "like")),
    "sku": Field(_string, ("", "in")),
    "price": Field(_number, ("",)),
    "brand_id": Field(_integer, ("",)),
    "is_visible": Field(_boolean, ("",)),
    "inventory_level": Field(_integer, RANGE),
}

# The other collections filter on their objects' own keys (categories_catalog.v3.yml,
# category-trees_catalog.v3.yml, brands_catalog.v3.yml).
CATEGORY_FIELDS = {
    "id": Field(_integer, RANGE),
    "parent_id": Field(_integer, ("", "in")),
    "name": Field(_string, ("", "like")),
    "is_visible": Field(_boolean, ("",)),
}
TREE_CATEGORY_FIELDS = {
    "category_id": Field(_integer, ("in", "not_in")),
    "tree_id": Field(_integer, ("in", "not_in")),
    "parent_id": Field(_integer, ("in", "not_in")),
    "name": Field(_string, ("", "like")),
    "is_visible": Field(_boolean, ("",)),
}
TREE_FIELDS = {"id": Field(_integer, ("in",))}
BRAND_FIELDS = {"id": Field(_integer, RANGE), "name": Field(_string, ("", "like"))}
# GET /v3/hooks filters on is_active, scope and destination (webhooks.v3.yml, getWebhooks).
HOOK_FIELDS = {
    "is_active": Field(_boolean, ("",)),
    "scope": Field(_string, ("",)),
    "destination": Field(_string, ("",)),
}


def product_filters(request: Request, now: datetime) -> list[Predicate]:
    """Predicates for the filters of GET /v3/catalog/products found in the query string."""
    predicates = field_filters(request, PRODUCT_FIELDS, getattr)
    for name, raw in request.query:
        field, _, operator = name.partition(":")
        if name == "type":
            if raw not in {"physical", "digital"}:
                raise invalid(name, "type must be physical or digital")
            predicates.append(lambda row, kind=raw: kind == "physical")
        elif field == "date_modified" and operator in {"min", "max"}:
            bound, compare = int(moment(name, raw, now).timestamp()), COMPARE[operator]
            predicates.append(lambda row, bound=bound, compare=compare: compare(row.date_modified, bound))
        elif name == "date_modified":
            start = int(datetime.combine(_day(name, raw), time(tzinfo=UTC)).timestamp())
            predicates.append(lambda row, start=start: start <= row.date_modified < start + 86400)
        elif field == "categories" and operator in {"", "in"}:
            predicates.append(_categories(operator, name, raw))
        elif name == "keyword":
            predicates.append(_keyword(raw))
    return predicates


def _categories(operator: str, name: str, raw: str) -> Predicate:
    wanted = {_integer(name, part.strip()) for part in raw.split(",") if part.strip()}
    if operator == "in":
        # SQL IN, per common-query-params.mdx (the parameter's own description says "in all the
        # categories specified"; the filtering guide and its example say any).
        return lambda row: bool(wanted.intersection(row.product.category_keys))
    # "If a product is in more than one category, using this query will not return the product."
    return lambda row: len(wanted) == 1 and set(row.product.category_keys) == wanted


def _keyword(raw: str) -> Predicate:
    """Keywords "found in the `name`, `description`, or `sku` fields, or in the brand name" (spec)."""
    word = raw.strip().lower()
    return lambda row: any(
        word in text.lower() for text in (row.name, row.product.body_html, row.sku, row.brand)
    )


# -- meta.pagination -------------------------------------------------------------------------------
def link(request: Request, page: int, limit: int) -> str:
    """A relative link echoing the request's own parameters with `page` and `limit` set.

    Parameters keep their places, `page` and `limit` are set in place or appended in that order,
    and the query is form-encoded: `?limit=10&sort=name&page=2` for a request of
    `?limit=10&sort=name` (dev-docs sample), `?page=1&limit=50` for no parameters (spec examples),
    `?id%3Ain=&include=variants%2Cimages&is_visible=true&page=1&limit=50` (a captured response).
    """
    merged = dict(request.query)
    merged["page"] = str(page)
    merged["limit"] = str(limit)
    return "?" + urlencode(merged)


def pagination(request: Request, total: int, count: int, paging: Paging) -> dict[str, Any]:
    """`meta` of a collection (metaCollection_Full). `previous` and `next` are left out where there
    is no such page. A page past the end is empty and keeps its number (undocumented; the usual
    offset-paging answer)."""
    pages = math.ceil(total / paging.limit)
    links = {"current": link(request, paging.page, paging.limit)}
    if paging.page > 1:
        links = {"previous": link(request, paging.page - 1, paging.limit), **links}
    if paging.page < pages:
        links["next"] = link(request, paging.page + 1, paging.limit)
    return {
        "pagination": {
            "total": total,
            "count": count,
            "per_page": paging.limit,
            "current_page": paging.page,
            "total_pages": pages,
            "links": links,
        }
    }


def window(paging: Paging) -> slice:
    start = (paging.page - 1) * paging.limit
    return slice(start, start + paging.limit)
