"""The arguments each route accepts, declared as WooCommerce registers them.

Bodies come from the item schemas (get_endpoint_args_for_item_schema: writable properties, with
defaults on create only); query parameters from get_collection_params(). Read-only properties
(`id`, `price`, `permalink`...) are not arguments: WordPress ignores them when sent.
Sources, plugins/woocommerce/includes/rest-api/Controllers/Version3/ in woocommerce/woocommerce:
class-wc-rest-products-controller.php, class-wc-rest-crud-controller.php,
class-wc-rest-product-variations-controller.php, class-wc-rest-terms-controller.php,
class-wc-rest-product-categories-controller.php, Version1/class-wc-rest-product-attributes-v1-controller.php
"""

from __future__ import annotations

from typing import Any

from sandbox.woocommerce.schema import Spec

PRODUCT_TYPES = ("simple", "grouped", "external", "variable")
# get_post_statuses() plus what the v3 schema adds.
PRODUCT_STATUSES = ("draft", "pending", "private", "publish", "future", "auto-draft", "trash")
VARIATION_STATUSES = ("draft", "pending", "private", "publish")
STOCK_STATUSES = ("instock", "outofstock", "onbackorder")
# WooCommerce's adjust_wp_5_5_datatype_compatibility(): `date-time` and `mixed` become these.
DATE = {"type": ["null", "string"]}
MIXED = {"type": ["null", "object", "string", "number", "boolean", "integer", "array"]}
STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
IMAGE = {"type": "object", "properties": {"id": INTEGER, "src": STRING, "name": STRING, "alt": STRING}}
META = {"type": "array", "items": {"type": "object", "properties": {"key": STRING, "value": MIXED}}}
DIMENSIONS = {"type": "object", "properties": {"length": STRING, "width": STRING, "height": STRING}}
DOWNLOADS = {
    "type": "array",
    "items": {"type": "object", "properties": {"id": STRING, "name": STRING, "file": STRING}},
}
TERM_REFS = {
    "type": "array",
    "items": {"type": "object", "properties": {"id": INTEGER, "name": STRING, "slug": STRING}},
}
IDS = {"type": "array", "items": INTEGER}
# Sandbox strictness: WooCommerce keeps whatever digits wc_format_decimal() finds in a price
# ("1,299.00" becomes "1299.00", "abc" becomes ""); the sandbox refuses anything but a plain
# decimal so an importer that sends such prices learns it here, the way WordPress refuses a
# value that misses an argument's `pattern`.
PRICE = {"type": "string", "pattern": r"^(-?[0-9]+(\.[0-9]+)?)?$"}


def _enum(values: tuple[str, ...], default: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": "string", "enum": list(values)}
    if default is not None:
        spec["default"] = default
    return spec


def _flag(default: bool) -> dict[str, Any]:
    return {"type": "boolean", "default": default}


def _stock_and_shipping() -> dict[str, Spec]:
    """What products and variations share: prices, sale dates, stock, shipping, downloads, meta."""
    return {
        "sku": STRING,
        "regular_price": PRICE,
        "sale_price": PRICE,
        **{
            name: DATE
            for name in (
                "date_on_sale_from",
                "date_on_sale_from_gmt",
                "date_on_sale_to",
                "date_on_sale_to_gmt",
            )
        },
        "virtual": _flag(False),
        "downloadable": _flag(False),
        "downloads": DOWNLOADS,
        "download_limit": {"type": "integer", "default": -1},
        "download_expiry": {"type": "integer", "default": -1},
        "tax_status": _enum(("taxable", "shipping", "none"), "taxable"),
        "tax_class": STRING,
        "manage_stock": _flag(False),
        "stock_quantity": INTEGER,
        "stock_status": _enum(STOCK_STATUSES, "instock"),
        "backorders": _enum(("no", "notify", "yes"), "no"),
        "weight": STRING,
        "dimensions": DIMENSIONS,
        "shipping_class": STRING,
        "menu_order": INTEGER,
        "meta_data": META,
    }


PRODUCT: dict[str, Spec] = {
    "name": STRING,
    "slug": STRING,
    "date_created": DATE,
    "date_created_gmt": DATE,
    "type": _enum(PRODUCT_TYPES, "simple"),
    "status": _enum(PRODUCT_STATUSES, "publish"),
    "featured": _flag(False),
    "catalog_visibility": _enum(("visible", "catalog", "search", "hidden"), "visible"),
    "description": STRING,
    "short_description": STRING,
    **_stock_and_shipping(),
    "external_url": STRING,
    "button_text": STRING,
    "sold_individually": _flag(False),
    "reviews_allowed": _flag(True),
    "upsell_ids": IDS,
    "cross_sell_ids": IDS,
    "parent_id": INTEGER,
    "purchase_note": STRING,
    "categories": TERM_REFS,
    "tags": TERM_REFS,
    "images": {"type": "array", "items": IMAGE},
    "attributes": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "id": INTEGER,
                "name": STRING,
                "position": INTEGER,
                "visible": BOOLEAN,
                "variation": BOOLEAN,
                "options": {"type": "array", "items": STRING},
            },
        },
    },
    "default_attributes": {
        "type": "array",
        "items": {"type": "object", "properties": {"id": INTEGER, "name": STRING, "option": STRING}},
    },
    "grouped_products": IDS,
}

