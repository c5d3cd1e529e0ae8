"""How catalog products become Magento product entities, and the store views they are seen through.

A catalog product without options is one `simple` product. One with options is a `configurable`
parent plus a `simple` child per variant (visibility 1, "Not Visible Individually"); children are
products in their own right and appear in `GET /V1/products` too (api-notes §3.7).

SKUs: Magento keys products by a unique SKU (`catalog_product_entity.sku`, compared without regard
to case), so the catalog's ugly cases are rendered the way a migrated store would hold them:
- no SKU: the url key (plus the option values for a child), the same rule that makes url keys
  unique, so the product stays addressable by `GET /V1/products/{sku}`;
- a SKU another product already holds: the later product (in entity id order, i.e. the order
  Magento saved them) gets "-1", "-2"... as Magento's SKU backend does for a duplicate
  (Catalog\\Model\\Product\\Attribute\\Backend\\Sku::_generateUniqueSku). The index is rebuilt per
  catalog version, so deleting the first holder gives the later product its plain SKU back (a real
  store would keep the suffix); ids never change;
- a configurable parent: the part its children's SKUs share ("LINEN-SHIRT-4" for
  "LINEN-SHIRT-4-S-BLAC", ...), as the admin's variation matrix builds child SKUs from the parent's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from sandbox.catalog import Catalog, Product, Variant
from sandbox.magento import ids
from sandbox.magento.attributes import format_url_key


@dataclass(frozen=True)
class StoreView:
    id: int
    code: str
    name: str
    locale: str
    website_id: int
    group_id: int
    localized: bool = False  # holds its own (French) name and description values


ADMIN = StoreView(0, "admin", "Admin", "en_US", 0, 0)
DEFAULT = StoreView(1, "default", "Default Store View", "en_US", ids.WEBSITE_ID, 1)
FRENCH = StoreView(2, "fr", "French Store View", "fr_FR", ids.WEBSITE_ID, 1, localized=True)
STORE_VIEWS = (ADMIN, DEFAULT, FRENCH)
# `/rest/V1/...` is the default store view, `/rest/all/V1/...` the admin store (values at default
# scope); an unknown code is not stripped from the path, so no route matches
# (Webapi\Controller\PathProcessor::process).
STORE_CODES = {None: DEFAULT, "default": DEFAULT, "all": ADMIN, "fr": FRENCH}


class Row(NamedTuple):
    """One product entity: `variant` is None for a configurable parent."""

    id: int
    product: Product
    variant: Variant | None
    role: str  # simple | configurable | child


def own_row(product: Product) -> Row:
    """The product's own entity: the simple product, or the configurable parent."""
    if product.is_simple:
        return Row(ids.entity_id(product.key), product, product.variants[0], "simple")
    return Row(ids.entity_id(product.key), product, None, "configurable")


def product_rows(product: Product) -> Iterator[Row]:
    yield own_row(product)
    if product.is_simple:
        return
    for variant in product.variants:
        yield Row(ids.entity_id(product.key, variant.position), product, variant, "child")


def row_for_id(catalog: Catalog, entity: int) -> Row | None:
    found = ids.split(entity)
    product = catalog.get(found[0]) if found else None
    if product is None or found is None:
        return None
    position = found[1]
    if position == 0:
        return own_row(product)
    if product.is_simple or position > len(product.variants):
        return None
    return Row(entity, product, product.variants[position - 1], "child")


def child_url_key(product: Product, variant: Variant) -> str:
    """Products are unique by handle; a child adds its option values, as the variation matrix does."""
    return "-".join((product.handle, *(format_url_key(value) for value in variant.option_values)))


def url_key(row: Row) -> str:
    if row.role != "child" or row.variant is None:
        return row.product.handle
    return child_url_key(row.product, row.variant)


def shared_prefix(texts: list[str]) -> str:
    """The characters every text starts with (the first and last in sort order decide)."""
    first, last = min(texts), max(texts)
    size = next(
        (index for index, (a, b) in enumerate(zip(first, last, strict=False)) if a != b),
        min(len(first), len(last)),
    )
    return first[:size]


def parent_sku(product: Product) -> str:
    skus = [variant.sku for variant in product.variants if variant.sku]
    shared = shared_prefix(skus) if len(skus) > 1 else ""
    root = shared[: shared.rfind("-")] if "-" in shared else ""
    return root or product.handle


def product_skus(product: Product) -> list[tuple[int, str]]:
    """(entity id, SKU before duplicates are made unique) for a product's entities."""
    first = ids.entity_id(product.key)
    if product.is_simple:
        return [(first, product.variants[0].sku or product.handle)]
    children = [
        (first + variant.position, variant.sku or child_url_key(product, variant))
        for variant in product.variants
    ]
    return [(first, parent_sku(product)), *children]


def base_sku(row: Row) -> str:
    if row.variant is None:
        return parent_sku(row.product)
    return row.variant.sku or url_key(row)


class SkuIndex:
    """Unique SKUs for every entity and the lookup by SKU, without regard to case."""

    def __init__(self, products: Iterable[Product]) -> None:
        pairs = [pair for product in products for pair in product_skus(product)]
        keys = [sku.casefold() for _, sku in pairs]
        # Built back to front so the first entity to claim a SKU keeps it.
        self._claims: dict[str, int] = dict(
            zip(reversed(keys), (entity for entity, _ in reversed(pairs)), strict=True)
        )
        self._renamed: dict[int, str] = {}
        if len(self._claims) < len(keys):
            for key, (entity, sku) in zip(keys, pairs, strict=True):
                if self._claims[key] != entity:
                    unique = self._free(sku)
                    self._renamed[entity] = unique
                    self._claims[unique.casefold()] = entity

    def _free(self, sku: str) -> str:
        increment = 1
        while f"{sku}-{increment}".casefold() in self._claims:
            increment += 1
        return f"{sku}-{increment}"

    def sku(self, row: Row) -> str:
        return self._renamed.get(row.id) or base_sku(row)

    def find(self, sku: str) -> int | None:
        return self._claims.get(sku.casefold())
