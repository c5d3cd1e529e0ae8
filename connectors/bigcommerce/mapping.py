"""BigCommerce v3 catalog product -> canonical Product: pure functions, no I/O.

The connector reads products with `include=variants,images,custom_fields`; what a product only
references by id (its brand, its categories) and the store's weight unit come from other endpoints
once per run and reach the mapping as a `StoreContext`.

Reference: the Catalog API spec, `reference/catalog/products_catalog.v3.yml` in
https://github.com/bigcommerce/docs (schemas `product_Full`, `productVariant_Full`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from connectors.model import (
    Category,
    CustomField,
    Image,
    Option,
    Product,
    ProductStatus,
    Variant,
)

# Grams per unit of the store's weight setting (`weight_units` of GET /v2/store). The values the
# store may hold are those of `MeasurementUnitsSettings.weight_measurement`: LBS, Ounces, KGS,
# Grams, Tonnes (reference/settings.v3.yml in https://github.com/bigcommerce/docs); the spelled-out
# and abbreviated forms are accepted too, case-insensitively.
GRAMS_PER_UNIT: Mapping[str, Decimal] = {
    **dict.fromkeys(("grams", "gram", "g"), Decimal(1)),
    **dict.fromkeys(("kgs", "kg", "kilograms", "kilogram"), Decimal(1000)),
    **dict.fromkeys(("lbs", "lb", "pounds", "pound"), Decimal("453.59237")),
    **dict.fromkeys(("ounces", "ounce", "oz"), Decimal("28.349523125")),
    **dict.fromkeys(("tonnes", "tonne", "t"), Decimal(1_000_000)),
}

# Errors a malformed record raises while it is mapped: the caller rejects the record with the reason.
MAPPING_ERRORS = (KeyError, TypeError, ValueError, ArithmeticError, AttributeError)


def grams_per_unit(weight_units: str | None) -> Decimal | None:
    """Grams in one unit of the store's weight setting; None when the unit is not known."""
    return GRAMS_PER_UNIT.get((weight_units or "").strip().lower())


@dataclass(frozen=True)
class StoreContext:
    """What the mapping needs from beyond the product record, read once per run."""

    categories: Mapping[int, Category] = field(default_factory=dict)
    brands: Mapping[int, str] = field(default_factory=dict)
    grams_per_unit: Decimal | None = None  # None: the weight unit is unknown, weights are left out


def category_index(rows: Iterable[Mapping[str, Any]]) -> dict[int, Category]:
    """Categories by id, each with the names of its ancestors (root first).

    Rows are those of GET /v3/catalog/trees/categories: `{"category_id": 3, "parent_id": 2,
    "name": "Shirts", "tree_id": 1, ...}`; `parent_id` 0 marks a root. Category ids are unique
    across the trees of a multi-storefront store, so one index serves every tree.
    """
    by_id = {int(row["category_id"]): row for row in rows}
    index: dict[int, Category] = {}
    for category_id, row in by_id.items():
        parents: list[str] = []
        seen = {category_id}
        parent = int(row.get("parent_id") or 0)
        while parent in by_id and parent not in seen:  # `seen`: a corrupt tree must not loop
            seen.add(parent)
            parents.insert(0, str(by_id[parent]["name"]))
            parent = int(by_id[parent].get("parent_id") or 0)
        index[category_id] = Category(str(category_id), str(row["name"]), tuple(parents))
    return index


