"""Creating and updating products as WC_REST_Products_Controller::prepare_object_for_database()
and WC_Product_Data_Store_CPT::create()/update() do, checks first so a refused write leaves
nothing behind.
https://github.com/woocommerce/woocommerce/blob/trunk/plugins/woocommerce/includes/rest-api/Controllers/Version3/class-wc-rest-products-controller.php
"""

from __future__ import annotations

import copy
from dataclasses import fields
from typing import Any

from sandbox.woocommerce import posts
from sandbox.woocommerce.database import (
    CATEGORY,
    DEFAULT_CATEGORY_ID,
    TAG,
    Database,
    Post,
    attribute_taxonomy,
)
from sandbox.woocommerce.errors import WooError, invalid_id
from sandbox.woocommerce.terms import find_or_create, named
from sandbox.woocommerce.text import post_text, sanitize_text_field, sanitize_title

# wp_insert_post(): drafts keep an empty (or non-unique) slug until they are published.
UNPUBLISHED = ("draft", "pending", "auto-draft")
VARIATION_ENDPOINT = (
    "To manipulate product variations you should use the "
    "/products/&lt;product_id&gt;/variations/&lt;id&gt; endpoint."
)
_FLAGS = (
    "featured",
    "catalog_visibility",
    "virtual",
    "tax_status",
    "tax_class",
    "reviews_allowed",
    "sold_individually",
    "menu_order",
    "parent_id",
    "downloadable",
)


def create(db: Database, params: dict[str, Any]) -> Post:
    if params.get("id"):
        raise WooError("woocommerce_rest_product_exists", "Cannot create existing product.", 400)
    draft = Post(id=0, kind="product")
    _apply(db, draft, params, creating=True)
    draft.id = db.new_post_id()
    db.add_post(draft)
    return draft


def update(db: Database, post: Post | None, params: dict[str, Any]) -> Post:
    if post is None:
        raise invalid_id("product", 400)
    if post.kind == "variation":
        raise WooError("woocommerce_rest_invalid_product_id", VARIATION_ENDPOINT, 404)
    draft = copy.deepcopy(post)
    _apply(db, draft, params, creating=False)
    with db.changing(post):
        for slot in fields(Post):
            setattr(post, slot.name, getattr(draft, slot.name))
    return post


def _apply(db: Database, post: Post, params: dict[str, Any], creating: bool) -> None:
    # Everything that can refuse the write comes first.
    sku = posts.check_sku(db, post, params)
    wanted_images = posts.check_images(db, params["images"], "product") if "images" in params else None
    if "type" in params:
        post.type = params["type"]
    for name in ("name", "description", "short_description", "purchase_note"):
        if name in params:
            setattr(post, name, post_text(params[name]))
    if "status" in params:
        post.status = params["status"]
    if "slug" in params:
        post.slug = sanitize_title(params["slug"])
    for name in _FLAGS:
        if name in params:
            setattr(post, name, params[name])
    posts.set_shipping(post, params)
    if sku is not None:
        post.sku = sku
    if "attributes" in params:
        post.attributes = _attributes(db, params["attributes"])
    if post.type in ("variable", "grouped"):
        posts.clear_prices(post)
    else:
        posts.set_prices(post, params)
    _stock(post, params)
    for name in ("upsell_ids", "cross_sell_ids"):
        if name in params:
            setattr(post, name, [item for item in params[name] if item and item > 0])
    if isinstance(params.get("categories"), list):
        post.category_ids = _term_ids(params["categories"])
    if isinstance(params.get("tags"), list):
        post.tag_ids = _tags(db, params["tags"])
    posts.set_downloads(post, params)
    if post.type == "external":
        post.external_url = params.get("external_url", post.external_url)
        post.button_text = params.get("button_text", post.button_text)
    if post.type == "variable" and isinstance(params.get("default_attributes"), list):
        post.default_attributes = _default_attributes(db, post, params["default_attributes"])
    if post.type == "grouped" and "grouped_products" in params:
        post.grouped_products = list(params["grouped_products"])
    if wanted_images is not None:
        post.image_ids = posts.place_images(db, wanted_images)
    if isinstance(params.get("meta_data"), list):
        posts.update_meta(db, post, params["meta_data"])
    posts.stamp(post, params, creating)
    _save(db, post)


def _stock(post: Post, params: dict[str, Any]) -> None:
    """The stock branch of prepare_object_for_database() (stock management switched on)."""
    if "manage_stock" in params:
        post.manage_stock = params["manage_stock"]
    if "backorders" in params:
        post.backorders = params["backorders"]
    stock_status = params.get("stock_status", post.stock_status)
    if post.type in ("grouped", "external"):
        post.manage_stock = False
        post.stock_status = "instock" if post.type == "external" else stock_status
    elif post.manage_stock:
        if post.type != "variable":
            post.stock_status = stock_status
        posts.set_stock_quantity(post, params)
    else:
        post.stock_status = stock_status
    posts.settle_stock(post)


