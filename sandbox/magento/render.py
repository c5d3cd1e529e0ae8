"""Product entities as Magento renders them (catalog-data-product-interface), and the custom attribute
values searchCriteria filters on.

The shape follows the vendor's published create responses (tests/samples/magento/adobedocs/
POST_V1_products_*.response.json) and api-notes §3.6: prices are JSON numbers, dates are
`YYYY-MM-DD HH:MM:SS` in UTC without an offset, `custom_attributes` is a list of
`{attribute_code, value}` whose values are strings (decimals with six places, as MySQL returns
decimal(20,6)), option ids for selects, or a list of strings for `category_ids`.

Prices: Magento's regular price is `price` and a sale price is the `special_price` attribute, so a
variant on sale (compare-at set) renders `price` = compare-at and `special_price` = its price. A
variant whose price was never set has no `price` key, as a product without a price value has none.
Status: Magento has only enabled (1) and disabled (2), so draft and archived products are both 2.
Children carry neither categories nor descriptions: the admin's variation matrix gives them none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sandbox.catalog import Image, Product
from sandbox.magento import ids
from sandbox.magento.attributes import Registry, generate_code
from sandbox.magento.entities import Row, SkuIndex, StoreView, url_key

ZERO = Decimal("0")
IMAGE_ROLES = ["image", "small_image", "thumbnail"]
GRAMS_PER_KG = Decimal(1000)


@dataclass(frozen=True)
class Context:
    """What rendering needs besides the row: the store view and this catalog version's indexes."""

    store: StoreView
    registry: Registry
    skus: SkuIndex


def decimal_text(value: Decimal) -> str:
    return f"{value:.6f}"


def date_text(row: Row, field: str) -> str:
    """ "2024-03-05 18:43:58": the catalog's UTC time without its offset or fraction."""
    return getattr(row.product, field).isoformat(sep=" ")[:19]


def name(context: Context, row: Row) -> str:
    title = row.product.title
    if context.store.localized:
        title = f"{title} (FR)"
    if row.role == "child" and row.variant is not None:
        return "-".join((title, *row.variant.option_values))
    return title


def price(row: Row) -> Decimal | None:
    if row.variant is None:
        return ZERO  # a configurable parent has no price of its own (the create response shows 0)
    return row.variant.compare_at_price or row.variant.price


def status(row: Row) -> int:
    return 1 if row.product.status == "active" else 2


def visibility(row: Row) -> int:
    return 1 if row.role == "child" else 4


def type_id(row: Row) -> str:
    return "configurable" if row.role == "configurable" else "simple"


def weight(row: Row) -> Decimal | None:
    if row.variant is None or not row.variant.grams:
        return None
    return Decimal(row.variant.grams) / GRAMS_PER_KG


def category_keys(row: Row) -> tuple[int, ...]:
    return () if row.role == "child" else row.product.category_keys


def images(row: Row) -> list[Image]:
    if row.role != "child":
        return list(row.product.images)
    index = row.variant.image_index if row.variant else None
    return [] if index is None else [row.product.images[index]]


def media_file(image: Image) -> str:
    """Magento stores uploads under the first two letters of the name: "/l/i/linen-shirt-2.jpg"
    (MediaStorage\\Model\\File\\Uploader::getDispersionPath)."""
    letters = [("_" if char == "." else char) for char in image.filename[:2]]
    return "/" + "/".join([*letters, image.filename])


def media_entries(row: Row) -> list[dict[str, Any]]:
    return [
        {
            "id": ids.media_id(row.id, index),
            "media_type": "image",
            "label": image.alt,
            "position": index + 1,
            "disabled": False,
            "types": list(IMAGE_ROLES) if index == 0 else [],
            "file": media_file(image),
        }
        for index, image in enumerate(images(row))
    ]


def _in_stock(tracked: bool, quantity: int) -> bool:
    return quantity > 0 if tracked else True


def stock_item(row: Row) -> dict[str, Any]:
    """cataloginventory stock item; untracked inventory is "Manage Stock: No" set on the product."""
    variants = row.product.variants if row.variant is None else (row.variant,)
    tracked = variants[0].inventory_tracked
    quantity = row.variant.inventory_quantity if row.variant is not None and tracked else 0
    in_stock = any(_in_stock(tracked, variant.inventory_quantity) for variant in variants)
    return {
        "item_id": row.id,
        "product_id": row.id,
        "stock_id": ids.STOCK_ID,
        "qty": quantity,
        "is_in_stock": in_stock,
        "is_qty_decimal": False,
        "show_default_notification_message": False,
        "use_config_min_qty": True,
        "min_qty": 0,
        "use_config_min_sale_qty": 1,
        "min_sale_qty": 1,
        "use_config_max_sale_qty": True,
        "max_sale_qty": 10000,
        "use_config_backorders": True,
        "backorders": 0,
        "use_config_notify_stock_qty": True,
        "notify_stock_qty": 1,
        "use_config_qty_increments": True,
        "qty_increments": 0,
        "use_config_enable_qty_inc": True,
        "enable_qty_increments": False,
        "use_config_manage_stock": tracked,
        "manage_stock": tracked,
        "low_stock_date": None,
        "is_decimal_divided": False,
        "stock_status_changed_auto": 0,
    }


