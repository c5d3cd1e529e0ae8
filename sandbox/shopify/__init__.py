"""The fake Shopify store: the Admin REST API (here and in rest.py, paging.py, listings.py) and the
Admin GraphQL endpoint (graphql.py), over one generated catalog.

    GET  /admin/api/{version}/shop.json                          GET .../products/{id}/variants.json
    GET  /admin/api/{version}/products.json                      GET .../products/{id}/images.json
    GET  /admin/api/{version}/products/count.json                GET .../products/{id}/metafields.json
    GET  /admin/api/{version}/products/{id}.json                 GET .../collects.json, collects/count.json
    GET  /admin/api/{version}/custom_collections.json            GET .../custom_collections/count.json
    GET  /admin/api/{version}/custom_collections/{id}.json       GET /admin/oauth/access_scopes.json
    POST /admin/api/{version}/graphql.json
    GET/POST /admin/api/{version}/webhooks.json, GET .../webhooks/count.json,
    GET/PUT/DELETE .../webhooks/{id}.json                        (webhooks.py: subscriptions, deliveries;
    GraphQL webhookSubscriptionCreate/Delete, webhookSubscription(s): graphql_webhooks.py)

Every request needs `X-Shopify-Access-Token`; REST requests (not GraphQL, which is throttled by
query cost) fill the plan's leaky bucket and every REST answer reports it in
`X-Shopify-Shop-Api-Call-Limit`. Catalog categories are custom collections (Shopify's are flat).
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from sandbox.catalog import Catalog, Product
from sandbox.http import HttpError, Request, Response, Route, dumps, json_response, route
from sandbox.ratelimit import LeakyBucket
from sandbox.settings import SandboxSettings
from sandbox.shopify import ids, rest
from sandbox.shopify.graphql import GraphQLEndpoint
from sandbox.shopify.graphql_schema import admin_schema
from sandbox.shopify.graphql_webhooks import WebhookGraphQL
from sandbox.shopify.listings import (
    COLLECTS,
    NESTED,
    PRODUCTS,
    CollectRow,
    ProductRow,
    collect_rows,
    collections,
    product_row,
)
from sandbox.shopify.paging import Page, trim
from sandbox.shopify.paging import fields as fields_of
from sandbox.shopify.webhooks import ShopifyWebhooks
from sandbox.source import SourceStore

log = logging.getLogger(__name__)

# No version in the path is allowed too: "If your request doesn't include a version, then the API
# also defaults to the oldest supported stable version" (https://shopify.dev/docs/api/usage/versioning).
API = r"/admin(?:/api/(?P<version>[^/]+))?"
PRODUCT = API + r"/products/(?P<product_id>\d+)"
TOKEN_HEADER = "X-Shopify-Access-Token"
CALL_LIMIT_HEADER = "X-Shopify-Shop-Api-Call-Limit"
VERSION_HEADER = "X-Shopify-API-Version"
# Observed on products.json and products/count.json of a live store in 2025-2026: the product REST
# endpoints are deprecated in favour of GraphQL (https://shopify.dev/api/admin/migrate/new-product-model).
DEPRECATED_HEADER = "X-Shopify-API-Deprecated-Reason"
PRODUCT_DEPRECATION = "https://shopify.dev/api/admin-rest/latest/resources/product"
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
# What a token without write scopes gets for a write (as apps report it); this store only reads.
NO_WRITE_SCOPE = "[API] This action requires merchant approval for write_products scope."
# (bucket size, leak per second). "Standard limit: 2 requests/second · Advanced Shopify limit: 4
# requests/second · Shopify Plus limit: 20 requests/second"; bucket 40 on standard and "increased by
# a factor of 10 for Shopify Plus stores" (https://shopify.dev/docs/api/admin-rest/usage/rate-limits);
# advanced shops report n/80, the same 20 seconds of leak.
BUCKETS = {"standard": (40, 2), "advanced": (80, 4), "plus": (400, 20)}
# The wait Shopify documents with a full bucket ("X-Shopify-Shop-Api-Call-Limit: 40/40 ·
# Retry-After: 2.0"), and the one its official clients are tested with; a float string.
RETRY_AFTER = "2.0"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Stable versions stay supported for 12 months: the configured one and the three before it.
SUPPORTED_RELEASES = 4
VERSION = re.compile(r"(\d{4})-(0[1-9]|1[0-2])\Z")
# Rendered products kept between requests: a full page again costs a join, not a render, while a
# 100,000-product catalog (about 7 KB a product) never sits in memory whole.
RENDERED_PRODUCTS = 10_000


def releases(latest: str) -> list[str]:
    """The supported stable versions, oldest first: quarterly releases ending at `latest`."""
    year, month = (int(part) for part in latest.split("-"))
    quarters = year * 4 + (month - 1) // 3
    return [
        f"{q // 4:04d}-{(q % 4) * 3 + 1:02d}" for q in range(quarters - SUPPORTED_RELEASES + 1, quarters + 1)
    ]


def served_version(requested: str | None, latest: str) -> str | None:
    """The version that answers a request for `requested`, or None when that is no version at all.

    Shopify "falls forward" for versions it no longer supports: they are "served version 2023-10,
    because that will be the oldest supported stable version" (https://shopify.dev/docs/api/usage/versioning),
    and says which in X-Shopify-API-Version. A well-formed version between releases gets the next
    release; one newer than the newest gets the newest (the docs are silent on both).
    """
    supported = releases(latest)
    if requested is None:
        return supported[0]
    if requested == "unstable":
        return requested
    if not VERSION.match(requested):
        return None
    return next((release for release in supported if release >= requested), supported[-1])


class ProductIndex(NamedTuple):
    by_title: list[ProductRow]
    by_id: list[ProductRow]

    def rows(self, order: str) -> list[ProductRow]:
        return self.by_title if order == "title" else self.by_id


class RenderedProducts:
    """A bounded, thread-safe memory of rendered product JSON for one catalog version."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[int, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, product: Product) -> bytes:
        with self._lock:
            found = self._items.get(product.key)
            if found is not None:
                self._items.move_to_end(product.key)
                return found
        rendered = dumps(rest.product(product))
        with self._lock:
            self._items[product.key] = rendered
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        return rendered


