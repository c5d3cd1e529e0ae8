"""Mapped products as WooCommerce JSON: pure functions, values in and values out.

Prices go out as strings with two decimals, stock as integers, weights in the store's unit (from
grams), categories, tags and global attributes by id, images by `src` (or by the id of the
attachment already uploaded from that file), and the source key as the `_ferry_source` meta.
https://woocommerce.github.io/woocommerce-rest-api-docs/#product-properties
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import unquote, urlsplit

from connectors.woocommerce.model import GROUPS, SOURCE_META, WooAttribute, WooProduct, WooVariation
from connectors.woocommerce.taxonomy import Lookups

# The group (WriteItem.update_groups) each Woo field belongs to; an update sends only its groups'.
FIELD_GROUPS: Mapping[str, str] = {
    "name": "content",
    "description": "content",
    "short_description": "content",
    "slug": "content",
    "sku": "content",
    "weight": "content",
    "meta_data": "content",
    "regular_price": "prices",
    "sale_price": "prices",
    "manage_stock": "stock",
    "stock_quantity": "stock",
    "images": "images",
    "image": "images",
    "categories": "categories",
    "tags": "categories",
    "type": "attributes",
    "attributes": "attributes",
    "status": "status",
}

GRAMS_PER_UNIT: Mapping[str, Decimal] = {
    "g": Decimal(1),
    "kg": Decimal(1000),
    "lbs": Decimal("453.59237"),
    "oz": Decimal("28.349523125"),
}


def money(value: Decimal | None) -> str:
    """ "21.99"; "" clears the price (a sale that ended)."""
    return "" if value is None else str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def weight(grams: Decimal | None, unit: str) -> str:
    """Grams in the store's weight unit, to 4 decimals without trailing zeros ("0.25")."""
    if grams is None:
        return ""
    value = (grams / GRAMS_PER_UNIT[unit]).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return format(value.normalize(), "f")


def source_meta(source_key: str) -> dict[str, str]:
    return {"key": SOURCE_META, "value": source_key}


