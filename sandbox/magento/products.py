"""The product entities as a table searchCriteria can run over, one column per field it filters on.

Columns are built once per catalog version and store view, on first use: product-level fields
(dates, status) are read once per catalog product and repeated for its children, so the common
incremental query (`updated_at gt ...`) does not touch every child.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.catalog import Catalog, Product
from sandbox.magento import ids, render
from sandbox.magento.entities import Row, own_row, product_rows
from sandbox.magento.query import Column, normalise
from sandbox.magento.render import Context

Cache = Callable[[Any, Callable[[], Any]], Any]


@dataclass(frozen=True)
class Field:
    kind: str
    read: Callable[[Context, Row], Any]
    product_level: bool = False  # the same for a product and all its children


FIELDS: dict[str, Field] = {
    "entity_id": Field("int", lambda context, row: row.id),
    "sku": Field("text", lambda context, row: context.skus.sku(row)),
    "name": Field("text", render.name),
    "type_id": Field("text", lambda context, row: render.type_id(row)),
    "attribute_set_id": Field("int", lambda context, row: ids.DEFAULT_ATTRIBUTE_SET, product_level=True),
    "status": Field("int", lambda context, row: render.status(row), product_level=True),
    "visibility": Field("int", lambda context, row: render.visibility(row)),
    "price": Field("decimal", lambda context, row: render.price(row)),
    "weight": Field("decimal", lambda context, row: render.weight(row)),
    "created_at": Field(
        "datetime", lambda context, row: render.date_text(row, "created_at"), product_level=True
    ),
    "updated_at": Field(
        "datetime", lambda context, row: render.date_text(row, "updated_at"), product_level=True
    ),
    # Custom filters of the product repository (ProductCategoryFilter, ProductWebsiteFilter).
    "category_id": Field(
        "category", lambda context, row: tuple(map(ids.category_id, render.category_keys(row)))
    ),
    "website_id": Field("int", lambda context, row: ids.WEBSITE_ID, product_level=True),
}
# Not in the vendor's mapping, but clients send it: the entity id under its short name.
FIELDS["id"] = FIELDS["entity_id"]


def sorted_products(catalog: Catalog) -> list[Product]:
    return sorted(catalog.products(), key=lambda product: product.key)


def entity_count(product: Product) -> int:
    return 1 if product.is_simple else 1 + len(product.variants)


class ProductTable:
    """Every product entity of one catalog version, seen from one store view."""

    def __init__(
        self, context: Context, products: list[Product], entity_ids: list[int], cache: Cache
    ) -> None:
        self.context = context
        self.products = products
        self.ids = entity_ids
        self._cache = cache

    def field(self, name: str) -> Field | None:
        if name in FIELDS:
            return FIELDS[name]
        attribute = self.context.registry.get(name)
        if attribute is None:
            return None
        return Field(attribute.kind, lambda context, row: render.custom_value(context, row, name))

    def column(self, name: str) -> Column | None:
        field = self.field(name)
        if field is None:
            return None
        key = ("column", self.context.store.localized, name)
        return self._cache(key, lambda: Column(field.kind, self._values(field)))

    def _values(self, field: Field) -> list[Any]:
        values: list[Any] = []
        for product in self.products:
            if field.product_level:
                value = normalise(field.kind, field.read(self.context, own_row(product)))
                values.extend([value] * entity_count(product))
            else:
                values.extend(
                    normalise(field.kind, field.read(self.context, row)) for row in product_rows(product)
                )
        return values
