"""Catalog objects as the source values of Shopify Admin GraphQL objects.

Each value is a dict keyed by schema field name, read by the endpoint's field resolver; a field
that takes arguments (a connection, `metafield(namespace:, key:)`) is a callable taking them. A
field missing here is answered by the schema-wide fallback (graphql_schema.resolve_field), so
these dicts hold only what the catalog knows. Shapes and formats follow live Admin API answers:
DateTime in UTC with whole seconds ("2026-06-21T23:46:15Z"), Money as two-decimal strings
("1.00"), Decimal amounts trimmed ("5.0"), `legacyResourceId` a string, a missing SKU null
(github.com/airhorns/shopify-draft-proxy fixtures/conformance, 2025-01 captures). Ids agree with
the REST endpoints (sandbox/shopify/rest.py, ids.py).
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sandbox.catalog import Image, Metafield, Product, Variant
from sandbox.shopify import ids, rest
from sandbox.shopify.graphql_paging import listed

Node = dict[str, Any]
TAG = re.compile(r"<[^>]*>")
SPACE = re.compile(r"\s+")
# Ids of things `ids` does not number: one per (option, value) under the option's own id.
OPTION_VALUE_SLOTS = 1000


@functools.lru_cache(maxsize=4096)
def datetime_text(moment: datetime | None) -> str | None:
    """`2026-06-21T23:46:15Z`: GraphQL DateTime is UTC with whole seconds."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def decimal_text(amount: Decimal) -> str:
    """Decimal scalars drop trailing zeros but keep one decimal: "5.0", "30.03"."""
    text = format(amount.normalize(), "f")
    return text if "." in text else text + ".0"


def money_v2(amount: Decimal) -> Node:
    return {"amount": decimal_text(amount), "currencyCode": rest.CURRENCY}


def plain_text(markup: str, truncate_at: int | None = None) -> str:
    """`description`: "stripped of HTML tags, single line"; truncated with an ellipsis."""
    text = SPACE.sub(" ", html.unescape(TAG.sub(" ", markup))).strip()
    if truncate_at is not None and len(text) > truncate_at:
        return text[: max(0, truncate_at - 3)].rstrip() + "..."
    return text


def count(number: int) -> Node:
    return {"count": number, "precision": "EXACT"}