def map_product(raw: Mapping[str, Any], context: StoreContext) -> Product:
    """One product of the listing (read with variants, images and custom fields included)."""
    variants = raw["variants"]
    if not variants:
        # Every product has at least its base variant, so an empty list is a record read without
        # `include=variants` or cut short.
        raise ValueError("the record has no variants (read the listing with include=variants)")
    options = _options(variants)
    return Product(
        source_id=str(raw["id"]),
        title=str(raw["name"]),
        updated_at=parse_timestamp(raw["date_modified"]),
        created_at=parse_timestamp(raw["date_created"]) if raw.get("date_created") else None,
        description_html=raw.get("description") or "",
        handle=_handle(raw.get("custom_url")),
        vendor=context.brands.get(int(raw.get("brand_id") or 0)),
        status=_status(raw),
        tags=_keywords(raw.get("search_keywords")),
        categories=tuple(
            context.categories[int(category_id)]
            for category_id in raw.get("categories") or ()
            if int(category_id) in context.categories
        ),
        options=tuple(Option(name, tuple(values)) for _, name, values in options),
        variants=tuple(_variant(variant, raw, options, context) for variant in variants),
        images=_images(raw.get("images") or ()),
        custom_fields=tuple(
            CustomField(str(item["name"]), str(item["value"])) for item in raw.get("custom_fields") or ()
        ),
        raw=raw,
    )


def map_records(
    records: Iterable[Mapping[str, Any]], context: StoreContext
) -> tuple[list[Product], list[tuple[str, str]]]:
    """Map a page of records; a record that cannot be mapped is rejected with its reason."""
    products: list[Product] = []
    rejected: list[tuple[str, str]] = []
    for record in records:
        try:
            products.append(map_product(record, context))
        except MAPPING_ERRORS as error:
            source_id = str(record.get("id", "?")) if isinstance(record, Mapping) else "?"
            rejected.append((source_id, _reason(error)))
    return products, rejected


# -- product fields ---------------------------------------------------------------------------------
def _status(raw: Mapping[str, Any]) -> ProductStatus:
    # `disabled`: "the product is listed on the storefront, but cannot be purchased" (product_Full
    # `availability`): no longer sold, whatever its visibility. `is_visible: false` hides it "from
    # view" (same schema): the usual state of a product still being prepared.
    if raw.get("availability") == "disabled":
        return ProductStatus.ARCHIVED
    if not raw.get("is_visible", True):
        return ProductStatus.DRAFT
    return ProductStatus.ACTIVE


def _handle(custom_url: Mapping[str, Any] | None) -> str | None:
    """The slug of `custom_url.url`: "/all/1l-le-parfait-jar/" -> "1l-le-parfait-jar"."""
    path = (custom_url or {}).get("url") or ""
    last = path.strip("/").rsplit("/", 1)[-1]
    return last.removesuffix(".html") or None


def _keywords(value: str | None) -> tuple[str, ...]:
    """BigCommerce has no product tags; `search_keywords` ("jar, glass") is the closest field."""
    return tuple(dict.fromkeys(word.strip() for word in (value or "").split(",") if word.strip()))


def _images(images: Iterable[Mapping[str, Any]]) -> tuple[Image, ...]:
    # The thumbnail is the product's main image, whatever its sort_order says.
    ordered = sorted(
        images, key=lambda image: (not image.get("is_thumbnail"), image.get("sort_order") or 0, image["id"])
    )
    return tuple(
        Image(
            src=str(image.get("url_zoom") or image["url_standard"]),
            alt=image.get("description") or "",
            source_id=str(image["id"]),
        )
        for image in ordered
    )


def _options(variants: Sequence[Mapping[str, Any]]) -> list[tuple[int, str, list[str]]]:
    """(option id, display name, values) in the order the variants first show them.

    The listing cannot include `options` without dropping to 10 products a page ("When you specify
    `options` or `modifiers`, results are limited to 10 per page", products_catalog.v3.yml), so the
    options are read off the variants' `option_values`, which name their option.
    """
    found: dict[int, tuple[str, dict[str, None]]] = {}
    for variant in variants:
        for value in variant.get("option_values") or ():
            _, values = found.setdefault(int(value["option_id"]), (str(value["option_display_name"]), {}))
            values.setdefault(str(value["label"]), None)
    return [(option_id, name, list(values)) for option_id, (name, values) in found.items()]


