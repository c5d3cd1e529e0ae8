"""The store's data, in memory: posts (products, variations), attachments, terms, attributes.

Like WordPress, products, variations and images share one post-id sequence, and categories,
tags and attribute terms share one term-id sequence. Every lookup an importer leans on is an
index (SKU, slug, a term's products, a parent's variations), so a store of 100,000 products
answers a SKU query in O(1). One re-entrant lock guards it all; `version` counts changes.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any

from sandbox.woocommerce.text import collation_key

# A fresh WordPress + WooCommerce site has used the first post ids for its pages (shop, cart,
# checkout, my account...) and the first term ids for product types, visibility terms and the
# default category, which WooCommerce creates as "Uncategorized" (term 15 on a clean install).
FIRST_POST_ID = 10
DEFAULT_CATEGORY_ID = 15
CATEGORY = "product_cat"
TAG = "product_tag"


def attribute_taxonomy(attribute_id: int) -> str:
    """The taxonomy holding an attribute's terms (WordPress names it `pa_<slug>`; ids survive renames)."""
    return f"pa:{attribute_id}"


@dataclass(slots=True)
class Post:
    """A product or a variation (`kind`), with WooCommerce's stored properties."""

    id: int
    kind: str
    parent_id: int = 0
    type: str = "simple"
    name: str = ""
    slug: str = ""
    status: str = "publish"
    featured: bool = False
    catalog_visibility: str = "visible"
    description: str = ""
    short_description: str = ""
    sku: str = ""
    regular_price: str = ""
    sale_price: str = ""
    sale_from: float | None = None
    sale_to: float | None = None
    virtual: bool = False
    downloadable: bool = False
    downloads: list[dict[str, Any]] = field(default_factory=list)
    download_limit: int = -1
    download_expiry: int = -1
    external_url: str = ""
    button_text: str = ""
    tax_status: str = "taxable"
    tax_class: str = ""
    manage_stock: bool = False
    stock_quantity: int | None = None
    stock_status: str = "instock"
    backorders: str = "no"
    sold_individually: bool = False
    weight: str = ""
    length: str = ""
    width: str = ""
    height: str = ""
    reviews_allowed: bool = True
    upsell_ids: list[int] = field(default_factory=list)
    cross_sell_ids: list[int] = field(default_factory=list)
    purchase_note: str = ""
    category_ids: list[int] = field(default_factory=list)
    tag_ids: list[int] = field(default_factory=list)
    image_ids: list[int] = field(default_factory=list)
    # Products: [{"id": attribute id or 0, "name": local name, "options": names or term ids,
    # "position", "visible", "variation"}]. Defaults and variation attributes: [{"id", "key", "option"}].
    attributes: list[dict[str, Any]] = field(default_factory=list)
    default_attributes: list[dict[str, Any]] = field(default_factory=list)
    variation_attributes: list[dict[str, Any]] = field(default_factory=list)
    grouped_products: list[int] = field(default_factory=list)
    menu_order: int = 0
    meta_data: list[dict[str, Any]] = field(default_factory=list)
    created: float = 0.0
    modified: float = 0.0
    rev: int = 0  # bumped on every change, so rendered payloads can be cached


@dataclass(slots=True)
class Attachment:
    id: int
    path: str  # under wp-content/uploads/, e.g. "2025/03/shirt-1.jpg"
    title: str
    alt: str
    created: float
    source: str  # the src the importer sent (never downloaded)


@dataclass(slots=True)
class Term:
    id: int
    taxonomy: str
    name: str
    slug: str
    parent: int = 0
    description: str = ""
    display: str = "default"
    image_id: int = 0
    menu_order: int = 0


@dataclass(slots=True)
class Attribute:
    id: int
    name: str
    slug: str  # without the "pa_" prefix
    type: str = "select"
    order_by: str = "menu_order"
    has_archives: bool = False


def _record(item: Any) -> dict[str, Any]:
    return {slot.name: getattr(item, slot.name) for slot in fields(item)}