class ProductView:
    """One product rendered: its node and the nodes under it, for lookups by id."""

    def __init__(self, product: Product, collection: Callable[[int], Node]) -> None:
        self.product = product
        number = ids.product_id(product.key)
        created, updated = datetime_text(product.created_at), datetime_text(product.updated_at)
        self.stamps = {"createdAt": created, "updatedAt": updated}
        self.images = [self._image(image) for image in product.images]
        self.media = [
            self._media(image, node) for image, node in zip(product.images, self.images, strict=True)
        ]
        self.options = self._options()
        tracked = [v for v in product.variants if v.inventory_tracked]
        prices = [v.price or Decimal(0) for v in product.variants]
        self.metafields = [self._metafield(index, field) for index, field in enumerate(product.metafields)]
        self.node: Node = {
            "__typename": "Product",
            "id": ids.gid("Product", number),
            "legacyResourceId": str(number),
            "title": product.title,
            "handle": product.handle,
            "descriptionHtml": product.body_html,
            "description": lambda truncateAt=None: plain_text(product.body_html, truncateAt),
            "vendor": product.vendor,
            "productType": product.product_type,
            "status": product.status.upper(),
            "tags": list(product.tags),
            **self.stamps,
            "publishedAt": datetime_text(product.published_at),
            "totalInventory": sum(v.inventory_quantity for v in tracked),
            "tracksInventory": bool(tracked),
            "hasOnlyDefaultVariant": product.is_simple,
            "hasOutOfStockVariants": any(v.inventory_quantity <= 0 for v in tracked),
            "isGiftCard": False,
            "templateSuffix": None,
            "options": lambda first=None: self.options[:first] if first is not None else self.options,
            "priceRangeV2": {
                "minVariantPrice": money_v2(min(prices)),
                "maxVariantPrice": money_v2(max(prices)),
            },
            "featuredImage": self.images[0] if self.images else None,
            "featuredMedia": self.media[0] if self.media else None,
            "images": listed(self.images, _number, lambda node: node),
            "media": listed(self.media, _number, lambda node: node),
            "mediaCount": count(len(self.media)),
            "collections": listed(product.category_keys, lambda key: key, collection),
            "metafield": self._metafield_named,
            "metafields": self._metafields_connection,
            "seo": {"title": None, "description": None},
        }
        self.variants = [self._variant(variant) for variant in product.variants]
        self.node["variants"] = listed(self.variants, _number, lambda node: node)
        self.node["variantsCount"] = count(len(self.variants))

    # -- pieces ------------------------------------------------------------------------------
    def _image(self, image: Image) -> Node:
        src = rest.image_src(image, self.product)
        return {
            "__typename": "Image",
            "id": ids.gid("ProductImage", ids.image_id(image.key)),
            "url": src,
            "src": src,
            "originalSrc": src,
            "transformedSrc": src,
            "altText": image.alt or None,
            "width": image.width,
            "height": image.height,
        }

    def _media(self, image: Image, picture: Node) -> Node:
        return {
            "__typename": "MediaImage",
            "id": ids.gid("MediaImage", ids.image_id(image.key)),
            "alt": image.alt,
            "mediaContentType": "IMAGE",
            "status": "READY",
            "fileStatus": "READY",
            "mimeType": "image/jpeg",
            "image": picture,
            "preview": {"image": picture, "status": "READY"},
            "originalSource": {"url": picture["url"]},
            **self.stamps,
        }

    def _options(self) -> list[Node]:
        declared = [(o.name, list(o.values)) for o in self.product.options] or [
            (rest.DEFAULT_OPTION, [rest.DEFAULT_TITLE])
        ]
        options = []
        for position, (name, values) in enumerate(declared, start=1):
            number = ids.option_id(self.product.key, position)
            options.append(
                {
                    "__typename": "ProductOption",
                    "id": ids.gid("ProductOption", number),
                    "name": name,
                    "position": position,
                    "values": values,
                    "optionValues": [
                        {
                            "__typename": "ProductOptionValue",
                            "id": ids.gid("ProductOptionValue", number * OPTION_VALUE_SLOTS + index),
                            "name": value,
                            "hasVariants": True,
                            "linkedMetafieldValue": None,
                        }
                        for index, value in enumerate(values)
                    ],
                    "linkedMetafield": None,
                }
            )
        return options

    def _variant(self, variant: Variant) -> Node:
        number = ids.variant_id(variant.key)
        values = list(variant.option_values) or [rest.DEFAULT_TITLE]
        title = " / ".join(values)
        selected = [
            {"name": option["name"], "value": value, "optionValue": _option_value(option, value)}
            for option, value in zip(self.options, values, strict=False)
        ]
        image_index = variant.image_index
        media = [self.media[image_index]] if image_index is not None else []
        cost = variant.cost
        return {
            "__typename": "ProductVariant",
            "id": ids.gid("ProductVariant", number),
            "legacyResourceId": str(number),
            "title": title,
            "displayName": f"{self.product.title} - {title}",
            "sku": variant.sku,
            "barcode": variant.barcode,
            "price": rest.variant_price(variant),
            "compareAtPrice": rest.money(variant.compare_at_price),
            "position": variant.position,
            "inventoryQuantity": variant.inventory_quantity,
            # Overselling is what lets stock go below zero (as the REST endpoint reports it).
            "inventoryPolicy": "CONTINUE" if variant.inventory_quantity < 0 else "DENY",
            "availableForSale": self.product.status == "active"
            and (not variant.inventory_tracked or variant.inventory_quantity > 0),
            "taxable": True,
            "requiresComponents": False,
            "selectedOptions": selected,
            "image": self.images[image_index] if image_index is not None else None,
            "media": listed(media, _number, lambda node: node),
            "inventoryItem": {
                "__typename": "InventoryItem",
                "id": ids.gid("InventoryItem", ids.inventory_item_id(variant.key)),
                "legacyResourceId": str(ids.inventory_item_id(variant.key)),
                "sku": variant.sku,
                "tracked": variant.inventory_tracked,
                "requiresShipping": True,
                "measurement": {
                    "id": ids.gid("InventoryItemMeasurement", ids.inventory_item_id(variant.key)),
                    "weight": {"value": variant.grams / 1000, "unit": "KILOGRAMS"},
                },
                "unitCost": money_v2(cost) if cost is not None else None,
                **self.stamps,
            },
            **self.stamps,
            "product": self.node,
        }

    def _metafield(self, index: int, field: Metafield) -> Node:
        number = ids.metafield_id(self.product.key, index)
        return {
            "__typename": "Metafield",
            "id": ids.gid("Metafield", number),
            "legacyResourceId": str(number),
            "namespace": field.namespace,
            "key": field.key,
            "type": field.type,
            "value": field.value,
            "jsonValue": rest.metafield_value(field),
            "ownerType": "PRODUCT",
            "description": None,
            "compareDigest": hashlib.sha256(field.value.encode()).hexdigest(),
            **self.stamps,
        }

    def _metafield_named(self, key: str, namespace: str | None = None) -> Node | None:
        # "If omitted, the app-reserved namespace will be used" (the schema): the app has none here.
        return next((m for m in self.metafields if (m["namespace"], m["key"]) == (namespace, key)), None)

    def _metafields_connection(
        self, namespace: str | None = None, keys: list[str] | None = None, **args: Any
    ) -> Node:
        chosen = [
            m
            for m in self.metafields
            if (namespace is None or m["namespace"] == namespace)
            and (keys is None or f"{m['namespace']}.{m['key']}" in keys)
        ]
        return listed(chosen, _number, lambda node: node)(**args)


def _option_value(option: Node, value: str) -> Node:
    return next(v for v in option["optionValues"] if v["name"] == value)


def _number(node: Node) -> int:
    return int(node["id"].rsplit("/", 1)[1])
