"""Shopify identities: ids for catalog keys (64-bit, in the ranges real shops use), GIDs, scopes.

Pure functions of the catalog key, so REST and GraphQL agree and a deleted product keeps its id.
"""

from __future__ import annotations

PRODUCT_BASE = 8_000_000_000_000
VARIANT_BASE = 45_000_000_000_000
IMAGE_BASE = 36_000_000_000_000
INVENTORY_ITEM_BASE = 47_000_000_000_000
OPTION_BASE = 10_000_000_000_000
COLLECTION_BASE = 400_000_000_000
METAFIELD_BASE = 26_000_000_000_000
SHOP_ID = 548380009
# The access scopes the sandbox app was granted (REST access_scopes.json and GraphQL accessScopes).
SCOPES = ("read_products", "read_inventory", "read_locations")


def product_id(key: int) -> int:
    return PRODUCT_BASE + key


def product_key(product_id: int) -> int | None:
    key = product_id - PRODUCT_BASE
    return key if key >= 0 else None


def variant_id(variant_key: int) -> int:
    return VARIANT_BASE + variant_key


def image_id(image_key: int) -> int:
    return IMAGE_BASE + image_key


def inventory_item_id(variant_key: int) -> int:
    return INVENTORY_ITEM_BASE + variant_key


def option_id(product_key: int, position: int) -> int:
    return OPTION_BASE + product_key * 10 + position


def metafield_id(product_key: int, index: int) -> int:
    return METAFIELD_BASE + product_key * 10 + index


def collection_id(category_key: int) -> int:
    return COLLECTION_BASE + category_key


def gid(kind: str, number: int) -> str:
    """`gid://shopify/Product/8000000000042`: the id GraphQL uses and REST shows as admin_graphql_api_id."""
    return f"gid://shopify/{kind}/{number}"