class Database:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.posts: dict[int, Post] = {}
            self.attachments: dict[int, Attachment] = {}
            self.terms: dict[int, Term] = {}
            self.attributes: dict[int, Attribute] = {}
            self.next_post_id = FIRST_POST_ID
            self.next_term_id = DEFAULT_CATEGORY_ID
            self.next_attribute_id = 1
            self.next_meta_id = 1000
            # Both only ever grow, even across resets: a saved state is never mistaken for a new one.
            self.version = getattr(self, "version", 0) + 1
            # Bumped when a term or attribute changes: every product may render differently.
            self.epoch = getattr(self, "epoch", 0) + 1
            self._index_everything()
            self.add_term(Term(self.new_term_id(), CATEGORY, "Uncategorized", "uncategorized"))

    def _index_everything(self) -> None:
        self.skus: dict[str, int] = {}
        self.product_slugs: dict[str, int] = {}
        self.children: dict[int, list[int]] = defaultdict(list)
        self.members: dict[int, set[int]] = defaultdict(set)  # term id -> products not in the trash
        self.published: Counter[int] = Counter()  # term id -> published products (a term's `count`)
        self.term_slugs: dict[tuple[str, str], int] = {}
        self.all_term_slugs: Counter[str] = Counter()  # WordPress checks slugs across taxonomies
        self.term_names: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.uploads: Counter[str] = Counter()
        for post in self.posts.values():
            self._index(post)
            if post.kind == "variation":
                self.children[post.parent_id].append(post.id)
        for term in self.terms.values():
            self._index_term(term)
        for attachment in self.attachments.values():
            self.uploads[attachment.path.lower()] += 1

    # -- ids -----------------------------------------------------------------------------
    def new_post_id(self) -> int:
        self.next_post_id += 1
        return self.next_post_id - 1

    def new_term_id(self) -> int:
        self.next_term_id += 1
        return self.next_term_id - 1

    def new_meta_id(self) -> int:
        self.next_meta_id += 1
        return self.next_meta_id - 1

    def changed(self) -> None:
        self.version += 1

    # -- posts ---------------------------------------------------------------------------
    def _index(self, post: Post) -> None:
        if post.status != "trash" and post.sku:
            self.skus[collation_key(post.sku)] = post.id
        if post.kind != "product":
            return
        if post.slug:
            self.product_slugs[post.slug] = post.id
        if post.status != "trash":
            for term_id in self.term_ids_of(post):
                self.members[term_id].add(post.id)
                if post.status == "publish":
                    self.published[term_id] += 1

    def _unindex(self, post: Post) -> None:
        if post.sku and self.skus.get(collation_key(post.sku)) == post.id:
            del self.skus[collation_key(post.sku)]
        if post.kind != "product":
            return
        if post.slug and self.product_slugs.get(post.slug) == post.id:
            del self.product_slugs[post.slug]
        if post.status != "trash":
            for term_id in self.term_ids_of(post):
                self.members[term_id].discard(post.id)
                if post.status == "publish":
                    self.published[term_id] -= 1

    @staticmethod
    def term_ids_of(post: Post) -> set[int]:
        ids = set(post.category_ids) | set(post.tag_ids)
        for attribute in post.attributes:
            if attribute["id"]:
                ids.update(attribute["options"])
        return ids

    def add_post(self, post: Post) -> None:
        self.posts[post.id] = post
        self._index(post)
        if post.kind == "variation":
            self.children[post.parent_id].append(post.id)
        self.changed()

    @contextmanager
    def changing(self, post: Post) -> Iterator[Post]:
        """Change a post in place with its indexes kept right."""
        self._unindex(post)
        try:
            yield post
        finally:
            self._index(post)
            post.rev += 1
            self.changed()

    def remove_post(self, post: Post) -> None:
        self._unindex(post)
        del self.posts[post.id]
        if post.kind == "variation" and post.id in self.children.get(post.parent_id, []):
            self.children[post.parent_id].remove(post.id)
        self.changed()

    def touch(self, post_id: int) -> None:
        """A post renders differently (its variations changed) though its own data did not."""
        if post_id in self.posts:
            self.posts[post_id].rev += 1

    def sku_owner(self, sku: str) -> int | None:
        return self.skus.get(collation_key(sku)) if sku else None

    def variations(self, parent_id: int) -> list[Post]:
        return [self.posts[child] for child in self.children.get(parent_id, ())]

    # -- terms ---------------------------------------------------------------------------
    def _index_term(self, term: Term) -> None:
        self.term_slugs[(term.taxonomy, term.slug)] = term.id
        self.all_term_slugs[term.slug] += 1
        self.term_names[(term.taxonomy, collation_key(term.name))].append(term.id)

    def _unindex_term(self, term: Term) -> None:
        self.term_slugs.pop((term.taxonomy, term.slug), None)
        self.all_term_slugs[term.slug] -= 1
        self.term_names[(term.taxonomy, collation_key(term.name))].remove(term.id)

    def add_term(self, term: Term) -> None:
        self.terms[term.id] = term
        self._index_term(term)
        self.epoch += 1
        self.changed()

    @contextmanager
    def changing_term(self, term: Term) -> Iterator[Term]:
        self._unindex_term(term)
        try:
            yield term
        finally:
            self._index_term(term)
            self.epoch += 1
            self.changed()

    def remove_term(self, term: Term) -> None:
        self._unindex_term(term)
        del self.terms[term.id]
        self.members.pop(term.id, None)
        self.published.pop(term.id, None)
        self.epoch += 1
        self.changed()

    def term(self, term_id: int, taxonomy: str) -> Term | None:
        term = self.terms.get(term_id)
        return term if term is not None and term.taxonomy == taxonomy else None

    def term_by_slug(self, taxonomy: str, slug: str) -> Term | None:
        term_id = self.term_slugs.get((taxonomy, slug))
        return self.terms[term_id] if term_id is not None else None

    def terms_named(self, taxonomy: str, name: str) -> list[Term]:
        """Terms whose stored name equals `name` as MySQL compares (no case, no accents)."""
        return [self.terms[term_id] for term_id in self.term_names.get((taxonomy, collation_key(name)), ())]

    def taxonomy_terms(self, taxonomy: str) -> list[Term]:
        return [term for term in self.terms.values() if term.taxonomy == taxonomy]

    # -- state ---------------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        with self.lock:
            return {
                "posts": [_record(post) for post in self.posts.values()],
                "attachments": [_record(item) for item in self.attachments.values()],
                "terms": [_record(term) for term in self.terms.values()],
                "attributes": [_record(item) for item in self.attributes.values()],
                "next": [self.next_post_id, self.next_term_id, self.next_attribute_id, self.next_meta_id],
                "version": self.version,
            }

    def load(self, state: dict[str, Any]) -> None:
        with self.lock:
            self.posts = {item["id"]: Post(**item) for item in state["posts"]}
            self.attachments = {item["id"]: Attachment(**item) for item in state["attachments"]}
            self.terms = {item["id"]: Term(**item) for item in state["terms"]}
            self.attributes = {item["id"]: Attribute(**item) for item in state["attributes"]}
            self.next_post_id, self.next_term_id, self.next_attribute_id, self.next_meta_id = state["next"]
            self.version = max(self.version + 1, state["version"])
            self.epoch += 1
            self._index_everything()
