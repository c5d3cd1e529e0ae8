"""Catalog objects in BigCommerce's v3 shapes: product, variant, image, custom field, option,
category, tree category and brand, plus the v2 store object.

Shapes follow the published examples in tests/samples/bigcommerce (the product list of the
dev-docs quick start, the OpenAPI examples of a product, its variants and its images) and the
schemas of https://github.com/bigcommerce/docs/tree/main/reference/catalog. Keys keep the order
BigCommerce sends them in.

Mapping decisions (the catalog is platform-neutral, BigCommerce has rules of its own):
- A product without options is a simple product: its one variant is the *base variant*
  (`base_variant_id`, `option_values: []`) and carries the product's SKU, price and stock.
  A product with options gets `base_variant_id: null` ("null for complex products", spec).
- Draft products are `is_visible: false`. Archived products are hidden *and* unpurchasable:
  `is_visible: false`, `availability: "disabled"` and their variants `purchasing_disabled`; the
  spec's three availabilities (available, disabled, preorder) have nothing closer to "archived".
- A variant on sale shows BigCommerce's pair: `price` is the regular price (the catalog's
  compare-at price) and `sale_price` the price it sells for; `calculated_price` is "the sale price
  if set or the default price" (spec, product_Full.calculated_price).
- A variant price that was never set renders as `null`, which the spec defines as "the product's
  default price will be used"; its `calculated_price` is then that default. A product needs a price
  (required on POST), so a simple product without one shows `price: 0`.
- Stock below zero shows as 0: the spec gives `inventory_level` a minimum of 0.
- Weights are grams (the store's `weight_units` is "Grams").
- Tags become `search_keywords`, the catalog's barcodes (EAN-13) the `gtin`, metafields the
  product's custom fields (`{id, name, value}`), vendors the brands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sandbox.bigcommerce import ids
from sandbox.bigcommerce.skus import SkuIndex
from sandbox.catalog import Category, Image, Product, Variant

ZERO = Decimal(0)
CDN = "https://cdn11.bigcommerce.com"
# BigCommerce's resized copies, as in the published image URLs (…1280.1280.jpg, …560.850.jpg).
IMAGE_SIZES = {
    "url_zoom": "1280.1280",
    "url_standard": "560.850",
    "url_thumbnail": "330.500",
    "url_tiny": "66.100",
}


@dataclass(frozen=True, slots=True)
class Shown:
    """What a product shows that is not a pure function of its catalog record."""

    date_modified: int  # unix seconds; moves only with product-level changes (see tracking.py)
    default_price: Decimal  # the product's own `price` when it has variants


@dataclass(frozen=True, slots=True)
class Context:
    store_hash: str
    skus: SkuIndex

    def sku(self, variant: Variant) -> str:
        """The variant's SKU, or "" when it has none or another variant holds it (see skus.py)."""
        if not variant.sku or self.skus.owner(variant.sku) != variant.key:
            return ""
        return variant.sku


def timestamp(moment: datetime) -> str:
    """`2018-08-15T14:48:46+00:00`: BigCommerce's date-times are UTC, to the second."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def default_price(product: Product) -> Decimal:
    """A product's own price: its first set variant price, 0 when none is set (a price is required)."""
    return next((variant.price for variant in product.variants if variant.price is not None), ZERO)


def product_sku(product: Product, ctx: Context) -> str:
    """A simple product's SKU is its base variant's; a product with variants shows none of its own."""
    return ctx.sku(product.variants[0]) if product.is_simple else ""


def inventory_tracking(product: Product) -> str:
    if not product.variants[0].inventory_tracked:
        return "none"
    return "product" if product.is_simple else "variant"


def stock(variant: Variant) -> int:
    return max(0, variant.inventory_quantity) if variant.inventory_tracked else 0


def _variant_prices(variant: Variant, fallback: Decimal) -> tuple[Decimal | None, Decimal, Decimal]:
    """(price, sale_price, calculated_price) of one variant; `fallback` is the product's price."""
    if variant.compare_at_price is not None and variant.price is not None:
        return variant.compare_at_price, variant.price, variant.price
    calculated = variant.price if variant.price is not None else fallback
    return variant.price, ZERO, calculated