# -- variants --------------------------------------------------------------------------------------
def _variant(
    variant: Mapping[str, Any],
    product: Mapping[str, Any],
    options: Sequence[tuple[int, str, list[str]]],
    context: StoreContext,
) -> Variant:
    labels = {int(value["option_id"]): str(value["label"]) for value in variant.get("option_values") or ()}
    price, compare_at = _prices(variant, product)
    weight = _money(_inherited(variant, product, "weight"))
    manage_stock, stock = _stock(variant, product)
    cost = _money(_inherited(variant, product, "cost_price"))
    return Variant(
        source_id=str(variant["id"]),
        sku=_text(variant.get("sku")),
        price=price,
        compare_at_price=compare_at,
        option_values=tuple(
            (name, labels[option_id]) for option_id, name, _ in options if option_id in labels
        ),
        barcode=_text(variant.get("gtin")) or _text(variant.get("upc")),
        weight_grams=weight * context.grams_per_unit
        if weight is not None and context.grams_per_unit is not None
        else None,
        manage_stock=manage_stock,
        stock_quantity=stock,
        image=Image(src=str(variant["image_url"])) if variant.get("image_url") else None,
        # A cost of 0 is BigCommerce's "none entered": the product field is not nullable.
        cost=cost or None,
    )


def _inherited(variant: Mapping[str, Any], product: Mapping[str, Any], name: str) -> Any:
    """A variant's price, sale_price, retail_price, weight...: "if this value is null, the
    product's default ... will be used" (productVariant_Full in products_catalog.v3.yml)."""
    value = variant.get(name)
    return product.get(name) if value is None else value


def _prices(variant: Mapping[str, Any], product: Mapping[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    """(what the customer pays, the higher "was" price) from BigCommerce's three prices.

    `price` is the regular price; a non-zero `sale_price` "will be used instead of value in the
    price field" (product_Full); `retail_price` is the MSRP shown crossed out beside the price.
    """
    regular = _money(_inherited(variant, product, "price"))
    sale = _money(_inherited(variant, product, "sale_price"))
    retail = _money(_inherited(variant, product, "retail_price"))
    paid = sale if sale else regular  # 0 is "no sale price": the field is not nullable on products
    if paid is None:
        return None, None
    for was in (regular, retail):
        if was is not None and was > paid:
            return paid, was
    return paid, None


def _stock(variant: Mapping[str, Any], product: Mapping[str, Any]) -> tuple[bool, int | None]:
    """`inventory_tracking`: none, product (one level for the product) or variant (one per variant)."""
    tracking = product.get("inventory_tracking") or "none"
    if tracking == "none":
        return False, None
    if tracking == "variant":
        return True, int(variant["inventory_level"])
    if tracking == "product":
        # One stock level for the whole product. The canonical model keeps stock per variant only,
        # so a product with options gives each variant the shared level: over-counted, but tracked
        # (untracked stock would sell without any limit).
        return True, int(product["inventory_level"])
    raise ValueError(f"unknown inventory_tracking {tracking!r}")


# -- values ----------------------------------------------------------------------------------------
def _money(value: Any) -> Decimal | None:
    """A JSON number (already Decimal or int from get_json) or numeric string as Decimal."""
    if value is None:
        return None
    number: Decimal | None = None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, float):  # not from get_json, but plain json.loads data may reach here
        number = Decimal(str(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except ArithmeticError:
            number = None
    if number is None or not number.is_finite():
        raise ValueError(f"expected a number, got {value!r}")
    return number


def _text(value: Any) -> str | None:
    """An optional text field: BigCommerce sends "" for a value never entered (an empty SKU)."""
    text = str(value).strip() if value is not None else ""
    return text or None


def parse_timestamp(value: str) -> datetime:
    """ISO-8601 as BigCommerce sends it ("2018-09-05T20:42:07+00:00"); a naive one is UTC."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _reason(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"missing field {error.args[0]!r}"
    detail = re.sub(r"\s+", " ", str(error)).strip()
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__
