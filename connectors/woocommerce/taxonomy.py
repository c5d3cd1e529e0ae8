"""Categories (with their hierarchy), tags, global attributes and their terms: listed once per
writer, created when missing, reused by name.

A second run, or a store that already has "Shirts", creates nothing new. Names compare the way
WordPress compares them: entities decoded (it stores "&" as "&amp;"), outer whitespace trimmed,
case-insensitive (MySQL's default collation), and for categories under the same parent. When a
concurrent creator wins the race, WordPress answers `term_exists` with the term's id in
`data.resource_id` (WC_REST_Terms_Controller::create_item), and that id is used:
https://github.com/woocommerce/woocommerce/blob/trunk/plugins/woocommerce/includes/abstracts/abstract-wc-rest-terms-controller.php
"""

from __future__ import annotations

import functools
import hashlib
import html
import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from connectors.woocommerce.batch import chunks, send_batch
from connectors.woocommerce.model import WooProduct

if TYPE_CHECKING:
    from connectors.woocommerce.target import WooTarget

log = logging.getLogger(__name__)

Path = tuple[str, ...]

# wc_create_attribute(): the slug becomes the taxonomy `pa_<slug>`, and WordPress taxonomy names
# stop at 32 characters, so "Slug is too long (28 characters max)"; some slugs are reserved terms.
# https://github.com/woocommerce/woocommerce/blob/trunk/plugins/woocommerce/includes/wc-attribute-functions.php
SLUG_LIMIT = 28
PARALLEL_LOOKUPS = 4  # taxonomies looked up or created at once (a store serves a few requests at a time)
SUFFIX_LENGTH = 6
RESERVED_SLUGS = frozenset(
    (  # noqa: SIM905 - the list as wc_check_if_attribute_name_is_reserved() has it, less the ones with "_"
        "attachment author calendar cat category cpage day debug error exact feed hour m minute "
        "monthnum more name nopaging offset order orderby p page paged pagename pb perm post posts "
        "preview robots s search second sentence showposts static subpost tag taxonomy tb term type w "
        "withcomments withoutcomments year"
    ).split()
)


@functools.lru_cache(maxsize=4096)  # the same few attribute and option names, thousands of times a run
def fold(name: str) -> str:
    return " ".join(html.unescape(name).split()).casefold()


def attribute_slug(name: str) -> str:
    """The slug for a global attribute named `name`: WooCommerce's own (lowercase ASCII words joined
    by dashes) when that fits, else shortened with a stable suffix from the full name.

    Long option names ("Choose your preferred gift wrapping ...") stay global attributes under
    their full name (the label allows 200 characters); only the slug, which shoppers rarely see,
    is shortened. The suffix is a hash of the whole name, so two long names sharing their first
    words get different slugs, and every run computes the same slug and finds the attribute again.
    Names in other scripts, and reserved words such as "type", get a suffix too.
    """
    text = "".join(
        c for c in unicodedata.normalize("NFKD", html.unescape(name)) if not unicodedata.combining(c)
    )
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if text.isascii() and slug and len(slug) <= SLUG_LIMIT and slug not in RESERVED_SLUGS:
        return slug
    suffix = hashlib.sha1(name.encode()).hexdigest()[:SUFFIX_LENGTH]
    stem = slug[: SLUG_LIMIT - SUFFIX_LENGTH - 1].rstrip("-") or "attribute"
    return f"{stem}-{suffix}"


class TermIndex:
    """One taxonomy's terms by (parent id, folded name); parent 0 for flat ones (tags, attribute
    terms). `empty`: the taxonomy was just created, so there is nothing to list."""

    def __init__(self, target: WooTarget, path: str, empty: bool = False) -> None:
        self.target = target
        self.path = path
        self._ids: dict[tuple[int, str], int] | None = {} if empty else None
        self.failures: dict[tuple[int, str], str] = {}

    def get(self, parent: int, name: str) -> int | None:
        return self._index().get((parent, fold(name)))

    def _index(self) -> dict[tuple[int, str], int]:
        if self._ids is None:
            ids: dict[tuple[int, str], int] = {}
            fields = {"_fields": "id,name,parent"}
            for term in self.target.listing(self.path, fields):
                # Two terms of one name under one parent cannot be made through WordPress; if a
                # store has them anyway, the older one wins, every run alike.
                ids.setdefault((int(term.get("parent") or 0), fold(str(term["name"]))), int(term["id"]))
            self._ids = ids
        return self._ids

    def ensure(self, wanted: Iterable[tuple[int, str]]) -> None:
        """Create the terms that do not exist yet; a failure is kept in `failures` for the products
        that need the term."""
        index = self._index()
        missing: dict[tuple[int, str], tuple[int, str]] = {}
        for parent, name in wanted:
            key = (parent, fold(name))
            if key in index or key in self.failures or key in missing:
                continue
            if not key[1]:
                self.failures[key] = "an empty name"
                continue
            missing[key] = (parent, " ".join(name.split()))
        for chunk in chunks(list(missing.items())):
            create = [{"name": name, **({"parent": parent} if parent else {})} for _, (parent, name) in chunk]
            answer = send_batch(self.target, f"{self.path}/batch", create=create)
            for (key, (_, name)), result in zip(chunk, answer.create, strict=True):
                existing = result.data.get("resource_id")
                if result.ok:
                    index[key] = result.id
                elif result.code == "term_exists" and existing:
                    index[key] = int(existing)
                else:
                    log.warning("could not create %s %r: %s", self.path, name, result.reason)
                    self.failures[key] = result.reason


