"""Global product attributes (`pa_*` taxonomies) as wc_create_attribute() and friends keep them.

Slugs are at most 28 characters, must not be WordPress reserved query words, and must be
unique; the REST controller wraps every such refusal as `woocommerce_rest_cannot_create` (or
`_edit`) with status 400. The list route is not paginated.
https://github.com/woocommerce/woocommerce/blob/trunk/plugins/woocommerce/includes/wc-attribute-functions.php
https://github.com/woocommerce/woocommerce/blob/trunk/plugins/woocommerce/includes/rest-api/Controllers/Version1/class-wc-rest-product-attributes-v1-controller.php
"""

from __future__ import annotations

from typing import Any

from sandbox.woocommerce import terms
from sandbox.woocommerce.database import Attribute, Database, attribute_taxonomy
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.text import remove_accents

MAX_SLUG_LENGTH = 28
# wc_check_if_attribute_name_is_reserved(): WordPress's public query variables.
_RESERVED_WORDS = (
    "attachment attachment_id author author_name calendar cat category category__and category__in "
    "category__not_in category_name comments_per_page comments_popup customize_messenger_channel "
    "customized cpage day debug error exact feed hour link_category m minute monthnum more name "
    "nav_menu nonce nopaging offset order orderby p page page_id paged pagename pb perm post "
    "post__in post__not_in post_format post_mime_type post_status post_tag post_type posts "
    "posts_per_archive_page posts_per_page preview robots s search second sentence showposts "
    "static subpost subpost_id tag tag__and tag__in tag__not_in tag_id tag_slug__and tag_slug__in "
    "taxonomy tb term theme type w withcomments withoutcomments year"
)
RESERVED = frozenset(_RESERVED_WORDS.split())


def sanitize_taxonomy_name(text: str) -> str:
    """wc_sanitize_taxonomy_name(): lowercase, accents off, spaces to dashes, `pa_` dropped."""
    name = remove_accents(text).lower().strip()
    name = "".join(char for char in name if char.isalnum() or char in " _-")
    name = "-".join(name.split())
    return name[3:] if name.startswith("pa_") else name


def _slug_problem(db: Database, slug: str, attribute_id: int) -> str | None:
    if len(slug.encode()) > MAX_SLUG_LENGTH:
        return f'Slug "{slug}" is too long (28 characters max). Shorten it, please.'
    if slug in RESERVED:
        return f'Slug "{slug}" is not allowed because it is a reserved term. Change it, please.'
    if any(other.slug == slug and other.id != attribute_id for other in db.attributes.values()):
        return f'Slug "{slug}" is already in use. Change it, please.'
    return None


def create(db: Database, params: dict[str, Any]) -> Attribute:
    name = str(params.get("name") or "")
    if not name:
        raise WooError("woocommerce_rest_cannot_create", "Please, provide an attribute name.", 400)
    slug = sanitize_taxonomy_name(str(params.get("slug") or "") or name)
    problem = _slug_problem(db, slug, 0)
    if problem:
        raise WooError("woocommerce_rest_cannot_create", problem, 400)
    attribute = Attribute(
        db.next_attribute_id, name, slug, params["type"], params["order_by"], bool(params["has_archives"])
    )
    db.next_attribute_id += 1
    db.attributes[attribute.id] = attribute
    db.epoch += 1
    db.changed()
    return attribute


def update(db: Database, attribute: Attribute, params: dict[str, Any]) -> None:
    slug = sanitize_taxonomy_name(str(params["slug"])) if params.get("slug") else attribute.slug
    problem = _slug_problem(db, slug, attribute.id)
    if problem:
        raise WooError("woocommerce_rest_cannot_edit", problem, 400)
    attribute.slug = slug
    if params.get("name"):
        attribute.name = str(params["name"])
    for name in ("type", "order_by", "has_archives"):
        if name in params:
            setattr(attribute, name, params[name])
    db.epoch += 1
    db.changed()


def delete(db: Database, attribute: Attribute) -> None:
    """wc_delete_attribute(): its terms go with it; products keep nothing of it."""
    for term in db.taxonomy_terms(attribute_taxonomy(attribute.id)):
        terms.delete(db, term)
    for post in db.posts.values():
        if any(item["id"] == attribute.id for item in post.attributes + post.variation_attributes):
            with db.changing(post):
                post.attributes = [item for item in post.attributes if item["id"] != attribute.id]
                post.default_attributes = [
                    item for item in post.default_attributes if item["id"] != attribute.id
                ]
                post.variation_attributes = [
                    item for item in post.variation_attributes if item["id"] != attribute.id
                ]
    del db.attributes[attribute.id]
    db.epoch += 1
    db.changed()


def payload(attribute: Attribute, site: str) -> dict[str, Any]:
    base = f"{site}/wp-json/wc/v3/products/attributes"
    return {
        "id": attribute.id,
        "name": attribute.name,
        "slug": f"pa_{attribute.slug}",
        "type": attribute.type,
        "order_by": attribute.order_by,
        "has_archives": attribute.has_archives,
        "_links": {"self": [{"href": f"{base}/{attribute.id}"}], "collection": [{"href": base}]},
    }
