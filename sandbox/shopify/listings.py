"""What each REST list endpoint lists and filters on: products, custom collections, collects and
the per-product variants and images.

Filter names and meanings follow the REST reference's parameter tables (products.json: `ids`,
`since_id`, `title`, `vendor`, `handle`, `product_type`, `status`, `collection_id`,
`created_at_min/max`, `updated_at_min/max`, `published_at_min/max`, `published_status`,
`presentment_currencies`; https://shopify.dev/docs/api/admin-rest/2025-07/resources/product).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from sandbox.catalog import Catalog, Category, Product
from sandbox.shopify import ids
from sandbox.shopify.paging import Listing, Predicate, integer, integers, invalid, words
from sandbox.shopify.rest import SHOP_TIMEZONE, collect_id

PUBLISHED_STATUSES = frozenset({"published", "unpublished", "any"})


class ProductRow(NamedTuple):
    """The fields products are ordered and filtered by, cheap to build and scan 100,000 times.

    Times are whole epoch seconds: REST shows whole seconds, so filters compare whole seconds.
    """

    key: int
    id: int
    title: str
    vendor: str
    product_type: str
    handle: str
    status: str
    created: int
    updated: int
    published: int | None
    category_keys: tuple[int, ...]


class CollectRow(NamedTuple):
    id: int
    product_key: int
    category_key: int
    position: int


def product_row(product: Product) -> ProductRow:
    published = product.published_at
    return ProductRow(
        product.key,
        ids.product_id(product.key),
        product.title,
        product.vendor,
        product.product_type,
        product.handle,
        product.status,
        int(product.created_at.timestamp()),
        int(product.updated_at.timestamp()),
        None if published is None else int(published.timestamp()),
        product.category_keys,
    )


def collect_rows(products: list[Product]) -> list[CollectRow]:
    """Every (product, category) membership, positioned within its collection by product key."""
    positions: dict[int, int] = {}
    rows = []
    for product in sorted(products, key=lambda item: item.key):
        for category_key in product.category_keys:
            positions[category_key] = positions.get(category_key, 0) + 1
            rows.append(
                CollectRow(
                    collect_id(product.key, category_key), product.key, category_key, positions[category_key]
                )
            )
    return sorted(rows)


def moment(name: str, raw: str) -> int:
    """`2014-04-25T16:15:47-04:00` (or with Z, or a bare date); no offset means the shop's zone."""
    try:
        parsed = datetime.fromisoformat(raw.strip())
    except ValueError as error:
        raise invalid(name) from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SHOP_TIMEZONE)
    return int(parsed.timestamp())


def _bound(name: str, field: Callable[[ProductRow], int | None]) -> Callable[[str], Predicate]:
    """`<field>_min` / `<field>_max`: inclusive bounds; a product without the date never matches."""

    def parse(raw: str) -> Predicate:
        limit = moment(name, raw)
        if name.endswith("_min"):
            return lambda row: (value := field(row)) is not None and value >= limit
        return lambda row: (value := field(row)) is not None and value <= limit

    return parse


def _equals(field: Callable[[Any], str]) -> Callable[[str], Predicate]:
    return lambda raw: lambda row: field(row) == raw


def _one_of(field: Callable[[Any], str]) -> Callable[[str], Predicate]:
    def parse(raw: str) -> Predicate:
        wanted = words(raw)
        return lambda row: field(row) in wanted

    return parse


def _id_in(id_of: Callable[[Any], int]) -> Callable[[str], Predicate]:
    def parse(raw: str) -> Predicate:
        wanted = integers("ids", raw)
        return lambda row: id_of(row) in wanted

    return parse


def _published_status(raw: str) -> Predicate:
    if raw not in PUBLISHED_STATUSES:
        raise invalid("published_status")
    if raw == "published":
        return lambda row: row.published is not None
    if raw == "unpublished":
        return lambda row: row.published is None
    return lambda row: True


def _in_collection(raw: str) -> Predicate:
    wanted = integer("collection_id", raw) - ids.COLLECTION_BASE
    return lambda row: wanted in row.category_keys


PRODUCTS: Listing[ProductRow] = Listing(
    id_of=lambda row: row.id,
    # The default order is by title: the page_info developers decode reads
    # {"last_id":..., "last_value":"<title>"}, and the vendor's generated examples list by title
    # (custom_collection_test.rb test_2 lists 841564295 "IPods" before 395646240 "IPods Two").
    title_of=lambda row: row.title,
    filters={
        "ids": _id_in(lambda row: row.id),
        "title": _equals(lambda row: row.title),
        "vendor": _equals(lambda row: row.vendor),
        "product_type": _equals(lambda row: row.product_type),
        "handle": _one_of(lambda row: row.handle),
        # No status filter means every status: the reference names no default, and integrators who
        # want only live products add status=active themselves.
        "status": _one_of(lambda row: row.status),
        "collection_id": _in_collection,
        "published_status": _published_status,
        # Prices are always in the shop currency here, so this changes nothing, but it is a filter.
        "presentment_currencies": lambda raw: lambda row: True,
        **{
            f"{field}_at_{end}": _bound(f"{field}_at_{end}", getter)
            for field, getter in (
                ("created", lambda row: row.created),
                ("updated", lambda row: row.updated),
                ("published", lambda row: row.published),
            )
            for end in ("min", "max")
        },
    },
)


def collections(catalog: Catalog) -> Listing[Category]:
    """Custom collections: the catalog's categories, `product_id` naming the ones a product is in."""

    def holding(raw: str) -> Predicate:
        key = ids.product_key(integer("product_id", raw))
        product = catalog.get(key) if key is not None else None
        wanted = product.category_keys if product else ()
        return lambda category: category.key in wanted

    return Listing(
        id_of=lambda category: ids.collection_id(category.key),
        title_of=lambda category: category.name,
        filters={
            "ids": _id_in(lambda category: ids.collection_id(category.key)),
            "title": _equals(lambda category: category.name),
            "handle": _one_of(lambda category: category.slug),
            "product_id": holding,
        },
    )


def _collects_of(
    name: str, id_of: Callable[[int], int], key_of: Callable[[CollectRow], int]
) -> Callable[[str], Predicate]:
    def parse(raw: str) -> Predicate:
        wanted = integer(name, raw)
        return lambda row: id_of(key_of(row)) == wanted

    return parse


COLLECTS: Listing[CollectRow] = Listing(
    id_of=lambda row: row.id,
    filters={
        "product_id": _collects_of("product_id", ids.product_id, lambda row: row.product_key),
        "collection_id": _collects_of("collection_id", ids.collection_id, lambda row: row.category_key),
    },
)

# products/{id}/variants.json and images.json list rendered payloads by id, with since_id only.
NESTED: Listing[dict[str, Any]] = Listing(id_of=lambda payload: payload["id"])