def _save(db: Database, post: Post) -> None:
    """What WC_Product_Data_Store_CPT and wp_insert_post() add on save."""
    if not post.name:
        post.name = "Product"
    # The default category ("Uncategorized") for a product left without one; unknown ids dropped.
    post.category_ids = [term_id for term_id in post.category_ids if db.term(term_id, CATEGORY)]
    post.tag_ids = [term_id for term_id in post.tag_ids if db.term(term_id, TAG)]
    if not post.category_ids and db.term(DEFAULT_CATEGORY_ID, CATEGORY):
        post.category_ids = [DEFAULT_CATEGORY_ID]
    if post.status not in UNPUBLISHED and post.status != "trash":
        post.slug = unique_slug(db, post.id, post.slug or sanitize_title(post.name))


def unique_slug(db: Database, post_id: int, slug: str) -> str:
    """wp_unique_post_slug(): `shirt`, then `shirt-2`, `shirt-3`..."""
    slug = slug or str(post_id)
    owner = db.product_slugs.get(slug)
    if owner is None or owner == post_id:
        return slug
    suffix = 2
    while db.product_slugs.get(f"{slug}-{suffix}") not in (None, post_id):
        suffix += 1
    return f"{slug}-{suffix}"


def _term_ids(refs: list[Any]) -> list[int]:
    """wp_list_pluck($terms, 'id'): entries without an id are skipped."""
    ids = [abs(int(ref["id"])) for ref in refs if isinstance(ref, dict) and ref.get("id") is not None]
    return list(dict.fromkeys(term_id for term_id in ids if term_id))


def _tags(db: Database, refs: list[Any]) -> list[int]:
    """Tags by id, or by name: an existing tag (by slug, then name) or a new one."""
    ids = []
    for ref in refs:
        if not isinstance(ref, dict):
            continue
        if ref.get("name") is None:
            ids.extend(_term_ids([ref]))
        elif sanitize_text_field(str(ref["name"])):
            ids.append(find_or_create(db, TAG, str(ref["name"])).id)
    return list(dict.fromkeys(ids))


def _options(raw: Any) -> list[str]:
    """Attribute options: a list, or one string split on `|` (WC_DELIMITER); trimmed, no blanks."""
    values = raw if isinstance(raw, list) else str(raw).split("|")
    cleaned = []
    for value in values:
        cleaned.extend(part.strip() for part in str(value).split("|"))
    return [value for value in cleaned if value]


def attribute_key(db: Database, attribute: dict[str, Any]) -> str:
    """How WooCommerce keys a product attribute: `pa_<slug>` when global, else its sanitized name."""
    if attribute["id"]:
        global_attribute = db.attributes.get(attribute["id"])
        return f"pa_{global_attribute.slug}" if global_attribute else ""
    return sanitize_title(attribute["name"])


def _attributes(db: Database, wanted: list[Any]) -> list[dict[str, Any]]:
    """Global attributes (by id) take term names as options, creating missing terms; local ones
    (by name) keep their values. The sandbox drops attributes with an unknown id."""
    keyed: dict[str, dict[str, Any]] = {}
    for raw in wanted:
        if not isinstance(raw, dict):
            continue
        attribute_id = abs(int(raw.get("id") or 0))
        name = sanitize_text_field(str(raw.get("name") or ""))
        if attribute_id and attribute_id not in db.attributes:
            continue
        if not attribute_id and (not name or "options" not in raw):
            continue
        options: list[Any] = _options(raw.get("options", []))
        if attribute_id:
            taxonomy = attribute_taxonomy(attribute_id)
            options = list(dict.fromkeys(find_or_create(db, taxonomy, value).id for value in options))
            if not options:
                continue
        attribute = {
            "id": attribute_id,
            "name": "" if attribute_id else name,
            "options": options,
            "position": abs(int(raw.get("position") or 0)),
            "visible": bool(raw.get("visible")),
            "variation": bool(raw.get("variation")),
        }
        keyed[attribute_key(db, attribute)] = attribute
    return sorted(keyed.values(), key=lambda attribute: attribute["position"])


def _default_attributes(db: Database, post: Post, wanted: list[Any]) -> list[dict[str, Any]]:
    """save_default_attributes(): only variation attributes of the product; a global one's
    option is stored as its term slug."""
    by_key = {attribute_key(db, attribute): attribute for attribute in post.attributes}
    defaults = []
    for raw in wanted:
        if not isinstance(raw, dict):
            continue
        attribute_id = abs(int(raw.get("id") or 0))
        if attribute_id:
            key = attribute_key(db, {"id": attribute_id})
        else:
            key = sanitize_title(str(raw.get("name") or ""))
        attribute = by_key.get(key)
        if not key or attribute is None or not attribute["variation"]:
            continue
        option = option_value(db, attribute["id"], str(raw.get("option") or ""))
        if option:
            defaults.append({"id": attribute["id"], "key": key, "option": option})
    return defaults


def option_value(db: Database, attribute_id: int, option: str) -> str:
    """A variation's or a default's value: a global attribute's term slug (by name), else as sent."""
    option = sanitize_text_field(option)
    if not attribute_id:
        return option
    found = named(db, attribute_taxonomy(attribute_id), option)
    return found[0].slug if found else sanitize_title(option)
