"""Mapping: canonical products to WooCommerce products, by a default a user would accept without
edits, overridden per Woo field by the definition's rules (a source field or a constant, then
named transforms). Pure: values in, values out.

Woo fields come in two levels. Product fields (name, description, status, ...) read the product's
source fields; item fields (sku, prices, stock, weight) are evaluated once per variant — or once
for a simple product's single variant — and read the variant's fields first, then the product's.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from connectors.model import Product, ProductStatus, Variant
from connectors.woocommerce import WooAttribute, WooProduct, WooVariation
from jobs.definition import WOO_ITEM_FIELDS, WOO_PRODUCT_FIELDS, FieldRule, MappingSpec
from jobs.transforms import apply_transform

BRAND_ATTRIBUTE = "Brand"
STATUSES = {ProductStatus.ACTIVE: "publish", ProductStatus.DRAFT: "draft", ProductStatus.ARCHIVED: "private"}

DEFAULT_RULES: Mapping[str, FieldRule] = {
    "name": FieldRule(source="title"),
    "description": FieldRule(source="description_html"),
    "short_description": FieldRule(constant=""),
    "status": FieldRule(source="woo_status"),
    "slug": FieldRule(source="handle"),
    "brand": FieldRule(source="vendor"),
    "sku": FieldRule(source="sku"),
    "regular_price": FieldRule(source="regular_price"),
    "sale_price": FieldRule(source="sale_price"),
    "weight": FieldRule(source="weight_grams"),
    "manage_stock": FieldRule(source="manage_stock"),
    "stock_quantity": FieldRule(source="stock_quantity"),
}


def product_fields(product: Product) -> dict[str, Any]:
    """The source fields a product-level rule may read (`raw.a.b` reads the raw payload too)."""
    return {
        "source_id": product.source_id,
        "title": product.title,
        "description_html": product.description_html,
        "handle": product.handle,
        "vendor": product.vendor,
        "product_type": product.product_type,
        "status": product.status.value,
        "woo_status": STATUSES[product.status],
        "tags": ", ".join(product.tags),
        "created_at": product.created_at.isoformat() if product.created_at else None,
        "updated_at": product.updated_at.isoformat(),
    }


def variant_fields(product: Product, variant: Variant) -> dict[str, Any]:
    """The source fields an item-level rule may read: the variant's over the product's."""
    on_sale = (
        variant.compare_at_price is not None
        and variant.price is not None
        and variant.compare_at_price > variant.price
    )
    return {
        **product_fields(product),
        "variant_id": variant.source_id,
        "sku": variant.sku,
        "price": variant.price,
        "compare_at_price": variant.compare_at_price,
        # WooCommerce's regular price is the higher "was" price when the item is on sale.
        "regular_price": variant.compare_at_price if on_sale else variant.price,
        "sale_price": variant.price if on_sale else None,
        "cost": variant.cost,
        "barcode": variant.barcode,
        "weight_grams": variant.weight_grams,
        "manage_stock": variant.manage_stock,
        "stock_quantity": variant.stock_quantity if variant.manage_stock else None,
        **{f"option.{name}": value for name, value in variant.option_values},
    }


def _lookup(fields: Mapping[str, Any], raw: Mapping[str, Any], source: str) -> Any:
    if source.startswith("raw."):
        value: Any = raw
        for part in source[4:].split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        return value
    return fields.get(source)


def _evaluate(rule: FieldRule, fields: Mapping[str, Any], raw: Mapping[str, Any]) -> Any:
    value = rule.constant if rule.source is None else _lookup(fields, raw, rule.source)
    for transform in rule.transforms:
        value = apply_transform(transform, value, fields)
    return value


def _money(value: Any) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


class Mapper:
    """Applies the default mapping overridden by a definition's rules."""

    def __init__(self, spec: MappingSpec, source_prefix: str) -> None:
        self.rules = {**DEFAULT_RULES, **spec.fields}
        self.source_prefix = source_prefix  # "shopify:mystore" — makes source keys unique per store

    def key(self, source_id: str) -> str:
        return f"{self.source_prefix}:{source_id}"

    def _item(self, product: Product, variant: Variant) -> dict[str, Any]:
        fields = variant_fields(product, variant)
        values = {name: _evaluate(self.rules[name], fields, product.raw) for name in WOO_ITEM_FIELDS}
        return {
            "sku": _text(values["sku"]),
            "regular_price": _money(values["regular_price"]),
            "sale_price": _money(values["sale_price"]),
            "weight_grams": _money(values["weight"]),
            "manage_stock": bool(values["manage_stock"]),
            "stock_quantity": None if values["stock_quantity"] is None else int(values["stock_quantity"]),
        }

    def map(self, product: Product) -> WooProduct:
        fields = product_fields(product)
        values = {name: _evaluate(self.rules[name], fields, product.raw) for name in WOO_PRODUCT_FIELDS}
        attributes = [WooAttribute(option.name, option.values, True) for option in product.options]
        if values["brand"]:
            attributes.append(WooAttribute(BRAND_ATTRIBUTE, (str(values["brand"]),), False))
        variations: tuple[WooVariation, ...] = ()
        item: dict[str, Any] = {}
        if product.is_variable:
            variations = tuple(
                WooVariation(
                    source_key=self.key(f"{product.source_id}/{variant.source_id}"),
                    image_src=variant.image.src if variant.image else None,
                    options=variant.option_values,
                    **self._item(product, variant),
                )
                for variant in product.variants
            )
        elif product.variants:
            item = self._item(product, product.variants[0])
        return WooProduct(
            source_key=self.key(product.source_id),
            name=str(values["name"] or ""),
            description=str(values["description"] or ""),
            short_description=str(values["short_description"] or ""),
            status=str(values["status"]),
            slug=_text(values["slug"]),
            category_paths=tuple(category.path for category in product.categories),
            tags=product.tags,
            images=tuple((image.src, image.alt) for image in product.images),
            attributes=tuple(attributes),
            variations=variations,
            meta_data=tuple(
                (f"{field.namespace}.{field.key}" if field.namespace else field.key, field.value)
                for field in product.custom_fields
            ),
            sku=item.get("sku"),
            regular_price=item.get("regular_price"),
            sale_price=item.get("sale_price"),
            weight_grams=item.get("weight_grams"),
            manage_stock=item.get("manage_stock", False),
            stock_quantity=item.get("stock_quantity"),
        )