class Attributes:
    """Global attributes by folded name and by slug, created with a slug WooCommerce accepts."""

    path = "products/attributes"

    def __init__(self, target: WooTarget) -> None:
        self.target = target
        self._by_name: dict[str, int] | None = None
        self._by_slug: dict[str, int] = {}
        self.local: dict[str, str] = {}  # folded name -> why it stays a local attribute
        self.terms: dict[int, TermIndex] = {}

    def id_for(self, name: str) -> int | None:
        """The global attribute's id, or None: the attribute stays local to its products."""
        by_name = self._index()
        key = fold(name)
        if key in by_name:
            return by_name[key]
        return self._by_slug.get(attribute_slug(name)) if key not in self.local else None

    def _index(self, reload: bool = False) -> dict[str, int]:
        if self._by_name is None or reload:
            # This collection is not paged: GET products/attributes lists them all.
            body, _ = self.target.get(self.path)
            self._by_name, self._by_slug = {}, {}
            for attribute in body if isinstance(body, list) else ():
                self._by_name.setdefault(fold(str(attribute["name"])), int(attribute["id"]))
                slug = str(attribute.get("slug") or "").removeprefix("pa_")
                self._by_slug.setdefault(slug, int(attribute["id"]))
        return self._by_name

    def ensure(self, names: Iterable[str]) -> None:
        missing = {
            fold(name): name for name in names if self.id_for(name) is None and fold(name) not in self.local
        }
        taken = False
        for chunk in chunks(list(missing.values())):
            create = [{"name": name, "slug": attribute_slug(name)} for name in chunk]
            answer = send_batch(self.target, f"{self.path}/batch", create=create)
            for name, result in zip(chunk, answer.create, strict=True):
                if result.ok:
                    self._index()[fold(name)] = result.id
                    self._by_slug[attribute_slug(name)] = result.id
                    self.terms[result.id] = TermIndex(self.target, self._terms_path(result.id), empty=True)
                elif result.code == "invalid_product_attribute_slug_already_exists":
                    taken = True  # made meanwhile by someone else: found again below
                else:
                    # WooCommerce will not have it as a global attribute: the products keep it
                    # as a local (custom) attribute, which has no name or slug limits.
                    log.warning("attribute %r stays local to its products: %s", name, result.reason)
                    self.local[fold(name)] = result.reason
        if taken:
            self._index(reload=True)
            for key, name in missing.items():
                if self.id_for(name) is None:
                    self.local[key] = "its slug is taken by an attribute that could not be found"

    def term_index(self, attribute_id: int) -> TermIndex:
        if attribute_id not in self.terms:
            self.terms[attribute_id] = TermIndex(self.target, self._terms_path(attribute_id))
        return self.terms[attribute_id]

    def _terms_path(self, attribute_id: int) -> str:
        return f"{self.path}/{attribute_id}/terms"


@dataclass
class Lookups:
    """The ids one batch of products refers to, and why some could not be had."""

    categories: dict[Path, int] = field(default_factory=dict)
    tags: dict[str, int] = field(default_factory=dict)  # by folded name
    attributes: dict[str, int | None] = field(default_factory=dict)  # folded name -> global id or None
    # Why something is missing: ("category", *path), ("tag", folded name) or ("option", folded
    # attribute name, folded option).
    missing: dict[tuple[str, ...], str] = field(default_factory=dict)

    def category(self, path: Path) -> int:
        return self.categories[path]

    def tag(self, name: str) -> int:
        return self.tags[fold(name)]

    def attribute(self, name: str) -> int | None:
        return self.attributes.get(fold(name))

    def problem(self, product: WooProduct, groups: frozenset[str]) -> str | None:
        """Why `product` cannot be written with these groups (an id it needs is missing), or None."""
        needed: list[tuple[str, ...]] = []
        if "categories" in groups:
            needed += [("category", *path) for path in product.category_paths]
            needed += [("tag", fold(tag)) for tag in product.tags]
        if "attributes" in groups:
            needed += [("option", fold(a.name), fold(o)) for a in product.attributes for o in a.options]
            needed += [("option", fold(n), fold(o)) for v in product.variations for n, o in v.options]
        return next((self.missing[key] for key in needed if key in self.missing), None)


