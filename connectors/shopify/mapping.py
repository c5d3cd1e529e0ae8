"""Shopify raw -> canonical Product, for both shapes: a REST `products.json` record and a GraphQL
`Product` node as the reader's query asks for it (graphql.py).

Both shapes give the same Product for the same product, so switching a store from one API to the
other updates the same WooCommerce products: ids are the numbers both APIs share (REST `id` is
GraphQL `legacyResourceId`; an image is known by its MediaImage id, which REST images carry in
`admin_graphql_api_id`). Pure functions: a record in, a Product out, or MappingError with the reason.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.model import Category, CustomField, Image, Option, Product, ProductStatus, Variant

# A product without options still has one: `{"name": "Title", "values": ["Default Title"]}` and a
# variant titled "Default Title"; the published examples also show it holding the one variant's
# title (`"values": ["Black"]`). Either way it is a simple product, not an option to carry over
# (https://shopify.dev/docs/api/admin-rest/2025-07/resources/product; api-notes §1.3).
PLACEHOLDER_OPTION = "Title"

# REST `weight_unit` and GraphQL `WeightUnit`, in grams (the avoirdupois pound and ounce).
GRAMS_PER_UNIT = {
    "g": Decimal(1),
    "kg": Decimal(1000),
    "oz": Decimal("28.349523125"),
    "lb": Decimal("453.59237"),
    "GRAMS": Decimal(1),
    "KILOGRAMS": Decimal(1000),
    "OUNCES": Decimal("28.349523125"),
    "POUNDS": Decimal("453.59237"),
}

# UNLISTED (API 2025-10 on) is a live product kept out of search and collections: it still sells.
STATUSES = {
    "active": ProductStatus.ACTIVE,
    "draft": ProductStatus.DRAFT,
    "archived": ProductStatus.ARCHIVED,
    "unlisted": ProductStatus.ACTIVE,
}


class MappingError(ValueError):
    """A record that cannot become a Product; the message says why."""


# -- REST -------------------------------------------------------------------------------------
def product_from_rest(raw: Mapping[str, Any], categories: Sequence[Category] = ()) -> Product:
    """A `products.json` record; `categories` are its custom collections (REST lists them apart)."""
    with _reasons():
        options = _options(
            [(option["name"], tuple(option.get("values") or ())) for option in raw.get("options") or ()]
        )
        listed = raw.get("images") or ()
        images = tuple(_rest_image(image) for image in listed)
        by_image_id = {str(image["id"]): found for image, found in zip(listed, images, strict=True)}
        variants = tuple(_rest_variant(variant, options, by_image_id) for variant in raw["variants"])
        return Product(
            source_id=str(raw["id"]),
            title=_title(raw["title"]),
            updated_at=_timestamp(raw["updated_at"], "updated_at"),
            created_at=_timestamp(raw.get("created_at"), "created_at"),
            description_html=raw.get("body_html") or "",
            handle=raw.get("handle") or None,
            vendor=raw.get("vendor") or None,
            product_type=raw.get("product_type") or None,
            status=_status(raw.get("status") or "active"),
            # "tags": "Emotive, Flash Memory, MP3, Music": one comma-separated string.
            tags=tuple(tag.strip() for tag in (raw.get("tags") or "").split(",") if tag.strip()),
            categories=tuple(categories),
            options=options,
            variants=variants,
            images=images,
            raw=raw,
        )


def _rest_image(image: Mapping[str, Any]) -> Image:
    # Known by its MediaImage id, as GraphQL knows it; the REST image id is another number.
    media_gid = image.get("admin_graphql_api_id") or ""
    source_id = _gid_number(media_gid) if "/MediaImage/" in media_gid else str(image["id"])
    return Image(src=image["src"], alt=image.get("alt") or "", source_id=source_id)


def _rest_variant(raw: Mapping[str, Any], options: Sequence[Option], images: Mapping[str, Image]) -> Variant:
    # option1..option3 hold the values in the product's option order.
    chosen = [(option.name, raw.get(f"option{number}")) for number, option in enumerate(options, 1)]
    image_id = raw.get("image_id")
    return Variant(
        source_id=str(raw["id"]),
        sku=_text_or_none(raw.get("sku")),
        price=_money(raw.get("price"), "price"),
        compare_at_price=_money(raw.get("compare_at_price"), "compare_at_price"),
        option_values=tuple((name, str(value)) for name, value in chosen if value is not None),
        barcode=_text_or_none(raw.get("barcode")),
        weight_grams=_rest_grams(raw),
        # "inventory_management": "shopify" when Shopify tracks the stock, null when nobody does.
        manage_stock=raw.get("inventory_management") == "shopify",
        stock_quantity=_int_or_none(raw.get("inventory_quantity")),
        image=images.get(str(image_id)) if image_id is not None else None,
    )


def _rest_grams(raw: Mapping[str, Any]) -> Decimal | None:
    if raw.get("weight") is not None and raw.get("weight_unit"):
        return _grams(raw["weight"], raw["weight_unit"])
    return None if raw.get("grams") is None else _decimal(raw["grams"], "grams")


# -- GraphQL ----------------------------------------------------------------------------------
def product_from_graphql(node: Mapping[str, Any]) -> Product:
    """A `Product` node with every nested connection complete (the reader follows up long ones)."""
    with _reasons():
        options = _options(
            [(option["name"], tuple(option.get("values") or ())) for option in node["options"]]
        )
        images = {media["id"]: _graphql_image(media) for media in _nodes(node, "media") if media.get("image")}
        variants = tuple(_graphql_variant(variant, options, images) for variant in _nodes(node, "variants"))
        return Product(
            source_id=str(node["legacyResourceId"]),
            title=_title(node["title"]),
            updated_at=_timestamp(node["updatedAt"], "updatedAt"),
            created_at=_timestamp(node.get("createdAt"), "createdAt"),
            description_html=node.get("descriptionHtml") or "",
            handle=node.get("handle") or None,
            vendor=node.get("vendor") or None,
            product_type=node.get("productType") or None,
            status=_status(node["status"]),
            tags=tuple(node.get("tags") or ()),
            categories=tuple(
                Category(source_id=str(collection["legacyResourceId"]), name=collection["title"])
                for collection in _nodes(node, "collections")
            ),
            options=options,
            variants=variants,
            images=tuple(images.values()),
            custom_fields=tuple(
                CustomField(key=field["key"], value=field["value"], namespace=field["namespace"])
                for field in _nodes(node, "metafields")
            ),
            raw=node,
        )


def _graphql_image(media: Mapping[str, Any]) -> Image:
    image = media["image"]
    return Image(
        src=image["url"],
        alt=media.get("alt") or image.get("altText") or "",
        source_id=_gid_number(media["id"]),
    )


def _graphql_variant(
    raw: Mapping[str, Any], options: Sequence[Option], images: Mapping[str, Image]
) -> Variant:
    selected = {choice["name"]: choice["value"] for choice in raw.get("selectedOptions") or ()}
    item = raw.get("inventoryItem") or {}
    weight = (item.get("measurement") or {}).get("weight")
    unit_cost = item.get("unitCost")
    media = _nodes(raw, "media")
    return Variant(
        source_id=str(raw["legacyResourceId"]),
        sku=_text_or_none(raw.get("sku")),
        price=_money(raw.get("price"), "price"),
        compare_at_price=_money(raw.get("compareAtPrice"), "compareAtPrice"),
        option_values=tuple(
            (option.name, selected[option.name]) for option in options if option.name in selected
        ),
        barcode=_text_or_none(raw.get("barcode")),
        weight_grams=_grams(weight["value"], weight["unit"]) if weight else None,
        manage_stock=bool(item.get("tracked")),
        stock_quantity=_int_or_none(raw.get("inventoryQuantity")),
        image=images.get(media[0]["id"]) if media else None,
        cost=_money(unit_cost.get("amount"), "unitCost") if unit_cost else None,
    )


def _nodes(parent: Mapping[str, Any], connection: str) -> list[Mapping[str, Any]]:
    found = parent.get(connection)
    return list(found["nodes"]) if found else []


# -- shared -----------------------------------------------------------------------------------
def _options(declared: Sequence[tuple[str, tuple[str, ...]]]) -> tuple[Option, ...]:
    if len(declared) == 1 and declared[0][0] == PLACEHOLDER_OPTION and len(declared[0][1]) <= 1:
        return ()
    return tuple(Option(name=name, values=tuple(str(value) for value in values)) for name, values in declared)


def _title(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise MappingError("the product has no title")
    return value


def _status(value: str) -> ProductStatus:
    try:
        return STATUSES[value.lower()]
    except KeyError:
        raise MappingError(f"unknown status {value!r}") from None


def _timestamp(value: Any, name: str) -> datetime | None:
    if value is None and name.startswith("created"):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise MappingError(f"{name} is not an ISO 8601 timestamp: {value!r}") from None
    if moment.tzinfo is None:
        raise MappingError(f"{name} has no time zone: {value!r}")
    return moment


def _money(value: Any, name: str) -> Decimal | None:
    """Prices come as strings ("199.00") or null; an empty string is no price either."""
    return None if value is None or value == "" else _decimal(value, name)


def _decimal(value: Any, name: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise MappingError(f"{name} is not a number: {value!r}") from None
    if not number.is_finite():
        raise MappingError(f"{name} is not a number: {value!r}")
    return number


def _grams(value: Any, unit: str) -> Decimal:
    try:
        return _decimal(value, "weight") * GRAMS_PER_UNIT[unit]
    except KeyError:
        raise MappingError(f"unknown weight unit {unit!r}") from None


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _text_or_none(value: Any) -> str | None:
    """SKUs and barcodes: "" and null both mean none."""
    text = "" if value is None else str(value).strip()
    return text or None


def _gid_number(gid: str) -> str:
    """`gid://shopify/MediaImage/498048120` -> "498048120"."""
    return gid.rsplit("/", 1)[-1]


@contextlib.contextmanager
def _reasons() -> Iterator[None]:
    """Turn what a malformed record raises into MappingError with a readable reason."""
    try:
        yield
    except MappingError:
        raise
    except KeyError as error:
        raise MappingError(f"missing field {error.args[0]!r}") from None
    except (TypeError, ValueError, AttributeError, IndexError) as error:
        raise MappingError(f"unexpected shape: {error}") from None