def product_prices(product: Product, shown: Shown) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(price, sale_price, calculated_price, cost_price) at product level."""
    if not product.is_simple:
        return shown.default_price, ZERO, shown.default_price, ZERO
    base = product.variants[0]
    price, sale, calculated = _variant_prices(base, ZERO)
    return price if price is not None else ZERO, sale, calculated, base.cost or ZERO


def product_inventory(product: Product) -> int:
    tracking = inventory_tracking(product)
    if tracking == "none":
        return 0
    # Tracked by variant, the product's level is the sum of its variants' (spec, variant
    # inventory_level: "The sum of the variant inventories, or the total inventory for a product").
    return sum(stock(variant) for variant in product.variants)


def product_fields(product: Product, shown: Shown, ctx: Context) -> dict[str, Any]:
    """The product object without sub-resources, in the key order of the published examples."""
    base = product.variants[0]
    price, sale, calculated, cost = product_prices(product, shown)
    simple = product.is_simple
    return {
        "id": ids.product_id(product.key),
        "name": product.title,
        "type": "physical",
        "sku": product_sku(product, ctx),
        "description": product.body_html,
        "weight": base.grams,
        "width": 0,
        "depth": 0,
        "height": 0,
        "price": price,
        "cost_price": cost,
        "retail_price": 0,
        "sale_price": sale,
        "map_price": 0,
        "tax_class_id": 0,
        "product_tax_code": "",
        "calculated_price": calculated,
        "categories": list(product.category_keys),
        "brand_id": ids.brand_id(product.vendor),
        "option_set_id": None,
        "option_set_display": "right",
        "inventory_level": product_inventory(product),
        "inventory_warning_level": 0,
        "inventory_tracking": inventory_tracking(product),
        "reviews_rating_sum": 0,
        "reviews_count": 0,
        "total_sold": 0,
        "fixed_cost_shipping_price": 0,
        "is_free_shipping": False,
        "is_visible": product.status == "active",
        "is_featured": False,
        "related_products": [-1],
        "warranty": "",
        "bin_picking_number": "",
        "layout_file": "product.html",
        "upc": "",
        "mpn": "",
        "gtin": (base.barcode or "") if simple else "",
        "search_keywords": ", ".join(product.tags),
        "availability": "disabled" if product.status == "archived" else "available",
        "availability_description": "",
        "gift_wrapping_options_type": "any",
        "gift_wrapping_options_list": [],
        "sort_order": 0,
        "condition": "New",
        "is_condition_shown": False,
        "order_quantity_minimum": 0,
        "order_quantity_maximum": 0,
        "page_title": "",
        "meta_keywords": [],
        "meta_description": "",
        "date_created": timestamp(product.created_at),
        "date_modified": timestamp(datetime.fromtimestamp(shown.date_modified, UTC)),
        "view_count": 0,
        "preorder_release_date": None,
        "preorder_message": "",
        "is_preorder_only": False,
        "is_price_hidden": False,
        "price_hidden_label": "",
        "custom_url": {"url": f"/{product.handle}/", "is_customized": False},
        "base_variant_id": ids.variant_id(base.key) if simple else None,
        "open_graph_type": "product",
        "open_graph_title": "",
        "open_graph_description": "",
        "open_graph_use_meta_description": True,
        "open_graph_use_product_name": True,
        "open_graph_use_image": True,
    }


def _image_url(product: Product, image: Image, ctx: Context, size: str) -> str:
    stem, _, extension = image.filename.rpartition(".")
    image_id = ids.image_id(image.key)
    stamp = int(product.created_at.timestamp())
    return (
        f"{CDN}/s-{ctx.store_hash}/products/{ids.product_id(product.key)}/images/{image_id}/"
        f"{stem}__{image_id}.{stamp}.{size}.{extension}?c=2"
    )


def image(product: Product, index: int, ctx: Context) -> dict[str, Any]:
    picture = product.images[index]
    image_id = ids.image_id(picture.key)
    return {
        "id": image_id,
        "product_id": ids.product_id(product.key),
        "is_thumbnail": index == 0,
        "sort_order": index,
        "description": picture.alt,
        "image_file": f"{picture.filename[0]}/{image_id % 1000:03d}/{picture.filename}",
        **{name: _image_url(product, picture, ctx, size) for name, size in IMAGE_SIZES.items()},
        "date_modified": timestamp(product.created_at),
    }


def images(product: Product, shown: Shown, ctx: Context) -> list[dict[str, Any]]:
    return [image(product, index, ctx) for index in range(len(product.images))]


def primary_image(product: Product, shown: Shown, ctx: Context) -> dict[str, Any] | None:
    return image(product, 0, ctx) if product.images else None


def variant(product: Product, item: Variant, shown: Shown, ctx: Context) -> dict[str, Any]:
    price, sale, calculated = _variant_prices(item, product_prices(product, shown)[0])
    picture = item.image_index
    return {
        "id": ids.variant_id(item.key),
        "product_id": ids.product_id(product.key),
        "sku": ctx.sku(item),
        # Variants made from option values have a legacy SKU record; a base variant has none.
        "sku_id": None if product.is_simple else ids.variant_id(item.key),
        "price": price,
        "calculated_price": calculated,
        "sale_price": sale,
        "retail_price": 0,
        "map_price": 0,
        "weight": item.grams,
        "calculated_weight": item.grams,
        "width": 0,
        "height": 0,
        "depth": 0,
        "is_free_shipping": False,
        "fixed_cost_shipping_price": 0,
        "purchasing_disabled": product.status == "archived",
        "purchasing_disabled_message": "",
        "image_url": "" if picture is None else _image_url(product, product.images[picture], ctx, "560.850"),
        "cost_price": item.cost or ZERO,
        "upc": "",
        "mpn": "",
        "gtin": item.barcode or "",
        "inventory_level": stock(item),
        "inventory_warning_level": 0,
        "bin_picking_number": "",
        "option_values": [
            {
                "id": ids.option_value_id(product.key, position, option.values.index(label)),
                "label": label,
                "option_id": ids.option_id(product.key, position),
                "option_display_name": option.name,
            }
            for position, (option, label) in enumerate(
                zip(product.options, item.option_values, strict=True), start=1
            )
        ],
    }


def variants(product: Product, shown: Shown, ctx: Context) -> list[dict[str, Any]]:
    return [variant(product, item, shown, ctx) for item in product.variants]


def custom_fields(product: Product, shown: Shown, ctx: Context) -> list[dict[str, Any]]:
    return [
        {"id": ids.custom_field_id(product.key, index), "name": field.key, "value": field.value}
        for index, field in enumerate(product.metafields)
    ]


def options(product: Product, shown: Shown, ctx: Context) -> list[dict[str, Any]]:
    """Variant options (productOption_Base); colours show as swatches, the rest as rectangles."""
    return [
        {
            "id": ids.option_id(product.key, position),
            "product_id": ids.product_id(product.key),
            "display_name": option.name,
            "type": "swatch" if option.name == "Color" else "rectangles",
            "config": {},
            "sort_order": position - 1,
            "option_values": [
                {
                    "id": ids.option_value_id(product.key, position, index),
                    "label": label,
                    "sort_order": index,
                    "value_data": None,
                    "is_default": False,
                }
                for index, label in enumerate(option.values)
            ],
        }
        for position, option in enumerate(product.options, start=1)
    ]


def _none(product: Product, shown: Shown, ctx: Context) -> list[Any]:
    return []


def _channels(product: Product, shown: Shown, ctx: Context) -> list[int]:
    return [ids.CHANNEL_ID]


# `include` values (spec, IncludeParamBase) in the order their keys follow the product's own.
SUBRESOURCES: dict[str, Callable[[Product, Shown, Context], Any]] = {
    "variants": variants,
    "images": images,
    "primary_image": primary_image,
    "videos": _none,
    "custom_fields": custom_fields,
    "bulk_pricing_rules": _none,
    "reviews": _none,
    "options": options,
    "modifiers": _none,
    "channels": _channels,
    "parent_relations": _none,
}


# -- categories, trees, brands ------------------------------------------------------------------
def category_url(path: list[Category]) -> str:
    return "/" + "".join(f"{category.slug}/" for category in path)


def category(item: Category, path: list[Category]) -> dict[str, Any]:
    """The flat (deprecated but still served) /v3/catalog/categories object; top level has parent 0."""
    return {
        "id": item.key,
        "parent_id": item.parent or 0,
        "name": item.name,
        "description": item.description,
        "views": 0,
        "sort_order": item.key,
        "page_title": "",
        "meta_keywords": [""],
        "meta_description": "",
        "layout_file": "category.html",
        "image_url": "",
        "is_visible": True,
        "search_keywords": "",
        "default_product_sort": "use_store_settings",
        "custom_url": {"url": category_url(path), "is_customized": False},
    }


# The fields the flat and the tree category objects share (CategoryBase), in their order.
CATEGORY_BASE = (
    "description",
    "views",
    "sort_order",
    "page_title",
    "meta_keywords",
    "meta_description",
    "layout_file",
    "image_url",
    "is_visible",
    "search_keywords",
    "default_product_sort",
)


def tree_category(item: Category, path: list[Category]) -> dict[str, Any]:
    """The /v3/catalog/trees/categories object (GetCategories in category-trees_catalog.v3.yml)."""
    flat = category(item, path)
    return {
        "category_id": item.key,
        "category_uuid": ids.category_uuid(item.key),
        "parent_id": flat["parent_id"],
        "tree_id": ids.TREE_ID,
        "name": item.name,
        **{key: flat[key] for key in CATEGORY_BASE},
        "url": {"path": category_url(path), "is_customized": False},
    }


def tree_node(item: Category, path: list[Category], children: list[dict[str, Any]]) -> dict[str, Any]:
    """A CategoryNode of /v3/catalog/trees/{tree_id}/categories: the nested tree."""
    return {
        "id": item.key,
        "parent_id": item.parent or 0,
        "depth": len(path) - 1,
        "path": [step.key for step in path[:-1]],
        "name": item.name,
        "is_visible": True,
        "children": children,
        "url": category_url(path),
    }


def tree() -> dict[str, Any]:
    return {"id": ids.TREE_ID, "name": "Default", "channels": [ids.CHANNEL_ID]}


def brand(vendor: str) -> dict[str, Any]:
    slug = "-".join(vendor.replace("&", " ").split())
    return {
        "id": ids.brand_id(vendor),
        "name": vendor,
        "page_title": "",
        "meta_keywords": [""],
        "meta_description": "",
        "image_url": "",
        "search_keywords": "",
        "custom_url": {"url": f"/brands/{slug}.html", "is_customized": False},
    }