def side_by_side(calls: Iterable[Callable[[], None]]) -> None:
    """Run independent calls at once: each mostly waits on its own requests to the store."""
    calls = list(calls)
    if len(calls) < 2:
        for call in calls:
            call()
        return
    workers = min(len(calls), PARALLEL_LOOKUPS)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="woo-taxonomy") as pool:
        for future in [pool.submit(call) for call in calls]:
            future.result()


class Taxonomy:
    """The writer's caches, for its whole life (one run).

    `resolve` may be called from several threads (one per write batch): it runs one at a time,
    so a term two batches need is looked up, and created, once. Inside one call, categories,
    tags and each attribute's terms are separate taxonomies and are resolved side by side.
    """

    def __init__(self, target: WooTarget) -> None:
        self.target = target
        self.categories = TermIndex(target, "products/categories")
        self.tags = TermIndex(target, "products/tags")
        self.attributes = Attributes(target)
        self._lock = threading.Lock()

    def resolve(self, needs: Mapping[str, tuple[WooProduct, frozenset[str]]]) -> Lookups:
        """Ids for what each product will send (its groups), creating what is missing."""
        with self._lock:
            lookups = Lookups()
            categorized = [p for p, groups in needs.values() if "categories" in groups]
            with_attributes = [p for p, groups in needs.values() if "attributes" in groups]
            side_by_side(
                [
                    lambda: self._categories(
                        {path for p in categorized for path in p.category_paths}, lookups
                    ),
                    lambda: self._tags({tag for p in categorized for tag in p.tags}, lookups),
                    lambda: self._attributes(with_attributes, lookups),
                ]
            )
            return lookups

    def _categories(self, paths: set[Path], lookups: Lookups) -> None:
        """Level by level, so each category is created under its parent's id."""
        failed: dict[Path, str] = {}
        for depth in range(1, max((len(path) for path in paths), default=0) + 1):
            level = {path[:depth] for path in paths if len(path) >= depth}
            wanted = []
            for prefix in level:
                if prefix[:-1] in failed:
                    failed[prefix] = failed[prefix[:-1]]
                    continue
                wanted.append((lookups.categories.get(prefix[:-1], 0), prefix[-1]))
            self.categories.ensure(wanted)
            for prefix in level - failed.keys():
                parent = lookups.categories.get(prefix[:-1], 0)
                found = self.categories.get(parent, prefix[-1])
                if found is None:
                    reason = self.categories.failures.get((parent, fold(prefix[-1])), "not created")
                    failed[prefix] = f"category {' > '.join(prefix)!r} could not be created: {reason}"
                else:
                    lookups.categories[prefix] = found
        lookups.missing.update({("category", *path): reason for path, reason in failed.items()})

    def _tags(self, tags: set[str], lookups: Lookups) -> None:
        self.tags.ensure((0, tag) for tag in tags)
        for tag in tags:
            found = self.tags.get(0, tag)
            if found is None:
                reason = self.tags.failures.get((0, fold(tag)), "not created")
                lookups.missing[("tag", fold(tag))] = f"tag {tag!r} could not be created: {reason}"
            else:
                lookups.tags[fold(tag)] = found

    def _attributes(self, products: list[WooProduct], lookups: Lookups) -> None:
        options: dict[str, tuple[str, set[str]]] = {}
        for product in products:
            for attribute in product.attributes:
                options.setdefault(fold(attribute.name), (attribute.name, set()))[1].update(attribute.options)
            for variation in product.variations:
                for name, option in variation.options:
                    options.setdefault(fold(name), (name, set()))[1].add(option)
        self.attributes.ensure(name for name, _ in options.values())
        terms: dict[str, TermIndex] = {}
        for key, (name, _) in options.items():
            attribute_id = self.attributes.id_for(name)
            lookups.attributes[key] = attribute_id
            if attribute_id is not None:
                terms[key] = self.attributes.term_index(attribute_id)
        side_by_side(
            [partial(index.ensure, [(0, value) for value in options[key][1]]) for key, index in terms.items()]
        )
        for key, index in terms.items():
            name, values = options[key]
            for value in values:
                if index.get(0, value) is None:
                    reason = index.failures.get((0, fold(value)), "not created")
                    lookups.missing[("option", key, fold(value))] = (
                        f"option {value!r} of attribute {name!r} could not be created: {reason}"
                    )