def configurable_options(context: Context, row: Row) -> list[dict[str, Any]]:
    """The attributes a configurable varies on, with the option ids its children use."""
    options = []
    for index, option in enumerate(row.product.options):
        code = generate_code(option.name)
        attribute = context.registry.get(code)
        options.append(
            {
                "id": ids.configurable_option_id(row.id, index),
                "attribute_id": str(attribute.id if attribute else 0),
                "label": option.name,
                "position": index,
                "values": [
                    {"value_index": context.registry.option_id(code, value)} for value in option.values
                ],
                "product_id": row.id,
            }
        )
    return options


def configurable_links(row: Row) -> list[int]:
    return [ids.entity_id(row.product.key, variant.position) for variant in row.product.variants]


def extension_attributes(context: Context, row: Row) -> dict[str, Any]:
    extension: dict[str, Any] = {"website_ids": [ids.WEBSITE_ID]}
    links = category_keys(row)
    if links:
        extension["category_links"] = [
            {"position": position, "category_id": str(ids.category_id(key))}
            for position, key in enumerate(links)
        ]
    extension["stock_item"] = stock_item(row)
    if row.role == "configurable":
        extension["configurable_product_options"] = configurable_options(context, row)
        extension["configurable_product_links"] = configurable_links(row)
    return extension


# -- custom attributes ------------------------------------------------------------------------
Getter = Callable[[Context, Row], Any]


def _own(getter: Callable[[Context, Product], Any]) -> Getter:
    """A value the product entity holds and its children do not."""
    return lambda context, row: None if row.role == "child" else getter(context, row.product)


def _variant(getter: Callable[[Any], Any]) -> Getter:
    return lambda context, row: None if row.variant is None else getter(row.variant)


def _description(context: Context, product: Product) -> str:
    if context.store.localized:
        return f"<p>Fiche produit en français.</p>\n{product.body_html}"
    return product.body_html


def _short_description(context: Context, product: Product) -> str:
    by = "par" if context.store.localized else "by"
    return f"<p>{product.product_type} {by} {product.vendor}</p>"


def _first_image(context: Context, row: Row) -> str | None:
    found = images(row)
    return media_file(found[0]) if found else None


def _categories(context: Context, row: Row) -> list[str] | None:
    return [str(ids.category_id(key)) for key in category_keys(row)] or None


def _flag(context: Context, row: Row) -> str:
    return "1" if row.role == "configurable" else "0"


def _sale(variant: Any) -> str | None:
    return decimal_text(variant.price) if variant.compare_at_price and variant.price is not None else None


def _manufacturer(context: Context, product: Product) -> str | None:
    option = context.registry.option_id("manufacturer", product.vendor)
    return None if option is None else str(option)


CUSTOM: dict[str, Getter] = {
    "description": _own(_description),
    "short_description": _own(_short_description),
    "meta_title": lambda context, row: None if row.role == "child" else name(context, row),
    "meta_keyword": _own(lambda context, product: ",".join(product.tags) or None),
    "image": _first_image,
    "small_image": _first_image,
    "thumbnail": _first_image,
    "category_ids": _categories,
    "options_container": lambda context, row: "container2",
    "required_options": _flag,
    "has_options": _flag,
    "url_key": lambda context, row: url_key(row),
    "tax_class_id": lambda context, row: "2",
    "special_price": _variant(_sale),
    "cost": _variant(lambda variant: decimal_text(variant.cost) if variant.cost is not None else None),
    "manufacturer": _own(_manufacturer),
    "ean": _variant(lambda variant: variant.barcode),
}


def _option_values(context: Context, row: Row) -> Iterator[tuple[str, Any]]:
    """A child's select values, and a product's metafields (a select one as its option id)."""
    if row.role == "child" and row.variant is not None:
        for option, value in zip(row.product.options, row.variant.option_values, strict=True):
            code = generate_code(option.name)
            yield code, str(context.registry.option_id(code, value))
        return
    for field in row.product.metafields:
        code = generate_code(field.key)
        attribute = context.registry.get(code)
        option = context.registry.option_id(code, field.value) if attribute and attribute.is_select else None
        yield code, field.value if option is None else str(option)


def custom_attributes(context: Context, row: Row) -> list[dict[str, Any]]:
    values = [(code, getter(context, row)) for code, getter in CUSTOM.items()]
    values += _option_values(context, row)
    return [{"attribute_code": code, "value": value} for code, value in values if value is not None]


def custom_value(context: Context, row: Row, code: str) -> Any:
    """One custom attribute of a row (None when the row has no value), for searchCriteria."""
    if code in CUSTOM:
        return CUSTOM[code](context, row)
    return next((value for found, value in _option_values(context, row) if found == code), None)


def item(context: Context, row: Row) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": row.id,
        "sku": context.skus.sku(row),
        "name": name(context, row),
        "attribute_set_id": ids.DEFAULT_ATTRIBUTE_SET,
    }
    amount = price(row)
    if amount is not None:
        payload["price"] = amount
    payload.update(
        status=status(row),
        visibility=visibility(row),
        type_id=type_id(row),
        created_at=date_text(row, "created_at"),
        updated_at=date_text(row, "updated_at"),
    )
    kilograms = weight(row)
    if kilograms is not None:
        payload["weight"] = kilograms
    payload.update(
        extension_attributes=extension_attributes(context, row),
        product_links=[],
        options=[],
        media_gallery_entries=media_entries(row),
        tier_prices=[],
        custom_attributes=custom_attributes(context, row),
    )
    return payload
