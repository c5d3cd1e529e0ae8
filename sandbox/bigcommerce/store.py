"""The BigCommerce store: the REST API as https://api.bigcommerce.com/stores/{store_hash}/ serves it.

    GET /v3/catalog/products                     paging, include, include/exclude_fields, filters, sort
    GET /v3/catalog/products/{id}                one product (+ include, include/exclude_fields)
    GET /v3/catalog/products/{id}/variants       paged
    GET /v3/catalog/products/{id}/images         paged; 204 when the product has none (spec)
    GET /v3/catalog/products/{id}/custom-fields  paged
    GET /v3/catalog/categories                   flat, with parent_id (deprecated, still served)
    GET /v3/catalog/trees                        the store's one category tree
    GET /v3/catalog/trees/categories             flat, with tree_id and parent_id
    GET /v3/catalog/trees/{tree_id}/categories   nested
    GET /v3/catalog/brands                       the catalog's vendors
    GET /v2/store, GET /v2/time                  connection tests (bare v2 objects)
    GET/POST /v3/hooks, GET/PUT/DELETE /v3/hooks/{id}   webhooks (hooks.py: subscriptions, deliveries)

Every API route needs `X-Auth-Token` (`X-Auth-Client` is deprecated and ignored,
https://github.com/bigcommerce/docs/blob/main/docs/start/authentication/index.mdx) and spends one
unit of the store's quota: 150 (Standard, Plus) or 450 (Pro) requests per 30-second window,
"shared by all apps accessing the store" (docs/api-docs/getting-started/api-rate-limits.mdx).
Authenticated answers carry the four `X-Rate-Limit-*` headers; a spent quota answers 429 with them
and `X-Retry-After` (docs/start/about/index.mdx, "BigCommerce-specific response headers"). A 429
injected as a fault comes bare: "a 429 response without the API HTTP headers" is BigCommerce's
sign of platform load (same rate-limits page). Gateway errors: see errors.py.
"""

from __future__ import annotations

import hmac
import logging
import math
import operator
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sandbox.bigcommerce import ids, query, render, v2
from sandbox.bigcommerce.errors import EMPTY_TOKEN, NO_ROUTE, NO_SCOPE, NO_TOKEN, plain, v3_error
from sandbox.bigcommerce.hooks import BigCommerceHooks
from sandbox.bigcommerce.tracking import Tracker
from sandbox.bigcommerce.view import View
from sandbox.catalog import VENDORS, Catalog, Category, Product
from sandbox.http import JSON_TYPE, HttpError, Request, Response, Route, dumps, json_response, route
from sandbox.ratelimit import WindowQuota, WindowState
from sandbox.settings import SandboxSettings
from sandbox.source import SourceStore

log = logging.getLogger(__name__)

WINDOW_MS = 30_000
PLAN_QUOTAS = {"standard": 150, "pro": 450}
V3 = r"/stores/(?P<store_hash>[^/]+)/v3"
V2 = r"/stores/(?P<store_hash>[^/]+)/v2"
PRODUCT = V3 + r"/catalog/products/(?P<product_id>\d+)"

Handler = Callable[[Request], Response]


def _quota_headers(state: WindowState) -> dict[str, str]:
    return {
        "X-Rate-Limit-Time-Window-Ms": str(state.window_ms),
        "X-Rate-Limit-Time-Reset-Ms": str(state.reset_ms),
        "X-Rate-Limit-Requests-Quota": str(state.quota),
        "X-Rate-Limit-Requests-Left": str(state.left),
    }


def _collection(items: Iterable[bytes], meta: dict[str, Any]) -> Response:
    body = b'{"data":[' + b",".join(items) + b'],"meta":' + dumps(meta) + b"}"
    return Response(body=body, content_type=JSON_TYPE)