VARIATION: dict[str, Spec] = {
    "description": STRING,
    "status": _enum(VARIATION_STATUSES, "publish"),
    **_stock_and_shipping(),
    "image": IMAGE,
    "attributes": {
        "type": "array",
        "items": {"type": "object", "properties": {"id": INTEGER, "name": STRING, "option": STRING}},
    },
}

_TERM_COMMON: dict[str, Spec] = {
    "name": {"type": "string", "sanitize": "text"},
    "slug": STRING,
    "description": STRING,
}
TAG: dict[str, Spec] = dict(_TERM_COMMON)
ATTRIBUTE_TERM: dict[str, Spec] = {**_TERM_COMMON, "menu_order": INTEGER}
CATEGORY: dict[str, Spec] = {
    **_TERM_COMMON,
    "parent": INTEGER,
    "display": _enum(("default", "products", "subcategories", "both"), "default"),
    "image": IMAGE,
    "menu_order": INTEGER,
}
ATTRIBUTE: dict[str, Spec] = {
    "name": {"type": "string", "sanitize": "text"},
    "slug": STRING,
    # wc_get_attribute_types() has only "select" unless a plugin adds more.
    "type": _enum(("select",), "select"),
    "order_by": _enum(("menu_order", "name", "name_num", "id"), "menu_order"),
    "has_archives": _flag(False),
}


def creating(body: dict[str, Spec], *required: str) -> dict[str, Spec]:
    """The arguments of a create route: the body with its defaults, `required` names required."""
    return {**body, **{name: {**body[name], "required": True} for name in required}}


def editing(body: dict[str, Spec]) -> dict[str, Spec]:
    """The arguments of an update route: the body without defaults (WP_REST_Server::EDITABLE)."""
    return {
        name: {key: value for key, value in spec.items() if key != "default"} for name, spec in body.items()
    }


CONTEXT = {"type": "string", "enum": ["view", "edit"], "default": "view"}
FORCE = {"force": {"type": "boolean", "default": False}}
_PAGING: dict[str, Spec] = {
    "context": CONTEXT,
    "page": {"type": "integer", "default": 1, "minimum": 1, "sanitize": "absint"},
    "per_page": {"type": "integer", "default": 10, "minimum": 1, "maximum": 100, "sanitize": "absint"},
    "search": {"type": "string", "sanitize": "text"},
    "exclude": {"type": "array", "items": INTEGER, "default": [], "sanitize": "id_list", "validate": False},
    "include": {"type": "array", "items": INTEGER, "default": [], "sanitize": "id_list", "validate": False},
    "offset": {"type": "integer", "sanitize": "absint"},
}
_POSTS: dict[str, Spec] = {
    **_PAGING,
    **{
        name: {"type": "string", "format": "date-time"}
        for name in ("after", "before", "modified_after", "modified_before")
    },
    "dates_are_gmt": {"type": "boolean", "default": False},
    "order": {"type": "string", "enum": ["asc", "desc"], "default": "desc"},
    "orderby": {
        "type": "string",
        "enum": ["date", "id", "include", "title", "slug", "modified"],
        "default": "date",
    },
    "parent": {"type": "array", "items": INTEGER, "default": [], "sanitize": "id_list", "validate": False},
    "parent_exclude": {
        "type": "array",
        "items": INTEGER,
        "default": [],
        "sanitize": "id_list",
        "validate": False,
    },
    "slug": STRING,
    "sku": STRING,
    "stock_status": _enum(STOCK_STATUSES),
}
PRODUCT_QUERY: dict[str, Spec] = {
    **_POSTS,
    "orderby": {**_POSTS["orderby"], "enum": [*_POSTS["orderby"]["enum"], "price", "popularity", "rating"]},
    "status": _enum(("any", "future", "trash", "draft", "pending", "private", "publish"), "any"),
    "type": _enum(PRODUCT_TYPES),
    "featured": BOOLEAN,
    "on_sale": BOOLEAN,
    "category": STRING,
    "tag": STRING,
    "search_sku": STRING,
}
VARIATION_QUERY: dict[str, Spec] = dict(_POSTS)
TERM_QUERY: dict[str, Spec] = {
    **_PAGING,
    "order": {"type": "string", "enum": ["asc", "desc"], "default": "asc", "sanitize": "key"},
    "orderby": {
        "type": "string",
        "enum": ["id", "include", "name", "slug", "term_group", "description", "count"],
        "default": "name",
        "sanitize": "key",
    },
    "hide_empty": {"type": "boolean", "default": False},
    "parent": {"type": "integer", "sanitize": "absint"},
    "product": INTEGER,
    "slug": {"type": ["string", "array"], "items": STRING},
}
ITEM_QUERY: dict[str, Spec] = {"context": CONTEXT}
