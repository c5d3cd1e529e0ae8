"""Collections: which posts a query selects, in what order, and the paging headers.

Mirrors WC_REST_Products_Controller::prepare_objects_query() over WP_Query:
- `sku` is an exact match on a comma-separated list *plus the whole string* (so a SKU that
  contains a comma still matches), and it searches variations too, which come back in the
  product shape with `type: "variation"`;
- `status=any` (the default) hides the trash; `category` includes sub-categories;
- `orderby=date`/`modified` break ties by id in the same direction; `price` sorts by the lowest
  price ascending and the highest descending (the product meta lookup table);
- `X-WP-Total`/`X-WP-TotalPages` count the matches, `Link` carries `prev`/`next` built from the
  request's own query string (OAuth parameters included, as add_query_arg() keeps them).
The unfiltered listing of every product is the common case (an importer reconciling): its
order is cached per store version, so a page of 100 from 100,000 products is a slice.
https://github.com/woocommerce/woocommerce/blob/trunk/plugins/woocommerce/includes/rest-api/Controllers/Version3/class-wc-rest-crud-controller.php
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from sandbox.woocommerce.database import CATEGORY, Database, Post
from sandbox.woocommerce.render import API, Renderer
from sandbox.woocommerce.terms import descendants
from sandbox.woocommerce.text import collation_key, decode, sanitize_title
from sandbox.woocommerce.times import gmt, local, wall_clock

# Parameters that narrow the selection; without any, the cached order of every product serves.
_FILTERS = frozenset(
    {
        *("search", "include", "exclude", "slug", "sku", "type", "stock_status", "featured"),
        *("on_sale", "category", "tag", "search_sku", "parent", "parent_exclude"),
        *("after", "before", "modified_after", "modified_before"),
    }
)


def _sort_key(orderby: str, descending: bool, renderer: Renderer) -> Callable[[Post], Any]:
    keys: dict[str, Callable[[Post], Any]] = {
        # post_date has one-second resolution; WooCommerce adds ID to break ties.
        "date": lambda post: (int(post.created), post.id),
        "modified": lambda post: (int(post.modified), post.id),
        "title": lambda post: (collation_key(decode(post.name)), post.id),
        "slug": lambda post: (post.slug, post.id),
        # The product meta lookup table: lowest price ascending, highest price descending.
        "price": lambda post: (_price(renderer, post, highest=descending), post.id),
    }
    return keys.get(orderby, lambda post: post.id)


def _price(renderer: Renderer, post: Post, highest: bool) -> Decimal:
    low, high, _ = renderer.price_of(post)
    price = high if highest else low
    return Decimal(price) if price else Decimal("-Infinity")


class OrderCache:
    """Every product outside the trash in one order, kept until the store changes."""

    def __init__(self) -> None:
        self._orders: dict[tuple[str, bool], tuple[int, list[int]]] = {}

    def get(self, db: Database, orderby: str, descending: bool, build: Callable[[], list[int]]) -> list[int]:
        cached = self._orders.get((orderby, descending))
        if cached is None or cached[0] != db.version:
            cached = (db.version, build())
            self._orders[(orderby, descending)] = cached
        return cached[1]


class Query:
    """One collection request, already validated (see args.py)."""

    def __init__(self, db: Database, renderer: Renderer, orders: OrderCache, params: dict[str, Any]) -> None:
        self.db, self.renderer, self.orders, self.params = db, renderer, orders, params

    # -- selection ---------------------------------------------------------------------
    def _candidates(self, parent: int | None) -> list[Post]:
        params, db = self.params, self.db
        if parent is not None:
            return db.variations(parent)
        if params.get("include"):
            return [db.posts[item] for item in params["include"] if item in db.posts]
        if params.get("sku"):
            return [db.posts[item] for item in self._sku_ids() if item in db.posts]
        if params.get("slug"):
            owner = db.product_slugs.get(sanitize_title(params["slug"]))
            return [db.posts[owner]] if owner is not None else []
        if params.get("category"):
            ids = set().union(
                *(descendants(db, term) for term in _ids(params["category"]) if db.term(term, CATEGORY))
            )
            return [db.posts[item] for member in ids for item in db.members.get(member, ())]
        return [post for post in db.posts.values() if post.kind == "product"]

    def _sku_ids(self) -> list[int]:
        skus = self.params["sku"].split(",")
        if len(skus) > 1:
            skus.append(self.params["sku"])
        return [owner for owner in (self.db.sku_owner(sku) for sku in skus) if owner is not None]

    def _tests(self, parent: int | None) -> list[Callable[[Post], bool]]:
        params, tests = self.params, []
        status = params.get("status", "any")
        tests.append(
            (lambda post: post.status != "trash") if status == "any" else (lambda post: post.status == status)
        )
        if parent is None and not params.get("sku"):
            tests.append(lambda post: post.kind == "product")
        if params.get("sku"):
            owners = set(self._sku_ids())
            tests.append(lambda post: post.id in owners)
        for name, wanted in (("type", params.get("type")), ("stock_status", params.get("stock_status"))):
            if wanted:
                tests.append(lambda post, name=name, wanted=wanted: self._field(post, name) == wanted)
        for name in ("include", "exclude", "parent", "parent_exclude"):
            ids = set(params.get(name) or ())
            if ids:
                field = "id" if name in ("include", "exclude") else "parent_id"
                keep = name in ("include", "parent")
                tests.append(
                    lambda post, ids=ids, field=field, keep=keep: (getattr(post, field) in ids) == keep
                )
        if params.get("slug"):
            slug = sanitize_title(params["slug"])
            tests.append(lambda post: post.slug == slug)
        if params.get("tag"):
            tags = set(_ids(params["tag"]))
            tests.append(lambda post: bool(tags & set(post.tag_ids)))
        if params.get("category"):
            wanted_categories = set().union(
                *(descendants(self.db, term) for term in _ids(params["category"]))
            )
            tests.append(lambda post: bool(wanted_categories & set(post.category_ids)))
        for name in ("featured", "on_sale"):
            if name in params:
                tests.append(lambda post, name=name: self._field(post, name) == params[name])
        if params.get("search"):
            words = [collation_key(word) for word in params["search"].split()]
            tests.append(lambda post: all(word in self._haystack(post) for word in words))
        if params.get("search_sku"):
            needle = collation_key(params["search_sku"])
            tests.append(lambda post: needle in collation_key(post.sku))
        tests.extend(self._date_tests())
        return tests

    def _field(self, post: Post, name: str) -> Any:
        if name == "stock_status":
            return self.renderer.stock_status_of(post)
        if name == "on_sale":
            return self.renderer.price_of(post)[2]
        return getattr(post, name)

    @staticmethod
    def _haystack(post: Post) -> str:
        """WP_Query's `s`: title, excerpt and content, compared without case."""
        return collation_key(decode(" ".join((post.name, post.short_description, post.description))))

    def _date_tests(self) -> list[Callable[[Post], bool]]:
        """WP_Date_Query: bounds compared with the local columns, or the GMT ones with
        `dates_are_gmt`; an offset in the bound is ignored. Both ends exclusive."""
        show = gmt if self.params.get("dates_are_gmt") else local
        tests = []
        for name, field, later in (
            ("after", "created", True),
            ("before", "created", False),
            ("modified_after", "modified", True),
            ("modified_before", "modified", False),
        ):
            bound = wall_clock(self.params[name]) if self.params.get(name) else None
            if bound is None:
                continue
            if later:
                tests.append(lambda post, field=field, bound=bound: show(getattr(post, field)) > bound)
            else:
                tests.append(lambda post, field=field, bound=bound: show(getattr(post, field)) < bound)
        return tests

    # -- ordering and paging ---------------------------------------------------------------
    def _is_plain(self) -> bool:
        return self.params.get("status", "any") == "any" and not any(
            self.params.get(name) not in (None, "", []) for name in _FILTERS
        )

    def run(self, parent: int | None = None) -> tuple[list[Post], int]:
        """The page of posts and the total number of matches."""
        orderby, descending = self.params.get("orderby", "date"), self.params.get("order", "desc") == "desc"
        if parent is None and self._is_plain():
            ordered = self.orders.get(
                self.db, orderby, descending, lambda: self._everything(orderby, descending)
            )
        else:
            tests = self._tests(parent)
            unique = {post.id: post for post in self._candidates(parent)}.values()
            matches = [post for post in unique if all(test(post) for test in tests)]
            ordered = self._order(matches, orderby, descending)
        per_page = self.params.get("per_page", 10)
        offset = self.params.get("offset")
        start = offset if offset else (self.params.get("page", 1) - 1) * per_page
        return [self.db.posts[item] for item in ordered[start : start + per_page]], len(ordered)

    def _order(self, posts: list[Post], orderby: str, descending: bool) -> list[int]:
        if orderby == "include" and self.params.get("include"):
            position = {item: index for index, item in enumerate(self.params["include"])}
            return [post.id for post in sorted(posts, key=lambda post: position.get(post.id, 0))]
        if orderby in ("popularity", "rating"):  # no sales, no reviews: every product ties, newest first
            descending, orderby = True, "id"
        key = _sort_key(orderby, descending, self.renderer)
        return [post.id for post in sorted(posts, key=key, reverse=descending)]

    def _everything(self, orderby: str, descending: bool) -> list[int]:
        visible = [
            post for post in self.db.posts.values() if post.kind == "product" and post.status != "trash"
        ]
        return self._order(visible, orderby, descending)


def _ids(text: str) -> list[int]:
    return [int(part) for part in str(text).replace(" ", ",").split(",") if part.strip().isdigit()]


def paging_headers(
    site: str, route: str, query: list[tuple[str, str]], page: int, per_page: int, total: int
) -> dict[str, str]:
    """X-WP-Total, X-WP-TotalPages and the Link header (the API root first, as WordPress sends it)."""
    pages = math.ceil(total / per_page) if per_page else 0
    links = [f'<{site}/wp-json/>; rel="https://api.w.org/"']
    kept = [(name, value) for name, value in query if name != "page"]
    url = f"{site}{API}/{route}"
    if page > 1:
        links.append(f'<{url}?{urlencode([*kept, ("page", str(min(page - 1, pages)))])}>; rel="prev"')
    if pages > page:
        links.append(f'<{url}?{urlencode([*kept, ("page", str(page + 1))])}>; rel="next"')
    return {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages), "Link": ", ".join(links)}
