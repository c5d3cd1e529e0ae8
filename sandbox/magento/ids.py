"""Magento ids for catalog keys: pure functions, so a deleted product keeps its id and a restarted
sandbox gives the same ones.

Every catalog product is one entity (a simple product, or a configurable parent) and each variant
of a product with options one more (a simple child). Entity ids leave room for 999 children after
their parent, so a parent and its children sit next to each other in entity_id order, as they do
when Magento's admin creates a configurable with its variation matrix.
"""

from __future__ import annotations

STRIDE = 1000
MEDIA_STRIDE = 100  # gallery value ids: up to 100 images per entity
OPTION_STRIDE = 10  # configurable attribute rows: up to 10 per parent
ROOT_CATALOG = 1  # "Root Catalog", level 0, invisible
DEFAULT_CATEGORY = 2  # "Default Category", the store's root (level 1)
CATEGORY_OFFSET = DEFAULT_CATEGORY  # catalog category keys start at 1
WEBSITE_ID = 1
STOCK_ID = 1
DEFAULT_ATTRIBUTE_SET = 4  # "Default" in every install
ENTITY_TYPE_PRODUCT = "4"  # catalog_product in eav_entity_type, sent as a string


def entity_id(key: int, position: int = 0) -> int:
    """The product's own entity (position 0) or the child for the variant at `position` (1..);
    children follow their parent: entity_id(key, n) == entity_id(key) + n."""
    return key * STRIDE + 1 + position


def split(entity: int) -> tuple[int, int] | None:
    """(catalog key, variant position or 0), or None for an id that cannot be ours."""
    if entity < 1:
        return None
    return divmod(entity - 1, STRIDE)


def media_id(entity: int, index: int) -> int:
    return entity * MEDIA_STRIDE + index


def configurable_option_id(parent: int, index: int) -> int:
    return parent * OPTION_STRIDE + index


def category_id(category_key: int) -> int:
    return category_key + CATEGORY_OFFSET


def category_key(category: int) -> int:
    return category - CATEGORY_OFFSET