class ShopifyStore(SourceStore):
    platform = "shopify"

    def __init__(self, catalog: Catalog, settings: SandboxSettings) -> None:
        if not VERSION.match(settings.shopify_api_version):
            raise ValueError(
                f"shopify_api_version must be a release like 2025-07, not {settings.shopify_api_version!r}"
            )
        self.settings = settings
        self.token = "shpat_" + settings.secret("shopify-token")
        self.bucket = LeakyBucket(*BUCKETS[settings.shopify_plan])
        # The app's client secret signs webhook deliveries; a rotation makes the next one.
        self.webhooks = ShopifyWebhooks(
            self,
            lambda generation: "shpss_" + settings.secret(f"shopify-client-secret:{generation}"),
            lambda request: (
                served_version(request.params.get("version"), settings.shopify_api_version)
                or settings.shopify_api_version
            ),
        )
        super().__init__(catalog)
        self.graphql = GraphQLEndpoint(self, WebhookGraphQL(self.webhooks).root)

    # -- what the platform declares ------------------------------------------------------------
    def routes(self) -> Iterable[Route]:
        listed = [
            ("shop", API + r"/shop\.json", self._shop),
            ("products", API + r"/products\.json", self._products),
            ("products/count", API + r"/products/count\.json", self._products_count),
            ("product", PRODUCT + r"\.json", self._product),
            ("product/variants", PRODUCT + r"/variants\.json", self._nested(rest.variants, "variants")),
            ("product/images", PRODUCT + r"/images\.json", self._nested(rest.images, "images")),
            (
                "product/metafields",
                PRODUCT + r"/metafields\.json",
                self._nested(rest.metafields, "metafields"),
            ),
            ("custom_collections", API + r"/custom_collections\.json", self._collections),
            ("custom_collections/count", API + r"/custom_collections/count\.json", self._collections_count),
            (
                "custom_collection",
                API + r"/custom_collections/(?P<collection_id>\d+)\.json",
                self._collection,
            ),
            ("collects", API + r"/collects\.json", self._collects),
            ("collects/count", API + r"/collects/count\.json", self._collects_count),
        ]
        yield from (route("GET", pattern, self._api(handler), name) for name, pattern, handler in listed)
        yield route("POST", API + r"/graphql\.json", self._api(self._graphql, charged=False), "graphql")
        # Unversioned, like every OAuth path (https://shopify.dev/docs/api/admin-rest/latest/resources/accessscope).
        access_scopes = self._api(self._access_scopes, versioned=False)
        yield route("GET", r"/admin/oauth/access_scopes\.json", access_scopes, "access_scopes")
        yield from self.webhooks.routes(API, self._api)

    def error_response(self, status: int, message: str) -> Response:
        # REST errors are {"errors": "..."} (or an object of field messages for validation).
        return json_response({"errors": message}, status=status)

    def credentials(self, base_url: str) -> dict[str, Any]:
        return {"url": base_url, "token": self.token, "client_secret": self.webhooks.secret.current}

    def rate_limited(self, request: Request) -> Response:
        capacity, leak = BUCKETS[self.settings.shopify_plan]
        # The body apps see in production when the bucket overflows (api-notes §1.5).
        message = (
            f"Exceeded {leak} calls per second for api client. "
            "Reduce request rates to resume uninterrupted service."
        )
        response = self.error_response(429, message)
        response.headers["Retry-After"] = RETRY_AFTER
        if _is_rest(request):
            response.headers[CALL_LIMIT_HEADER] = f"{capacity}/{capacity}"
        return response

    def method_not_allowed(self, request: Request) -> Response:
        # Another verb on a known path is a write (POST/PUT/DELETE products...): the token is
        # checked first, then its scopes, of which this store grants only read ones.
        if request.method not in WRITES:
            return super().method_not_allowed(request)
        if request.headers.get(TOKEN_HEADER) != self.token:
            return self.error_response(401, INVALID_TOKEN)
        return self.error_response(403, NO_WRITE_SCOPE)

    def decorate(self, request: Request, response: Response) -> None:
        # Answers that never reached a handler (bad token, unknown route, injected faults) still
        # show the bucket, without filling it.
        if _is_rest(request) and CALL_LIMIT_HEADER not in response.headers:
            response.headers[CALL_LIMIT_HEADER] = self._call_limit(self.bucket.level())

    def reset(self) -> None:
        super().reset()
        self.bucket.reset()
        self.graphql.reset()

    def warm(self) -> None:
        self._index()
        admin_schema()

    # -- ids -----------------------------------------------------------------------------------
    product_id = staticmethod(ids.product_id)
    key_for_number = staticmethod(ids.product_key)

    # -- the gate every API request passes -----------------------------------------------------
    def _api(
        self, handler: Callable[[Request], Response], charged: bool = True, versioned: bool = True
    ) -> Callable[[Request], Response]:
        def gated(request: Request) -> Response:
            version = served_version(request.params.get("version"), self.settings.shopify_api_version)
            if versioned and version is None:
                return self.not_found(request)
            if request.headers.get(TOKEN_HEADER) != self.token:
                return self.error_response(401, INVALID_TOKEN)
            level = None
            if charged:
                state = self.bucket.add(1)
                if not state.allowed:
                    return self.rate_limited(request)
                level = state.level
            try:
                response = handler(request)
            except HttpError as error:
                response = error.response
            if level is not None:
                response.headers[CALL_LIMIT_HEADER] = self._call_limit(level)
            if versioned and version is not None:
                response.headers[VERSION_HEADER] = version
            return response

        return gated

    def _call_limit(self, level: float) -> str:
        return f"{math.ceil(level)}/{int(self.bucket.capacity)}"

    def _graphql(self, request: Request) -> Response:
        return self.graphql.handle(request)

    # -- products ------------------------------------------------------------------------------
    def _index(self) -> ProductIndex:
        def build() -> ProductIndex:
            by_id = PRODUCTS.sort(map(product_row, self.catalog.products()), "id")
            return ProductIndex(PRODUCTS.sort(by_id, "title"), by_id)

        return self.cached("product-index", build)

    def _find(self, request: Request) -> Product:
        key = self.key_for_id(request.params["product_id"])
        found = self.catalog.get(key) if key is not None else None
        if found is None:
            raise HttpError(self.not_found(request))
        return found

    def _render(self, product: Product, names: list[str] | None) -> bytes:
        if names is None:
            return self.cached("rendered", lambda: RenderedProducts(RENDERED_PRODUCTS)).get(product)
        return dumps(trim(rest.product(product), names))

    def _products(self, request: Request) -> Response:
        page = PRODUCTS.page(request, self._index().rows)
        found = (self.catalog.get(row.key) for row in page.items)
        parts = [self._render(product, page.fields) for product in found if product is not None]
        body = b'{"products":[' + b",".join(parts) + b"]}"
        return Response(body=body, headers={**page.headers, DEPRECATED_HEADER: PRODUCT_DEPRECATION})

    def _products_count(self, request: Request) -> Response:
        count = PRODUCTS.count(request, self._index().by_id)
        return json_response({"count": count}, headers={DEPRECATED_HEADER: PRODUCT_DEPRECATION})

    def _product(self, request: Request) -> Response:
        product = self._find(request)
        body = b'{"product":' + self._render(product, fields_of(request)) + b"}"
        return Response(body=body, headers={DEPRECATED_HEADER: PRODUCT_DEPRECATION})

    def _nested(
        self, render: Callable[[Product], list[dict[str, Any]]], name: str
    ) -> Callable[[Request], Response]:
        """products/{id}/<name>.json: a product's variants, images or metafields, listed by id."""

        def answer(request: Request) -> Response:
            payloads = sorted(render(self._find(request)), key=NESTED.id_of)
            page = NESTED.page(request, lambda order: payloads)
            return self._page(name, page.items, page)

        return answer

    @staticmethod
    def _page(name: str, payloads: list[dict[str, Any]], page: Page[Any]) -> Response:
        """`{name: [...]}` of `payloads` (the page's items rendered), trimmed to `fields`."""
        return json_response({name: [trim(item, page.fields) for item in payloads]}, headers=page.headers)

    # -- collections ---------------------------------------------------------------------------
    def _collects_index(self) -> list[CollectRow]:
        return self.cached("collects", lambda: collect_rows(self.catalog.products()))

    def _collections(self, request: Request) -> Response:
        listing = collections(self.catalog)
        page = listing.page(request, lambda order: listing.sort(self.catalog.categories, order))
        return self._page("custom_collections", [rest.custom_collection(c) for c in page.items], page)

    def _collections_count(self, request: Request) -> Response:
        return json_response({"count": collections(self.catalog).count(request, self.catalog.categories)})

    def _collection(self, request: Request) -> Response:
        number = int(request.params["collection_id"])
        category = next((c for c in self.catalog.categories if ids.collection_id(c.key) == number), None)
        if category is None:
            raise HttpError(self.not_found(request))
        size = sum(1 for row in self._collects_index() if row.category_key == category.key)
        rendered = rest.custom_collection(category, size)
        return json_response({"custom_collection": trim(rendered, fields_of(request))})

    def _collects(self, request: Request) -> Response:
        page = COLLECTS.page(request, lambda order: self._collects_index())
        found = ((row, self.catalog.get(row.product_key)) for row in page.items)
        collects = [
            rest.collect(product, row.category_key, row.position) for row, product in found if product
        ]
        return self._page("collects", collects, page)

    def _collects_count(self, request: Request) -> Response:
        return json_response({"count": COLLECTS.count(request, self._collects_index())})

    # -- the shop ------------------------------------------------------------------------------
    def _shop(self, request: Request) -> Response:
        shop = self.cached("shop", lambda: rest.shop(self.settings.shopify_plan, self.catalog))
        return json_response({"shop": trim(shop, fields_of(request))})

    def _access_scopes(self, request: Request) -> Response:
        return json_response({"access_scopes": [{"handle": scope} for scope in ids.SCOPES]})


def _is_rest(request: Request) -> bool:
    return request.path.startswith("/admin/") and not request.path.endswith("/graphql.json")
