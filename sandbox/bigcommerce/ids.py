"""BigCommerce ids for catalog keys: small positive integers, pure functions of the key.

BigCommerce numbers products, variants, images, options and option values with sequential
integers per store (the published examples show product 174, variant 382, option 220, value 174),
so a deleted product keeps its id and a restart gives the same ids.
"""

from __future__ import annotations

import uuid

from sandbox.catalog import VENDORS

# The one category tree of a single-storefront store, assigned to the default channel 1.
# https://developer.bigcommerce.com/docs/rest-catalog/category-trees
TREE_ID = 1
CHANNEL_ID = 1
_CATEGORY_UUIDS = uuid.UUID("6f1d3c5e-0b7a-4f59-9d8e-bc0000000000")


def store_id(store_hash: str) -> int:
    """The store's numeric id (v2 store `store_id`, webhook `store_id`); sandbox hashes are hex."""
    return int(store_hash, 16)


def product_id(key: int) -> int:
    return key + 1


def product_key(product_id: int) -> int | None:
    return product_id - 1 if product_id >= 1 else None


def variant_id(variant_key: int) -> int:
    return variant_key  # key * 1000 + position, position from 1: never 0


def image_id(image_key: int) -> int:
    return image_key + 1


def option_id(product_key: int, position: int) -> int:
    """`position` counts from 1; a product has at most three options."""
    return product_key * 10 + position


def option_value_id(product_key: int, position: int, index: int) -> int:
    return product_key * 1000 + position * 100 + index + 1


def custom_field_id(product_key: int, index: int) -> int:
    return product_key * 10 + index + 1


def brand_id(vendor: str) -> int:
    """The catalog's vendors are the store's brands, numbered in vocabulary order from 1."""
    return VENDORS.index(vendor) + 1


def category_uuid(category_id: int) -> str:
    return str(uuid.uuid5(_CATEGORY_UUIDS, str(category_id)))
