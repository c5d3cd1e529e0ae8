"""Terms (categories, tags, attribute terms) as wp_insert_term(), wp_update_term() and
wp_delete_term() treat them, plus their REST payloads.

- Names are stored as WordPress stores them: `Shirts & Tops` reads back `Shirts &amp; Tops`.
- A duplicate name is refused only beside a sibling (same parent) for categories, anywhere for
  tags and attribute terms: `term_exists`, with the existing term's id as `resource_id`.
- Slugs are unique: a child first borrows its parent's slug (`shirts-men`), then `-2`, `-3`...
  and the numbered check looks across every taxonomy, as wp_unique_term_slug() does.
https://github.com/WordPress/wordpress-develop/blob/trunk/src/wp-includes/taxonomy.php
https://github.com/woocommerce/woocommerce/blob/trunk/plugins/woocommerce/includes/rest-api/Controllers/Version3/class-wc-rest-terms-controller.php
"""

from __future__ import annotations

from typing import Any

from sandbox.woocommerce import images
from sandbox.woocommerce.database import CATEGORY, DEFAULT_CATEGORY_ID, Database, Term
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.text import post_text, sanitize_title, term_name


def named(db: Database, taxonomy: str, name: str) -> list[Term]:
    """get_term_by('name'): the name is sanitized as on save, then compared as MySQL does."""
    return db.terms_named(taxonomy, term_name(name))


def find_or_create(db: Database, taxonomy: str, name: str) -> Term:
    """A term by slug, then by name (term_exists()), or a new one: how products attach terms."""
    existing = db.term_by_slug(taxonomy, sanitize_title(name)) or next(iter(named(db, taxonomy, name)), None)
    return existing or insert(db, taxonomy, {"name": name})


def unique_slug(db: Database, taxonomy: str, slug: str, parent: int, term_id: int = 0) -> str:
    """wp_unique_term_slug()."""
    taken = db.term_by_slug(taxonomy, slug)
    if taken is None or taken.id == term_id:
        return slug
    candidate = slug
    ancestor = db.term(parent, taxonomy) if parent else None
    while ancestor is not None:
        candidate += "-" + ancestor.slug
        if not db.all_term_slugs[candidate]:
            return candidate
        ancestor = db.term(ancestor.parent, taxonomy) if ancestor.parent else None
    if not db.all_term_slugs[candidate]:
        return candidate
    number = 2
    while db.all_term_slugs[f"{candidate}-{number}"]:
        number += 1
    return f"{candidate}-{number}"


def _name_taken(db: Database, taxonomy: str, name: str, parent: int, hierarchical: bool) -> Term | None:
    for term in db.terms_named(taxonomy, name):
        if term.name.lower() == name.lower() and (not hierarchical or term.parent == parent):
            return term
    return None


def insert(db: Database, taxonomy: str, params: dict[str, Any], hierarchical: bool = False) -> Term:
    """wp_insert_term(), its errors wrapped with status 400 as the terms controller does."""
    name = term_name(str(params.get("name") or ""))
    if not name:
        raise WooError("empty_term_name", "A name is required for this term.", 400)
    parent = int(params.get("parent") or 0)
    if parent and db.term(parent, taxonomy) is None:
        raise WooError("missing_parent", "Parent term does not exist.", 400)
    slug_given = sanitize_title(str(params.get("slug") or ""))
    slug = slug_given or sanitize_title(name)
    existing = _name_taken(db, taxonomy, name, parent, hierarchical)
    if existing is not None and (not slug_given or existing.slug == slug or db.term_by_slug(taxonomy, slug)):
        where = "with this parent" if hierarchical else "in this taxonomy"
        message = f"A term with the name provided already exists {where}."
        raise WooError("term_exists", message, 400, resource_id=existing.id)
    term = Term(db.new_term_id(), taxonomy, name, unique_slug(db, taxonomy, slug or "term", parent), parent)
    if "description" in params:
        term.description = post_text(str(params["description"]))
    db.add_term(term)
    return term


def update(db: Database, term: Term, params: dict[str, Any]) -> None:
    """wp_update_term(). Its errors carry no status, so WordPress answers them with HTTP 500."""
    name = term_name(str(params["name"])) if "name" in params else term.name
    if not name:
        raise WooError("empty_term_name", "A name is required for this term.", None)
    parent = int(params["parent"]) if "parent" in params else term.parent
    if parent and db.term(parent, term.taxonomy) is None:
        raise WooError("missing_parent", "Parent term does not exist.", None)
    slug = sanitize_title(str(params["slug"])) if "slug" in params else term.slug
    if not slug:
        slug = sanitize_title(name)
    duplicate = db.term_by_slug(term.taxonomy, slug)
    if duplicate is not None and duplicate.id != term.id:
        if "slug" in params and params["slug"] and parent == term.parent:
            message = f"The slug &#8220;{slug}&#8221; is already in use by another term."
            raise WooError("duplicate_term_slug", message, None)
        slug = unique_slug(db, term.taxonomy, slug, parent, term.id)
    with db.changing_term(term):
        term.name, term.slug = name, slug
        if parent != term.parent:
            _break_loop(db, term, parent)
            term.parent = parent
        if "description" in params:
            term.description = post_text(str(params["description"]))


