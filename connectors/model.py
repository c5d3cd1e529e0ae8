"""The canonical product: the one shape every source produces and the WooCommerce writer consumes.

Frozen dataclasses; money is `Decimal` (JSON numbers are parsed as Decimal, never float);
timestamps are timezone-aware; each object keeps the source's own id, and a product keeps the raw
payload aside (out of equality and repr) so user mapping rules can read any source field.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


class ProductStatus(enum.StrEnum):
    ACTIVE = "active"
    DRAFT = "draft"
    ARCHIVED = "archived"


@dataclass(frozen=True, slots=True)
class Image:
    src: str
    alt: str = ""
    source_id: str | None = None


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Category:
    """A category or collection, with the names of its ancestors (root first) for the hierarchy."""

    source_id: str
    name: str
    parents: tuple[str, ...] = ()

    @property
    def path(self) -> tuple[str, ...]:
        return (*self.parents, self.name)


@dataclass(frozen=True, slots=True)
class CustomField:
    """A metafield (Shopify), custom field (BigCommerce) or custom attribute (Magento)."""

    key: str
    value: str
    namespace: str = ""


@dataclass(frozen=True, slots=True)
class Variant:
    source_id: str
    sku: str | None
    price: Decimal | None
    compare_at_price: Decimal | None = None
    # (option name, value) in the product's option order; empty for a simple product's one variant.
    option_values: tuple[tuple[str, str], ...] = ()
    barcode: str | None = None
    weight_grams: Decimal | None = None
    manage_stock: bool = False
    stock_quantity: int | None = None
    image: Image | None = None
    cost: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Product:
    source_id: str
    title: str
    updated_at: datetime
    description_html: str = ""
    handle: str | None = None
    vendor: str | None = None
    product_type: str | None = None
    status: ProductStatus = ProductStatus.ACTIVE
    tags: tuple[str, ...] = ()
    categories: tuple[Category, ...] = ()
    options: tuple[Option, ...] = ()
    variants: tuple[Variant, ...] = ()
    images: tuple[Image, ...] = ()
    custom_fields: tuple[CustomField, ...] = ()
    created_at: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.updated_at.tzinfo is None:
            raise ValueError(f"product {self.source_id}: updated_at must be timezone-aware")
        if self.created_at is not None and self.created_at.tzinfo is None:
            raise ValueError(f"product {self.source_id}: created_at must be timezone-aware")

    @property
    def is_variable(self) -> bool:
        """True when the product has real options (WooCommerce's variable product)."""
        return bool(self.options)
