"""The product and variation routes of /wp-json/wc/v3: collection, item, batch.

Single writes answer in the `edit` context (create: 201 + Location); DELETE without `force`
trashes (a second time is 410), with `force` deletes for good, and either answers with the
object as it was *before*, as WC_REST_CRUD_Controller::delete_item() renders it first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.http import Response
from sandbox.woocommerce import args, batch, posts, products, variations
from sandbox.woocommerce.database import Database, Post
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
    anonymous_refused,
    body_response,
    created,
    editable,
    payload_response,
    refused_if,
)
from sandbox.woocommerce.errors import WooError, invalid_id
from sandbox.woocommerce.listing import OrderCache, Query, paging_headers
from sandbox.woocommerce.render import Renderer
from sandbox.woocommerce.schema import parse, php_int

_CREATE_PRODUCT = args.creating(args.PRODUCT)
_EDIT_PRODUCT = args.editing(args.PRODUCT)
_CREATE_VARIATION = args.creating(args.VARIATION)
_EDIT_VARIATION = args.editing(args.VARIATION)
_DELETE = {**args.FORCE, **args.ITEM_QUERY}


class ProductRoutes:
    def __init__(self, db: Database, renderer: Renderer, orders: OrderCache) -> None:
        self.db, self.renderer, self.orders = db, renderer, orders

    def endpoints(self) -> list[Endpoint]:
        one, many = "/products/{id}", "/products/{product_id}/variations"
        variation = f"{many}/{{id}}"
        products_, variations_ = self._exists("product"), self._exists("variation")
        return [
            Endpoint("GET", "/products", self.list_products, args.PRODUCT_QUERY, anonymous_refused(LIST)),
            Endpoint("POST", "/products", self.create_product, _CREATE_PRODUCT, anonymous_refused(CREATE)),
            *editable("/products/batch", self.batch_products, _EDIT_PRODUCT, anonymous_refused(BATCH)),
            Endpoint("GET", one, self.get_product, args.ITEM_QUERY, refused_if(products_, VIEW)),
            *editable(one, self.update_product, _EDIT_PRODUCT, refused_if(products_, EDIT)),
            Endpoint("DELETE", one, self.delete_product, _DELETE, refused_if(products_, DELETE)),
            Endpoint("GET", many, self.list_variations, args.VARIATION_QUERY, anonymous_refused(LIST)),
            Endpoint("POST", many, self.create_variation, _CREATE_VARIATION, anonymous_refused(CREATE)),
            *editable(f"{many}/batch", self.batch_variations, _EDIT_VARIATION, anonymous_refused(BATCH)),
            Endpoint("GET", variation, self.get_variation, args.ITEM_QUERY, refused_if(variations_, VIEW)),
            *editable(variation, self.update_variation, _EDIT_VARIATION, refused_if(variations_, EDIT)),
            Endpoint("DELETE", variation, self.delete_variation, _DELETE, refused_if(variations_, DELETE)),
        ]

    def _exists(self, kind: str) -> Callable[[Call], bool]:
        return lambda call: self._post(call.id(), kind) is not None

    def _post(self, post_id: int, kind: str | None) -> Post | None:
        post = self.db.posts.get(post_id)
        return post if post is not None and (kind is None or post.kind == kind) else None

    # -- products -----------------------------------------------------------------------------
    def list_products(self, call: Call) -> Response:
        page, total = Query(self.db, self.renderer, self.orders, call.params).run()
        body = self.renderer.products_json(page, call.site, call.context)
        return body_response(body, headers=self._paging(call, "products", total))

    def _paging(self, call: Call, route: str, total: int) -> dict[str, str]:
        page, per_page = call.params["page"], call.params["per_page"]
        return paging_headers(call.site, route, call.request.query, page, per_page, total)

    def get_product(self, call: Call) -> Response:
        # wc_get_product() also finds variations: /products/{variation id} answers in the product shape.
        post = self._post(call.id(), None)
        if post is None:
            raise invalid_id("product", 404)
        return body_response(self.renderer.product_json(post, call.site, call.context))

    def create_product(self, call: Call) -> Response:
        post = products.create(self.db, call.params)
        call.tally.created += 1
        return created(
            self.renderer.product(post, call.site, "edit"), f"{call.site}{API_PREFIX}/products/{post.id}"
        )

    def update_product(self, call: Call) -> Response:
        post = products.update(self.db, self._post(call.id(), None), call.params)
        call.tally.updated += 1
        return payload_response(self.renderer.product(post, call.site, "edit"))

    def delete_product(self, call: Call) -> Response:
        answer = self._delete(call.site, self._post(call.id(), None), bool(call.params["force"]), "product")
        call.tally.deleted += 1
        return payload_response(answer)

    def _delete(self, site: str, post: Post | None, force: bool, kind: str) -> dict[str, Any]:
        if post is None:
            raise invalid_id(kind, 404)
        if post.kind == "variation":
            answer = self.renderer.variation(post, site)
        else:
            answer = self.renderer.product(post, site, "edit")
        if force:
            posts.delete(self.db, post)
        elif post.status == "trash":
            raise WooError("woocommerce_rest_already_trashed", f"The {kind} has already been deleted.", 410)
        else:
            posts.trash(self.db, post)
        return answer

    def batch_products(self, call: Call) -> Response:
        def create(item: dict[str, Any]) -> dict[str, Any]:
            return self.renderer.product(
                products.create(self.db, parse(_CREATE_PRODUCT, item)), call.site, "edit"
            )

        def update(item: dict[str, Any]) -> dict[str, Any]:
            post = self._post(batch_id(item), None)
            return self.renderer.product(
                products.update(self.db, post, parse(_EDIT_PRODUCT, item)), call.site, "edit"
            )

        def delete(post_id: int) -> dict[str, Any]:
            return self._delete(call.site, self._post(post_id, None), True, "product")

        return payload_response(batch.run(call.body, call.tally, create, update, delete))

    # -- variations -----------------------------------------------------------------------------
    def list_variations(self, call: Call) -> Response:
        page, total = Query(self.db, self.renderer, self.orders, call.params).run(
            parent=call.id("product_id")
        )
        body = [self.renderer.variation(post, call.site) for post in page]
        return payload_response(
            body, headers=self._paging(call, f"products/{call.id('product_id')}/variations", total)
        )

    def get_variation(self, call: Call) -> Response:
        variation = self._post(call.id(), "variation")
        if variation is None:
            raise invalid_id(variations.KIND, 404)
        return payload_response(self.renderer.variation(variation, call.site))

    def create_variation(self, call: Call) -> Response:
        parent = variations.parent_of(self.db, call.id("product_id"))
        variation = variations.create(self.db, parent, call.params)
        call.tally.created += 1
        location = f"{call.site}{API_PREFIX}/products/{parent.id}/variations/{variation.id}"
        return created(self.renderer.variation(variation, call.site), location)

    def update_variation(self, call: Call) -> Response:
        parent = variations.parent_of(self.db, call.id("product_id"))
        variation = variations.update(self.db, parent, self._post(call.id(), None), call.params)
        call.tally.updated += 1
        return payload_response(self.renderer.variation(variation, call.site))

    def delete_variation(self, call: Call) -> Response:
        variation = self._post(call.id(), "variation")
        answer = self._delete(call.site, variation, bool(call.params["force"]), variations.KIND)
        call.tally.deleted += 1
        return payload_response(answer)

    def batch_variations(self, call: Call) -> Response:
        parent = variations.parent_of(self.db, call.id("product_id"))

        def create(item: dict[str, Any]) -> dict[str, Any]:
            variation = variations.create(self.db, parent, parse(_CREATE_VARIATION, item))
            return self.renderer.variation(variation, call.site)

        def update(item: dict[str, Any]) -> dict[str, Any]:
            variation = self._post(batch_id(item), None)
            return self.renderer.variation(
                variations.update(self.db, parent, variation, parse(_EDIT_VARIATION, item)), call.site
            )

        def delete(post_id: int) -> dict[str, Any]:
            return self._delete(call.site, self._post(post_id, "variation"), True, variations.KIND)

        return payload_response(batch.run(call.body, call.tally, create, update, delete))


def batch_id(item: dict[str, Any]) -> int:
    """An update item's id, as `(int) $request['id']` reads it."""
    return php_int(item.get("id"))
