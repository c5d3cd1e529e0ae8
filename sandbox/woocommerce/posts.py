"""What products and variations share when written: SKU, prices, stock, shipping, images,
meta data, and the save rules (stock status from quantity, trash, delete).

Each function mirrors a setter or a step of WC_REST_Products_Controller /
WC_REST_Product_Variations_Controller::prepare_object_for_database() and WC_Product's save.
https://github.com/woocommerce/woocommerce/blob/trunk/plugins/woocommerce/includes/abstracts/abstract-wc-product.php
"""

from __future__ import annotations

import hashlib
import time
from decimal import Decimal
from typing import Any

from sandbox.woocommerce import images
from sandbox.woocommerce.database import Database, Post
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.schema import is_numeric
from sandbox.woocommerce.text import format_decimal, sanitize_text_field
from sandbox.woocommerce.times import parse

# WooCommerce's default `woocommerce_notify_no_stock_amount`: at or below it, out of stock.
NO_STOCK_AMOUNT = 0


def check_sku(db: Database, post: Post, params: dict[str, Any]) -> str | None:
    """WC_Product::set_sku(): the cleaned SKU, or product_invalid_sku when another product or
    variation outside the trash has it (compared as MySQL does: no case, no accents)."""
    if "sku" not in params:
        return None
    sku = sanitize_text_field(params["sku"])
    owner = db.sku_owner(sku)
    if sku and owner is not None and owner != post.id:
        raise WooError(
            "product_invalid_sku",
            "Invalid or duplicated SKU.",
            400,
            resource_id=owner,
            unique_sku=unique_sku(db, post.id, sku),
        )
    return sku


def unique_sku(db: Database, post_id: int, sku: str) -> str:
    """wc_product_generate_unique_sku(): `sku-1`, `sku-2`... the first one free."""
    index = 1
    while db.sku_owner(f"{sku}-{index}") not in (None, post_id):
        index += 1
    return f"{sku}-{index}"


def check_images(db: Database, wanted: list[Any], kind: str) -> list[dict[str, Any]]:
    """The images to set, checked before anything is written: a bad `src` is
    `woocommerce_{kind}_image_upload_error`, an unknown `id` `woocommerce_{kind}_invalid_image_id`."""
    checked = []
    for image in wanted:
        if not image:  # array_filter() drops empty entries
            continue
        attachment_id = abs(int(image.get("id") or 0))
        if attachment_id == 0 and image.get("src") is not None:
            problem = images.check_src(str(image["src"]))
            if problem:
                raise WooError(f"woocommerce_{kind}_image_upload_error", problem.message, 400)
        elif attachment_id not in db.attachments:
            raise WooError(
                f"woocommerce_{kind}_invalid_image_id", f"#{attachment_id} is an invalid image ID.", 400
            )
        checked.append(image)
    return checked


def place_images(db: Database, checked: list[dict[str, Any]]) -> list[int]:
    """Upload the checked images that came by `src` and describe them all; their ids, in order."""
    ids = []
    for image in checked:
        attachment_id = abs(int(image.get("id") or 0))
        attachment = db.attachments[attachment_id] if attachment_id else images.upload(db, str(image["src"]))
        images.describe(attachment, image)
        ids.append(attachment.id)
    return ids


def set_prices(post: Post, params: dict[str, Any]) -> None:
    for name in ("regular_price", "sale_price"):
        if name in params:
            setattr(post, name, params[name].strip())
    for field, local_name in (("sale_from", "date_on_sale_from"), ("sale_to", "date_on_sale_to")):
        if local_name in params:
            setattr(post, field, parse(params[local_name]) if params[local_name] else None)
        if f"{local_name}_gmt" in params:
            value = params[f"{local_name}_gmt"]
            setattr(post, field, parse(value, is_gmt=True) if value else None)


def clear_prices(post: Post) -> None:
    """Variable and grouped products have no price of their own."""
    post.regular_price = post.sale_price = ""
    post.sale_from = post.sale_to = None


def set_shipping(post: Post, params: dict[str, Any]) -> None:
    """save_product_shipping_data(): weight and dimensions through wc_format_decimal()."""
    if "weight" in params:
        post.weight = format_decimal(params["weight"])
    dimensions = params.get("dimensions") or {}
    for name in ("length", "width", "height"):
        if isinstance(dimensions, dict) and dimensions.get(name) is not None:
            setattr(post, name, format_decimal(str(dimensions[name])))