class BigCommerceStore(SourceStore):
    platform = "bigcommerce"

    def __init__(self, catalog: Catalog, settings: SandboxSettings) -> None:
        self.plan = settings.bigcommerce_plan
        self.store_hash = settings.secret("bigcommerce:store_hash", 10)
        self.token = settings.secret("bigcommerce:access_token", 31)
        self.quota = WindowQuota(PLAN_QUOTAS[self.plan], WINDOW_MS)
        self.tracker = Tracker(catalog)
        # The app's client id and secret: hooks belong to the client id, deliveries are signed
        # with the secret; a rotation makes the next one.
        self.client_id = settings.secret("bigcommerce:client_id", 31)
        self.webhooks = BigCommerceHooks(
            self,
            self.store_hash,
            self.client_id,
            lambda generation: settings.secret(f"bigcommerce:client_secret:{generation}", 40),
        )
        super().__init__(catalog)
        # Date every change when it happens, so product-level edits keep their own instant.
        self.listeners.append(lambda kind, changed: self.tracker.sync())
        self.tracker.sync()  # index the catalog now rather than on the first request

    # -- what a platform declares ---------------------------------------------------------
    product_id = staticmethod(ids.product_id)
    key_for_number = staticmethod(ids.product_key)

    def credentials(self, base_url: str) -> dict[str, Any]:
        return {
            "url": base_url,
            "store_hash": self.store_hash,
            "token": self.token,
            "client_id": self.client_id,
            "client_secret": self.webhooks.secret.current,
        }

    def routes(self) -> Iterable[Route]:
        api = self._api
        return (
            route("GET", V3 + "/catalog/products", api(self.list_products), "products"),
            route("GET", PRODUCT, api(self.get_product), "product"),
            route("GET", PRODUCT + "/variants", api(self._listing("variants")), "variants"),
            route("GET", PRODUCT + "/images", api(self._listing("images")), "images"),
            route("GET", PRODUCT + "/custom-fields", api(self._listing("custom_fields")), "custom_fields"),
            route("GET", V3 + "/catalog/categories", api(self.list_categories), "categories"),
            route("GET", V3 + "/catalog/trees", api(self.list_trees), "trees"),
            route("GET", V3 + "/catalog/trees/categories", api(self.list_tree_categories), "tree_categories"),
            route("GET", V3 + r"/catalog/trees/(?P<tree_id>\d+)/categories", api(self.get_tree), "tree"),
            route("GET", V3 + "/catalog/brands", api(self.list_brands), "brands"),
            route("GET", V2 + "/store", api(self.get_store), "store"),
            route("GET", V2 + "/time", api(self.get_time), "time"),
            *self.webhooks.routes(
                V3, api, lambda request, hooks: self._paged(request, hooks, query.HOOK_FIELDS)
            ),
        )

    def error_response(self, status: int, message: str) -> Response:
        return v3_error(status, message)

    def not_found(self, request: Request) -> Response:
        return plain(404, NO_ROUTE)

    def method_not_allowed(self, request: Request) -> Response:
        # The gateway resolves routes per method: GET on a POST-only route is "not found" too.
        return plain(404, NO_ROUTE)

    def reset(self) -> None:
        super().reset()
        self.quota.reset()

    # -- the gate: token, store, quota ----------------------------------------------------
    def _api(self, handler: Handler) -> Handler:
        def guarded(request: Request) -> Response:
            self._authenticate(request)
            state = self.quota.take()
            if not state.allowed:
                response = v3_error(429, "Too many requests")
                response.headers.update(_quota_headers(state))
                response.headers["X-Retry-After"] = str(math.ceil(state.reset_ms / 1000))
                return response
            try:
                response = handler(request)
            except HttpError as error:
                response = error.response
            response.headers.update(_quota_headers(state))
            return response

        return guarded

    def _authenticate(self, request: Request) -> None:
        token = request.headers.get("X-Auth-Token")
        if token is None:
            raise HttpError(plain(401, NO_TOKEN))
        if not token.strip():
            raise HttpError(plain(401, EMPTY_TOKEN))
        if not hmac.compare_digest(token.strip().encode(), self.token.encode()):
            raise HttpError(v3_error(401, "Unauthorized", {}))
        if request.params["store_hash"] != self.store_hash:
            raise HttpError(v3_error(403, NO_SCOPE, {}))

    # -- products -------------------------------------------------------------------------
    def warm(self) -> None:
        self._view()

    def _view(self) -> View:
        def build() -> View:
            products, shown = self.tracker.sync()
            return View(products, shown, render.Context(self.store_hash, self.tracker.skus))

        return self.cached("view", build)

    def _product(self, request: Request) -> tuple[View, Product]:
        view = self._view()
        key = ids.product_key(int(request.params["product_id"]))
        product = None if key is None or key not in view.shown else self.catalog.get(key)
        if product is None:
            raise HttpError(v3_error(404, "The requested product was not found."))
        return view, product

    @staticmethod
    def _includes(request: Request) -> list[str]:
        wanted = set(query.includes(request, render.SUBRESOURCES))
        return [name for name in render.SUBRESOURCES if name in wanted]

    @staticmethod
    def _product_json(view: View, product: Product, wanted: list[str], request: Request) -> bytes:
        if query.wants_fields(request):
            return dumps(query.select_fields(request, view.payload(product, wanted), ("id", *wanted)))
        return view.product_json(product, wanted)

    def list_products(self, request: Request) -> Response:
        view = self._view()
        wanted = self._includes(request)
        paging = query.paging(request, wanted)
        field, descending = query.sort(request)
        tests = query.product_filters(request, datetime.now(UTC))
        total, page = view.select(field, descending, tests, query.window(paging))
        items = [self._product_json(view, product, wanted, request) for product in page]
        return _collection(items, query.pagination(request, total, len(page), paging))

    def get_product(self, request: Request) -> Response:
        view, product = self._product(request)
        body = (
            b'{"data":' + self._product_json(view, product, self._includes(request), request) + b',"meta":{}}'
        )
        return Response(body=body, content_type=JSON_TYPE)

    def _listing(self, name: str) -> Handler:
        """A product's variants, images or custom fields as a paged collection of their own."""

        def listing(request: Request) -> Response:
            view, product = self._product(request)
            items = render.SUBRESOURCES[name](product, view.shown[product.key], view.ctx)
            if name == "images" and not items:
                return Response(status=204)  # "There are not any images on this product." (spec)
            return self._paged(request, items)

        return listing

    # -- categories, trees, brands, v2 ----------------------------------------------------
    @staticmethod
    def _paged(
        request: Request,
        items: list[dict[str, Any]],
        fields: dict[str, query.Field] | None = None,
        key: str = "id",
    ) -> Response:
        paging = query.paging(request)
        tests = query.field_filters(request, fields or {}, operator.getitem)
        kept = [item for item in items if all(test(item) for test in tests)]
        page = [query.select_fields(request, item, (key,)) for item in kept[query.window(paging)]]
        return json_response({"data": page, "meta": query.pagination(request, len(kept), len(page), paging)})

    def _categories(
        self, shape: Callable[[Category, list[Category]], dict[str, Any]]
    ) -> list[dict[str, Any]]:
        return [shape(item, self.catalog.category_path(item.key)) for item in self.catalog.categories]

    def list_categories(self, request: Request) -> Response:
        return self._paged(request, self._categories(render.category), query.CATEGORY_FIELDS)

    def list_tree_categories(self, request: Request) -> Response:
        items = self._categories(render.tree_category)
        return self._paged(request, items, query.TREE_CATEGORY_FIELDS, key="category_id")

    def list_trees(self, request: Request) -> Response:
        return self._paged(request, [render.tree()], query.TREE_FIELDS)

    def get_tree(self, request: Request) -> Response:
        if int(request.params["tree_id"]) != ids.TREE_ID:
            raise HttpError(v3_error(404, "Category tree not found."))
        raw_depth = request.arg("depth")
        depth = int(raw_depth) if raw_depth and raw_depth.isdigit() else None

        def nodes(parent: int | None, level: int) -> list[dict[str, Any]]:
            if depth is not None and level >= depth:
                return []
            return [
                render.tree_node(item, self.catalog.category_path(item.key), nodes(item.key, level + 1))
                for item in self.catalog.categories
                if item.parent == parent
            ]

        return json_response({"data": nodes(None, 0), "meta": {}})

    def list_brands(self, request: Request) -> Response:
        return self._paged(request, [render.brand(vendor) for vendor in VENDORS], query.BRAND_FIELDS)

    def get_store(self, request: Request) -> Response:
        return json_response(v2.store(self.store_hash, self.plan))

    def get_time(self, request: Request) -> Response:
        return json_response(v2.time(datetime.now(UTC)))
