"""The term routes (products/categories, products/tags, products/attributes/{id}/terms) and the
attribute routes (products/attributes), with their batches.

Terms cannot be trashed: DELETE without `force=true` is 501. A missing term is 404
`woocommerce_rest_term_invalid` "Resource does not exist." (the docs' example says "doesn't",
the plugin says "does not"); under a missing attribute it is `woocommerce_rest_taxonomy_invalid`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sandbox.http import Response
from sandbox.woocommerce import args, attributes, batch, terms
from sandbox.woocommerce.database import CATEGORY, TAG, Attribute, Database, Term, attribute_taxonomy
from sandbox.woocommerce.endpoints import (
    API_PREFIX,
    BATCH,
    CREATE,
    DELETE,
    EDIT,
    LIST,
    VIEW,
    Call,
    Endpoint,
    Guard,
    anonymous_refused,
    created,
    editable,
    found_then,
    payload_response,
)
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.listing import paging_headers
from sandbox.woocommerce.product_routes import batch_id
from sandbox.woocommerce.schema import Spec, parse
from sandbox.woocommerce.text import collation_key, decode, sanitize_title

_NOT_TRASHABLE = ("woocommerce_rest_trash_not_supported", "Resource does not support trashing.")
_DELETE = {**args.FORCE, **args.ITEM_QUERY}


@dataclass(frozen=True)
class TermKind:
    """One term route family: where it lives, which taxonomy, which body."""

    base: str  # "products/categories", or "products/attributes/{attribute_id}/terms"
    body: dict[str, Spec]
    hierarchical: bool = False
    fixed_taxonomy: str = ""  # empty: the attribute named by the path


CATEGORIES = TermKind("products/categories", args.CATEGORY, hierarchical=True, fixed_taxonomy=CATEGORY)
TAGS = TermKind("products/tags", args.TAG, fixed_taxonomy=TAG)
ATTRIBUTE_TERMS = TermKind("products/attributes/{attribute_id}/terms", args.ATTRIBUTE_TERM)


class TaxonomyRoutes:
    def __init__(self, db: Database) -> None:
        self.db = db

    def endpoints(self) -> list[Endpoint]:
        found = []
        for kind in (CATEGORIES, TAGS, ATTRIBUTE_TERMS):
            found.extend(self._term_endpoints(kind))
        return found + self._attribute_endpoints()

    # -- terms ---------------------------------------------------------------------------------
    def _term_endpoints(self, kind: TermKind) -> list[Endpoint]:
        base, item = f"/{kind.base}", f"/{kind.base}/{{id}}"

        def collection(error: tuple[str, str]) -> Guard:
            return found_then(partial(self._taxonomy_problem, kind), error)

        def single(error: tuple[str, str]) -> Guard:
            return found_then(partial(self._term_problem, kind), error)

        edit_args = args.editing(kind.body)
        return [
            Endpoint("GET", base, partial(self.list_terms, kind), args.TERM_QUERY, collection(LIST)),
            Endpoint(
                "POST",
                base,
                partial(self.create_term, kind),
                args.creating(kind.body, "name"),
                collection(CREATE),
            ),
            *editable(f"{base}/batch", partial(self.batch_terms, kind), edit_args, collection(BATCH)),
            Endpoint("GET", item, partial(self.get_term, kind), args.ITEM_QUERY, single(VIEW)),
            *editable(item, partial(self.update_term, kind), edit_args, single(EDIT)),
            Endpoint("DELETE", item, partial(self.delete_term, kind), _DELETE, single(DELETE)),
        ]

    def _taxonomy(self, kind: TermKind, call: Call) -> str:
        return kind.fixed_taxonomy or attribute_taxonomy(call.id("attribute_id"))

    def _taxonomy_problem(self, kind: TermKind, call: Call) -> WooError | None:
        if kind.fixed_taxonomy or call.id("attribute_id") in self.db.attributes:
            return None
        return WooError("woocommerce_rest_taxonomy_invalid", "Taxonomy does not exist.", 404)

    def _term_problem(self, kind: TermKind, call: Call) -> WooError | None:
        problem = self._taxonomy_problem(kind, call)
        if problem is None and self.db.term(call.id(), self._taxonomy(kind, call)) is None:
            problem = _term_invalid()
        return problem

    def _base(self, kind: TermKind, call: Call) -> str:
        return kind.base.replace("{attribute_id}", str(call.params.get("attribute_id", "")))

    def _payload(self, kind: TermKind, call: Call, term: Term) -> dict[str, Any]:
        return terms.payload(self.db, term, call.site, self._base(kind, call))

    def list_terms(self, kind: TermKind, call: Call) -> Response:
        params = call.params
        matches = [
            term for term in self.db.taxonomy_terms(self._taxonomy(kind, call)) if self._wanted(term, params)
        ]
        matches = self._ordered(matches, params)
        per_page = params["per_page"]
        start = params.get("offset") or (params["page"] - 1) * per_page
        page = [self._payload(kind, call, term) for term in matches[start : start + per_page]]
        shown_page = math.ceil(start / per_page) + 1
        headers = paging_headers(
            call.site, self._base(kind, call), call.request.query, shown_page, per_page, len(matches)
        )
        return payload_response(page, headers=headers)

    def _wanted(self, term: Term, params: dict[str, Any]) -> bool:
        if params.get("include") and term.id not in params["include"]:
            return False
        if term.id in (params.get("exclude") or ()):
            return False
        if params.get("hide_empty") and not self.db.published[term.id]:
            return False
        if "parent" in params and term.parent != params["parent"]:
            return False
        if params.get("slug"):
            slugs = params["slug"] if isinstance(params["slug"], list) else str(params["slug"]).split(",")
            if term.slug not in {sanitize_title(slug) for slug in slugs}:
                return False
        if params.get("product") is not None:
            post = self.db.posts.get(params["product"])
            if post is None or term.id not in self.db.term_ids_of(post):
                return False
        needle = collation_key(params.get("search") or "")
        return not needle or needle in collation_key(decode(term.name)) or needle in term.slug

    @staticmethod
    def _ordered(matches: list[Term], params: dict[str, Any]) -> list[Term]:
        orderby = params["orderby"]
        keys: dict[str, Callable[[Term], Any]] = {
            "id": lambda term: term.id,
            "slug": lambda term: term.slug,
            "description": lambda term: collation_key(term.description),
            "name": lambda term: (collation_key(decode(term.name)), term.id),
        }
        if orderby == "include" and params.get("include"):
            position = {term_id: index for index, term_id in enumerate(params["include"])}
            key: Callable[[Term], Any] = lambda term: position.get(term.id, 0)  # noqa: E731
        else:
            key = keys.get(orderby, keys["name"])
        return sorted(matches, key=key, reverse=params["order"] == "desc")

    def _create(self, kind: TermKind, call: Call, params: dict[str, Any]) -> Term:
        if "parent" in params and not kind.hierarchical:
            raise WooError(
                "woocommerce_rest_taxonomy_not_hierarchical",
                "Can not set resource parent, taxonomy is not hierarchical.",
                400,
            )
        term = terms.insert(self.db, self._taxonomy(kind, call), params, kind.hierarchical)
        try:
            self._meta(kind, term, params)
        except WooError:
            terms.delete(self.db, term)
            raise
        return term

    def _meta(self, kind: TermKind, term: Term, params: dict[str, Any]) -> None:
        if kind is CATEGORIES:
            terms.set_category_meta(self.db, term, params)
        elif "menu_order" in params:
            with self.db.changing_term(term):
                term.menu_order = params["menu_order"]

    def create_term(self, kind: TermKind, call: Call) -> Response:
        term = self._create(kind, call, call.params)
        call.tally.created += 1
        location = f"{call.site}{API_PREFIX}/{self._base(kind, call)}/{term.id}"
        return created(self._payload(kind, call, term), location)

    def get_term(self, kind: TermKind, call: Call) -> Response:
        return payload_response(self._payload(kind, call, self._term(kind, call, call.id())))

    def _term(self, kind: TermKind, call: Call, term_id: int) -> Term:
        term = self.db.term(term_id, self._taxonomy(kind, call))
        if term is None:
            raise _term_invalid()
        return term

    def _update(self, kind: TermKind, term: Term, params: dict[str, Any]) -> None:
        if "parent" in params and not kind.hierarchical:
            raise WooError(
                "woocommerce_rest_taxonomy_not_hierarchical",
                "Can not set resource parent, taxonomy is not hierarchical.",
                400,
            )
        if any(name in params for name in ("name", "slug", "parent", "description")):
            terms.update(self.db, term, params)
        self._meta(kind, term, params)

    def update_term(self, kind: TermKind, call: Call) -> Response:
        term = self._term(kind, call, call.id())
        self._update(kind, term, call.params)
        call.tally.updated += 1
        return payload_response(self._payload(kind, call, term))

    def _delete(self, kind: TermKind, call: Call, term: Term) -> dict[str, Any]:
        answer = self._payload(kind, call, term)
        terms.delete(self.db, term)
        return answer

    def delete_term(self, kind: TermKind, call: Call) -> Response:
        if not call.params["force"]:
            raise WooError(*_NOT_TRASHABLE, 501)
        answer = self._delete(kind, call, self._term(kind, call, call.id()))
        call.tally.deleted += 1
        return payload_response(answer)

    def batch_terms(self, kind: TermKind, call: Call) -> Response:
        def create(item: dict[str, Any]) -> dict[str, Any]:
            return self._payload(
                kind, call, self._create(kind, call, parse(args.creating(kind.body, "name"), item))
            )

        def update(item: dict[str, Any]) -> dict[str, Any]:
            term = self._term(kind, call, batch_id(item))
            self._update(kind, term, parse(args.editing(kind.body), item))
            return self._payload(kind, call, term)

        def delete(term_id: int) -> dict[str, Any]:
            return self._delete(kind, call, self._term(kind, call, term_id))

        return payload_response(batch.run(call.body, call.tally, create, update, delete))

    # -- attributes ------------------------------------------------------------------------------
    def _attribute_endpoints(self) -> list[Endpoint]:
        base, item = "/products/attributes", "/products/attributes/{id}"

        def missing(call: Call) -> WooError | None:
            return None if call.id() in self.db.attributes else _attribute_missing()

        edit_args = args.editing(args.ATTRIBUTE)
        return [
            Endpoint("GET", base, self.list_attributes, {"context": args.CONTEXT}, anonymous_refused(LIST)),
            Endpoint(
                "POST",
                base,
                self.create_attribute,
                args.creating(args.ATTRIBUTE, "name"),
                anonymous_refused(
                    ("woocommerce_rest_cannot_create", "Sorry, you cannot create new resource.")
                ),
            ),
            *editable(f"{base}/batch", self.batch_attributes, edit_args, anonymous_refused(BATCH)),
            Endpoint("GET", item, self.get_attribute, args.ITEM_QUERY, found_then(missing, VIEW)),
            *editable(
                item,
                self.update_attribute,
                edit_args,
                found_then(missing, ("woocommerce_rest_cannot_update", "Sorry, you cannot update resource.")),
            ),
            Endpoint("DELETE", item, self.delete_attribute, _DELETE, found_then(missing, DELETE)),
        ]

    def _attribute(self, attribute_id: int) -> Attribute:
        attribute = self.db.attributes.get(attribute_id)
        if attribute is None:
            raise WooError("woocommerce_rest_attribute_invalid", "Resource does not exist.", 404)
        return attribute

    def list_attributes(self, call: Call) -> Response:
        # Not paginated: every attribute, X-WP-TotalPages always 1.
        found = [attributes.payload(item, call.site) for item in self.db.attributes.values()]
        headers = {
            "X-WP-Total": str(len(found)),
            "X-WP-TotalPages": "1",
            "Link": f'<{call.site}/wp-json/>; rel="https://api.w.org/"',
        }
        return payload_response(found, headers=headers)

    def create_attribute(self, call: Call) -> Response:
        attribute = attributes.create(self.db, call.params)
        call.tally.created += 1
        location = f"{call.site}{API_PREFIX}/products/attributes/{attribute.id}"
        return created(attributes.payload(attribute, call.site), location)

    def get_attribute(self, call: Call) -> Response:
        return payload_response(attributes.payload(self._attribute(call.id()), call.site))

    def update_attribute(self, call: Call) -> Response:
        attribute = self._attribute(call.id())
        attributes.update(self.db, attribute, call.params)
        call.tally.updated += 1
        return payload_response(attributes.payload(attribute, call.site))

    def delete_attribute(self, call: Call) -> Response:
        if not call.params["force"]:
            raise WooError(*_NOT_TRASHABLE, 501)
        attribute = self._attribute(call.id())
        answer = attributes.payload(attribute, call.site)
        attributes.delete(self.db, attribute)
        call.tally.deleted += 1
        return payload_response(answer)

    def batch_attributes(self, call: Call) -> Response:
        def create(item: dict[str, Any]) -> dict[str, Any]:
            attribute = attributes.create(self.db, parse(args.creating(args.ATTRIBUTE, "name"), item))
            return attributes.payload(attribute, call.site)

        def update(item: dict[str, Any]) -> dict[str, Any]:
            attribute = self._attribute(batch_id(item))
            attributes.update(self.db, attribute, parse(args.editing(args.ATTRIBUTE), item))
            return attributes.payload(attribute, call.site)

        def delete(attribute_id: int) -> dict[str, Any]:
            attribute = self._attribute(attribute_id)
            answer = attributes.payload(attribute, call.site)
            attributes.delete(self.db, attribute)
            return answer

        return payload_response(batch.run(call.body, call.tally, create, update, delete))


def _term_invalid() -> WooError:
    return WooError("woocommerce_rest_term_invalid", "Resource does not exist.", 404)


def _attribute_missing() -> WooError:
    return WooError("woocommerce_rest_taxonomy_invalid", "Resource does not exist.", 404)