def set_downloads(post: Post, params: dict[str, Any]) -> None:
    if not post.downloadable:
        return
    if isinstance(params.get("downloads"), list):
        post.downloads = [
            {
                "id": str(file.get("id") or hashlib.md5(str(file.get("file", "")).encode()).hexdigest()),
                "name": str(file.get("name", "")),
                "file": str(file.get("file", "")),
            }
            for file in params["downloads"]
            if isinstance(file, dict)
        ]
    for name in ("download_limit", "download_expiry"):
        if name in params:
            setattr(post, name, params[name])


def set_stock_quantity(post: Post, params: dict[str, Any]) -> None:
    if "stock_quantity" in params:
        post.stock_quantity = int(params["stock_quantity"])
    elif "inventory_delta" in params and is_numeric(params["inventory_delta"]):
        post.stock_quantity = (post.stock_quantity or 0) + int(float(params["inventory_delta"]))


def settle_stock(post: Post) -> None:
    """WC_Product::validate_props(): a managed stock decides the stock status; an unmanaged one
    has no quantity and no backorders."""
    if not post.manage_stock:
        post.stock_quantity = None
        post.backorders = "no"
        return
    if (post.stock_quantity or 0) > NO_STOCK_AMOUNT:
        post.stock_status = "instock"
    elif post.backorders != "no":
        post.stock_status = "onbackorder"
    else:
        post.stock_status = "outofstock"


def update_meta(db: Database, post: Post, entries: list[Any]) -> None:
    """WC_Data::update_meta_data() for each entry: by `id` when given, else the first entry with
    that key takes the value and its duplicates go; a `null` value deletes. Values are stored
    as WordPress post meta, so scalars read back as strings (5 -> "5", true -> "1")."""
    meta = [dict(entry) for entry in post.meta_data]
    for entry in entries:
        if not isinstance(entry, dict) or "key" not in entry:
            continue
        key, value = str(entry["key"]), _stored(entry.get("value"))
        if entry.get("id"):
            matches = [item for item in meta if item["id"] == entry["id"]][:1]
        else:
            matches = [item for item in meta if item["key"] == key]
        if matches:
            for duplicate in matches[1:]:
                duplicate["value"] = None
            matches[0].update(key=key, value=value)
        else:
            meta.append({"id": db.new_meta_id(), "key": key, "value": value})
    post.meta_data = [item for item in meta if item["value"] is not None]


def _stored(value: Any) -> Any:
    """What update_post_meta() then get_post_meta() give back for a value: scalars as strings,
    arrays and objects serialized whole (their numbers stay numbers)."""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, list | dict):
        return _plain(value)
    return value if value is None or isinstance(value, str) else str(value)


def _plain(value: Any) -> Any:
    """JSON numbers parsed as Decimal, back to int or float (as PHP's json_decode() gives them)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def stamp(post: Post, params: dict[str, Any], creating: bool) -> None:
    """Creation date (settable, site time or `_gmt`) and the modification date (now)."""
    now = time.time()
    if creating:
        post.created = now
    if params.get("date_created"):
        post.created = parse(params["date_created"]) or post.created
    if params.get("date_created_gmt"):
        post.created = parse(params["date_created_gmt"], is_gmt=True) or post.created
    post.modified = now


def trash(db: Database, post: Post) -> None:
    """wp_trash_post(): status `trash`, slug freed with `__trashed`; a product's variations go too."""
    with db.changing(post):
        post.status = "trash"
        if post.slug and not post.slug.endswith("__trashed"):
            post.slug += "__trashed"
        post.modified = time.time()
    for variation in db.variations(post.id) if post.kind == "product" else ():
        if variation.status != "trash":
            trash(db, variation)
    db.touch(post.parent_id)


def delete(db: Database, post: Post) -> None:
    """Delete for good; a product's variations with it."""
    for variation in db.variations(post.id) if post.kind == "product" else ():
        db.remove_post(variation)
    db.remove_post(post)
    db.touch(post.parent_id)