def _break_loop(db: Database, term: Term, parent: int) -> None:
    """wp_check_term_hierarchy_for_loops(): making a term the child of its own descendant
    re-parents that branch to the term's old parent."""
    ancestor = db.terms.get(parent)
    while ancestor is not None and ancestor.parent:
        if ancestor.parent == term.id:
            with db.changing_term(ancestor):
                ancestor.parent = term.parent
            return
        ancestor = db.terms.get(ancestor.parent)


def set_category_meta(db: Database, term: Term, params: dict[str, Any]) -> None:
    """WC_REST_Product_Categories_Controller::update_term_meta_fields(): display, order, image.
    A bad image `src` fails with the upload's own error code."""
    image = params.get("image")
    attachment_id = None
    if isinstance(image, dict):
        attachment_id = abs(int(image.get("id") or 0))
        if not attachment_id and image.get("src"):
            problem = images.check_src(str(image["src"]))
            if problem:
                raise problem
            attachment_id = images.upload(db, str(image["src"])).id
        if attachment_id in db.attachments:
            images.describe(db.attachments[attachment_id], image)
    with db.changing_term(term):
        if "display" in params:
            term.display = params["display"]
        if "menu_order" in params:
            term.menu_order = params["menu_order"]
        if attachment_id is not None:
            term.image_id = attachment_id if attachment_id in db.attachments else 0


def delete(db: Database, term: Term) -> None:
    """wp_delete_term(): children move up to the term's parent, products let go of it, and a
    product left without a category gets the default one (WooCommerce's AssignDefaultCategory)."""
    if term.taxonomy == CATEGORY and term.id == DEFAULT_CATEGORY_ID:
        raise WooError("woocommerce_rest_cannot_delete", "Default product category cannot be deleted.", 500)
    for child in [
        other for other in db.terms.values() if other.parent == term.id and other.taxonomy == term.taxonomy
    ]:
        with db.changing_term(child):
            child.parent = term.parent
    for post_id in list(db.members.get(term.id, ())) + _trashed_holding(db, term.id):
        post = db.posts[post_id]
        with db.changing(post):
            post.category_ids = [item for item in post.category_ids if item != term.id]
            post.tag_ids = [item for item in post.tag_ids if item != term.id]
            for attribute in post.attributes:
                if attribute["id"]:
                    attribute["options"] = [item for item in attribute["options"] if item != term.id]
            if term.taxonomy == CATEGORY and not post.category_ids:
                post.category_ids = [DEFAULT_CATEGORY_ID]
    db.remove_term(term)


def _trashed_holding(db: Database, term_id: int) -> list[int]:
    return [
        post.id
        for post in db.posts.values()
        if post.status == "trash" and (term_id in post.category_ids or term_id in post.tag_ids)
    ]


def descendants(db: Database, term_id: int) -> set[int]:
    """The term and every category below it (tax_query's include_children)."""
    found = {term_id}
    frontier = [term_id]
    while frontier:
        parent = frontier.pop()
        for term in db.terms.values():
            if term.parent == parent and term.id not in found:
                found.add(term.id)
                frontier.append(term.id)
    return found


def payload(db: Database, term: Term, site: str, base: str) -> dict[str, Any]:
    """A term as the categories, tags or attribute-terms controller renders it."""
    data: dict[str, Any] = {"id": term.id, "name": term.name, "slug": term.slug}
    if term.taxonomy == CATEGORY:
        attachment = db.attachments.get(term.image_id)
        data.update(
            parent=term.parent,
            description=term.description,
            display=term.display,
            image=images.payload(attachment, site) if attachment else None,
            menu_order=term.menu_order,
        )
    else:
        data["description"] = term.description
        if term.taxonomy.startswith("pa:"):
            data["menu_order"] = term.menu_order
    data["count"] = db.published[term.id]
    links: dict[str, Any] = {
        "self": [{"href": f"{site}/wp-json/wc/v3/{base}/{term.id}"}],
        "collection": [{"href": f"{site}/wp-json/wc/v3/{base}"}],
    }
    if term.parent and term.parent in db.terms:
        links["up"] = [{"href": f"{site}/wp-json/wc/v3/{base}/{term.parent}"}]
    data["_links"] = links
    return data
