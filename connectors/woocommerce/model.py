"""What the WooCommerce writer takes and gives back: mapped products in, one result per product out.

Plain frozen values, built by the import's mapping (jobs/mapping.py) and read by the writer. Money
is `Decimal`; weights are grams (the writer converts them to the store's unit); the source key
("shopify:mystore:8000000000042") is the identity the writer stamps on every product and
variation it writes, so it survives a lost link table.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

# The one meta key the writer adds (on products and variations): the source identity. A leading
# underscore keeps it out of the admin's custom-fields box; the REST API still returns it.
SOURCE_META = "_ferry_source"

STATUSES = ("publish", "draft", "pending", "private")

# Field groups an update may touch (WriteItem.update_groups). A create always writes every group.
# "seo" is a group the import definition knows; no Woo field is mapped to it yet.
GROUPS = frozenset({"content", "prices", "stock", "images", "categories", "attributes", "status", "seo"})


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    FAILED = "failed"


@dataclass(frozen=True)
class WooAttribute:
    """A product attribute: global (a `pa_` taxonomy, shared by products) when WooCommerce allows
    one under this name, else local to the product; `variation` makes it a variation axis."""

    name: str
    options: tuple[str, ...]
    variation: bool = False


@dataclass(frozen=True)
class WooVariation:
    source_key: str
    sku: str | None = None
    regular_price: Decimal | None = None
    sale_price: Decimal | None = None
    manage_stock: bool = False
    stock_quantity: int | None = None
    weight_grams: Decimal | None = None
    image_src: str | None = None
    # (attribute name, option) for each variation attribute of the product.
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class WooProduct:
    """A mapped product; with variations it is written as `type: variable`, else `simple`."""

    source_key: str
    name: str
    description: str = ""
    short_description: str = ""
    sku: str | None = None
    regular_price: Decimal | None = None
    sale_price: Decimal | None = None
    status: str = "publish"
    slug: str | None = None
    weight_grams: Decimal | None = None
    manage_stock: bool = False
    stock_quantity: int | None = None
    category_paths: tuple[tuple[str, ...], ...] = ()  # names, root first
    tags: tuple[str, ...] = ()
    images: tuple[tuple[str, str], ...] = ()  # (src, alt); the first is the featured image
    attributes: tuple[WooAttribute, ...] = ()
    variations: tuple[WooVariation, ...] = ()
    meta_data: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not self.source_key:
            raise ValueError("source_key is required")
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {self.status!r}")

    @property
    def is_variable(self) -> bool:
        return bool(self.variations)

    @property
    def skus(self) -> tuple[str, ...]:
        """Every SKU this product would hold in WooCommerce (its own and its variations')."""
        return tuple(sku for sku in (self.sku, *(v.sku for v in self.variations)) if sku)


@dataclass(frozen=True)
class WriteItem:
    """One product to write: create it (`woo_id` None) or update the groups allowed."""

    product: WooProduct
    woo_id: int | None = None
    variation_ids: Mapping[str, int] = field(default_factory=dict)  # variation source key -> Woo id
    update_groups: frozenset[str] = GROUPS

    def __post_init__(self) -> None:
        unknown = set(self.update_groups) - GROUPS
        if unknown:
            raise ValueError(
                f"update_groups: unknown group {sorted(unknown)[0]!r}; use {', '.join(sorted(GROUPS))}"
            )


@dataclass(frozen=True)
class WriteResult:
    source_key: str
    outcome: Outcome
    woo_id: int | None = None  # also for a failed item whose product exists, so the next run updates it
    variation_ids: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    request: str | None = None  # the request that failed, e.g. "POST products/batch (create #3)"
