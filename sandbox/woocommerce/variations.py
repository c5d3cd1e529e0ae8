"""Creating and updating variations as WC_REST_Product_Variations_Controller does.

A variation's attributes are matched against its parent's *variation* attributes (others are
silently skipped); a global attribute's option is stored as its term slug. The parent's price,
stock status and `variations` list follow its children (see render.py).
https://github.com/woocommerce/woocommerce/blob/trunk/plugins/woocommerce/includes/rest-api/Controllers/Version3/class-wc-rest-product-variations-controller.php
"""

from __future__ import annotations

import copy
from dataclasses import fields
from typing import Any

from sandbox.woocommerce import posts
from sandbox.woocommerce.database import Database, Post
from sandbox.woocommerce.errors import WooError, invalid_id
from sandbox.woocommerce.products import attribute_key, option_value
from sandbox.woocommerce.text import post_text, sanitize_title

KIND = "product_variation"


def parent_of(db: Database, product_id: int) -> Post:
    """The variable product a variation route names. WooCommerce only checks the parent when
    attributes are set; the sandbox refuses every write under a missing parent the same way."""
    parent = db.posts.get(product_id)
    if parent is None or parent.kind != "product":
        raise WooError(
            f"woocommerce_rest_{KIND}_invalid_parent",
            "Cannot set attributes due to invalid parent product.",
            404,
        )
    return parent


def create(db: Database, parent: Post, params: dict[str, Any]) -> Post:
    if params.get("id"):
        raise WooError(f"woocommerce_rest_{KIND}_exists", f"Cannot create existing {KIND}.", 400)
    draft = Post(id=0, kind="variation", parent_id=parent.id, type="variation")
    _apply(db, parent, draft, params, creating=True)
    draft.id = db.new_post_id()
    db.add_post(draft)
    db.touch(parent.id)
    return draft


def update(db: Database, parent: Post, variation: Post | None, params: dict[str, Any]) -> Post:
    if variation is None or variation.kind != "variation":
        raise invalid_id(KIND, 400)
    if variation.parent_id != parent.id:
        raise WooError(
            "woocommerce_rest_cannot_edit", "Parent product does not match current variation.", 401
        )
    draft = copy.deepcopy(variation)
    _apply(db, parent, draft, params, creating=False)
    with db.changing(variation):
        for slot in fields(Post):
            setattr(variation, slot.name, getattr(draft, slot.name))
    db.touch(parent.id)
    return variation


def _apply(db: Database, parent: Post, variation: Post, params: dict[str, Any], creating: bool) -> None:
    sku = posts.check_sku(db, variation, params)
    image = params.get("image")
    # set_variation_image(): an image with neither id nor src just removes the variation's image.
    keeps_image = isinstance(image, dict) and (image.get("id") or image.get("src") is not None)
    wanted_image = posts.check_images(db, [image], "variation") if keeps_image else None
    if "status" in params:
        variation.status = params["status"]
    if sku is not None:
        variation.sku = sku
    for name in ("virtual", "downloadable", "tax_class"):
        if name in params:
            setattr(variation, name, params[name])
    posts.set_downloads(variation, params)
    posts.set_shipping(variation, params)
    for name in ("manage_stock", "stock_status", "backorders"):
        if name in params:
            setattr(variation, name, params[name])
    if variation.manage_stock:
        posts.set_stock_quantity(variation, params)
    posts.set_prices(variation, params)
    if "description" in params:
        variation.description = post_text(params["description"])
    if isinstance(params.get("attributes"), list):
        variation.variation_attributes = _attributes(db, parent, params["attributes"])
    if params.get("menu_order"):  # WooCommerce tests it for truth, so 0 never resets it
        variation.menu_order = params["menu_order"]
    if isinstance(params.get("meta_data"), list):
        posts.update_meta(db, variation, params["meta_data"])
    if "image" in params:
        variation.image_ids = posts.place_images(db, wanted_image) if wanted_image else []
    posts.settle_stock(variation)
    posts.stamp(variation, params, creating)


def _attributes(db: Database, parent: Post, wanted: list[Any]) -> list[dict[str, Any]]:
    by_key = {attribute_key(db, attribute): attribute for attribute in parent.attributes}
    chosen: dict[str, dict[str, Any]] = {}
    for raw in wanted:
        if not isinstance(raw, dict):
            continue
        attribute_id = abs(int(raw.get("id") or 0))
        key = (
            attribute_key(db, {"id": attribute_id})
            if attribute_id
            else sanitize_title(str(raw.get("name") or ""))
        )
        attribute = by_key.get(key)
        if not key or attribute is None or not attribute["variation"]:
            continue
        option = option_value(db, attribute["id"], str(raw.get("option") or ""))
        chosen[key] = {"id": attribute["id"], "key": key, "option": option}
    return list(chosen.values())