def product_payload(
    product: WooProduct,
    lookups: Lookups,
    unit: str,
    groups: frozenset[str] = GROUPS,
    images: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The fields of `groups` (all of them for a create). `images` are the image references to
    send (image_refs()); by default every image goes by `src`."""
    payload: dict[str, Any] = {
        "name": product.name,
        "status": product.status,
        "description": product.description,
        "short_description": product.short_description,
        "sku": product.sku or "",
        "weight": weight(product.weight_grams, unit),
        "manage_stock": product.manage_stock,
        "meta_data": [
            *({"key": k, "value": v} for k, v in product.meta_data),
            source_meta(product.source_key),
        ],
    }
    if "images" in groups:
        payload["images"] = list(images if images is not None else image_refs(product.images, ()))
    if "categories" in groups:
        payload["categories"] = [
            {"id": i} for i in dict.fromkeys(map(lookups.category, product.category_paths))
        ]
        payload["tags"] = [{"id": i} for i in dict.fromkeys(map(lookups.tag, product.tags))]
    if "attributes" in groups:
        payload["type"] = "variable" if product.is_variable else "simple"
        payload["attributes"] = [attribute_payload(a, n, lookups) for n, a in enumerate(product.attributes)]
    if not product.is_variable:
        # A variable product's prices are its variations'.
        payload["regular_price"] = money(product.regular_price)
        payload["sale_price"] = money(product.sale_price)
    if product.stock_quantity is not None:
        payload["stock_quantity"] = product.stock_quantity
    if product.slug:
        payload["slug"] = product.slug
    return _restrict(payload, groups, product.source_key)


def attribute_payload(attribute: WooAttribute, position: int, lookups: Lookups) -> dict[str, Any]:
    """A global attribute by id, a local one by name (lookups.attribute() is None)."""
    attribute_id = lookups.attribute(attribute.name)
    return {
        **({"name": attribute.name} if attribute_id is None else {"id": attribute_id}),
        "position": position,
        "visible": True,
        "variation": attribute.variation,
        "options": list(attribute.options),
    }


def variation_payload(
    variation: WooVariation,
    lookups: Lookups,
    unit: str,
    image_ids: Mapping[str, int],
    groups: frozenset[str] = GROUPS,
) -> dict[str, Any]:
    """The fields of `groups`; the image by the product's attachment id when the product already
    has that picture, so it is not uploaded twice."""
    payload: dict[str, Any] = {
        "sku": variation.sku or "",
        "regular_price": money(variation.regular_price),
        "sale_price": money(variation.sale_price),
        "manage_stock": variation.manage_stock,
        "weight": weight(variation.weight_grams, unit),
        "meta_data": [source_meta(variation.source_key)],
    }
    if "attributes" in groups:
        payload["attributes"] = [
            {
                **({"name": name} if lookups.attribute(name) is None else {"id": lookups.attribute(name)}),
                "option": option,
            }
            for name, option in variation.options
        ]
    if variation.stock_quantity is not None:
        payload["stock_quantity"] = variation.stock_quantity
    if variation.image_src:
        src = variation.image_src
        payload["image"] = {"id": image_ids[src]} if src in image_ids else {"src": src}
    return _restrict(payload, groups, variation.source_key)


def _restrict(payload: Mapping[str, Any], groups: frozenset[str], source_key: str) -> dict[str, Any]:
    """Only the fields of the groups an update may touch; the source meta always rides along."""
    kept = {name: value for name, value in payload.items() if FIELD_GROUPS[name] in groups}
    kept.setdefault("meta_data", [source_meta(source_key)])
    return kept


# -- images ---------------------------------------------------------------------------------------
NOT_A_WORD = re.compile(r"[^a-z0-9]+")
# What WordPress appends to a file name it keeps: a number when the name is taken (`shirt-1.jpg`,
# wp_unique_filename), `-scaled` for a big picture it scaled down (since WordPress 5.3).
UPLOAD_SUFFIX = re.compile(r"(-\d+)?(-scaled)?")


def file_stem(url: str) -> str:
    """A picture's file name without extension, as words: what survives WordPress's upload."""
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return NOT_A_WORD.sub("-", stem.lower()).strip("-")


def is_upload_of(src: str, uploaded: str) -> bool:
    """Whether the attachment at `uploaded` came from `src`: the same file name, maybe with the
    suffix WordPress adds."""
    stem, kept = file_stem(src), file_stem(uploaded)
    return bool(stem) and kept.startswith(stem) and UPLOAD_SUFFIX.fullmatch(kept, len(stem)) is not None


def image_refs(
    wanted: Sequence[tuple[str, str]], current: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The images to send: the id of a picture the product already has from the same file, else
    the `src` to upload. WooCommerce uploads every `src` again as a new attachment and answers with
    its own URL, never the one sent (wc_rest_upload_image_from_url), so an update that sent every
    `src` would fill the media library with copies:
    https://github.com/woocommerce/woocommerce/blob/trunk/plugins/woocommerce/includes/wc-rest-functions.php
    """
    free = [image for image in current if image.get("id")]
    refs = []
    for src, alt in wanted:
        match = next((image for image in free if is_upload_of(src, str(image.get("src") or ""))), None)
        if match is not None:
            free.remove(match)
        ref: dict[str, Any] = {"id": int(match["id"])} if match is not None else {"src": src}
        if alt:
            ref["alt"] = alt
        refs.append(ref)
    return refs


def image_ids(wanted: Sequence[tuple[str, str]], answered: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """src -> attachment id, for the product's pictures WooCommerce now holds."""
    return {
        src: ref["id"]
        for (src, _), ref in zip(wanted, image_refs(wanted, answered), strict=True)
        if "id" in ref
    }
