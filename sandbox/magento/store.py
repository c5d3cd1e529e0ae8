"""The fake Magento 2 / Adobe Commerce store: its REST routes, tokens and error answers."""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from http.client import responses
from typing import Any
from urllib.parse import unquote

from sandbox.catalog import Catalog
from sandbox.http import MalformedBody, Request, Response, Route, dumps, json_response, route
from sandbox.magento import errors, fields, ids, query, render, search_criteria
from sandbox.magento.attributes import Registry
from sandbox.magento.categories import CategoryTable, CategoryTree
from sandbox.magento.entities import (
    DEFAULT,
    STORE_CODES,
    STORE_VIEWS,
    Row,
    SkuIndex,
    StoreView,
    product_rows,
    row_for_id,
)
from sandbox.magento.products import ProductTable, sorted_products
from sandbox.settings import SandboxSettings
from sandbox.source import SourceStore

log = logging.getLogger(__name__)

# `/rest/V1/...` or `/rest/{store_code}/V1/...` (api-notes §3.1); a trailing slash is accepted, as
# Magento's router trims it.
REST = r"/rest(?:/(?P<store>[A-Za-z0-9_]+))?/V1"
# The ACL resource each route needs (webapi.xml of Catalog, ConfigurableProduct and Store, 2.4); it
# names itself in the 401 answer.
PRODUCTS = "Magento_Catalog::products"
CATALOG = "Magento_Catalog::catalog"
ATTRIBUTES = "Magento_Catalog::attributes_attributes"
CATEGORIES = "Magento_Catalog::categories"
STORES = "Magento_Backend::store"
# "By default, an admin token is valid for 4 hours" (api-notes §3.2).
ADMIN_TOKEN_SECONDS = 4 * 3600
ADMIN_USERNAME = "admin"
ITEM_CACHE_SIZE = 20_000  # rendered items kept; a 100,000-product catalog has ~700,000 entities
QUERY_CACHE_SIZE = 32  # matched-and-sorted id lists, so paging one query stays cheap
_CONTENT_TYPE = re.compile(r"^([a-z\d/\-+.]+)(?:; *charset=(.+))?$", re.IGNORECASE)
# Shown in storeConfigs as a real store shows its locale's zone; REST dates are UTC all the same.
TIMEZONES = {"default": "America/Los_Angeles", "fr": "Europe/Paris"}
CURRENCIES = {"default": "USD", "fr": "EUR"}

Handler = Callable[[Request, StoreView], Response]


def html_page(status: int, title: str, text: str) -> Response:
    page = f"<!doctype html><html><head><title>{title}</title></head><body><h1>{text}</h1></body></html>"
    return Response(status=status, body=page.encode(), content_type="text/html; charset=UTF-8")


class MagentoStore(SourceStore):
    platform = "magento"

    def __init__(self, catalog: Catalog, settings: SandboxSettings) -> None:
        self.settings = settings
        self.integration_token = settings.secret("magento-integration-token")
        self.admin_password = settings.secret("magento-admin-password", 16)
        self.clock: Callable[[], float] = time.time  # tests move it to expire admin tokens
        self._admin_tokens: dict[str, float] = {}  # token -> when it expires
        self._token_lock = threading.Lock()
        super().__init__(catalog)

    # -- what the platform declares ------------------------------------------------------------
    def routes(self) -> Iterable[Route]:
        def endpoint(method: str, path: str, resource: str | None, handler: Handler) -> Route:
            name = f"{method} /V1" + re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path)
            return route(method, REST + path + "/?", self._guarded(resource, handler), name)

        return (
            endpoint("POST", "/integration/admin/token", None, self.admin_token),
            endpoint("GET", "/products", PRODUCTS, self.list_products),
            endpoint(
                "GET", "/products/attributes/(?P<code>[^/]+)/options", ATTRIBUTES, self.attribute_options
            ),
            endpoint("GET", "/products/attributes/(?P<code>[^/]+)", ATTRIBUTES, self.attribute),
            endpoint("GET", "/products/(?P<sku>[^/]+)/media", CATALOG, self.media),
            endpoint("GET", "/products/(?P<sku>[^/]+)", PRODUCTS, self.product),
            endpoint("GET", "/configurable-products/(?P<sku>[^/]+)/children", PRODUCTS, self.children),
            endpoint("GET", "/configurable-products/(?P<sku>[^/]+)/options/all", PRODUCTS, self.options_all),
            endpoint("GET", "/categories/list", CATEGORIES, self.category_list),
            endpoint("GET", "/categories/(?P<category>[^/]+)", CATEGORIES, self.category),
            endpoint("GET", "/categories", CATEGORIES, self.category_tree),
            endpoint("GET", "/store/storeViews", STORES, self.store_views),
            endpoint("GET", "/store/storeConfigs", STORES, self.store_configs),
        )

    def error_response(self, status: int, message: str) -> Response:
        return errors.magento_error(status, message)

    def credentials(self, base_url: str) -> dict[str, Any]:
        return {
            "url": base_url,
            "token": self.integration_token,
            "username": ADMIN_USERNAME,
            "password": self.admin_password,
        }

    def not_found(self, request: Request) -> Response:
        if request.path == "/rest" or request.path.startswith("/rest/"):
            return errors.magento_error(404, errors.NO_ROUTE)
        # Outside /rest the storefront answers, with its CMS "no route" page.
        return html_page(404, "404 Not Found", "Whoops, our bad... The page you requested was not found.")

    def malformed_body(self, request: Request, error: MalformedBody) -> Response:
        return errors.magento_error(400, errors.DECODING_ERROR)

    def method_not_allowed(self, request: Request) -> Response:
        return self.not_found(request)  # the router matches path and method together

    def server_error(self, status: int) -> Response:
        if status == 500:
            return errors.internal_error()
        # Other 5xx come from in front of PHP (maintenance page, proxy): an HTML page, not JSON.
        phrase = f"{status} {responses.get(status, 'Server Error')}"
        return html_page(status, phrase, phrase)

    def product_id(self, key: int) -> int:
        return ids.entity_id(key)

    def key_for_number(self, number: int) -> int | None:
        found = ids.split(number)
        return found[0] if found and found[1] == 0 else None

    def reset(self) -> None:
        super().reset()
        with self._token_lock:
            self._admin_tokens.clear()

    # -- routing, authorization, bodies --------------------------------------------------------
    def _guarded(self, resource: str | None, handler: Handler) -> Callable[[Request], Response]:
        """The order Magento checks in: the store code (part of the route), then the token."""

        def guarded(request: Request) -> Response:
            store = STORE_CODES.get(request.params.get("store"))
            if store is None:
                raise errors.fail(404, errors.NO_ROUTE)
            if resource is not None and not self._authorized(request):
                raise errors.not_authorized(resource)
            return handler(request, store)

        return guarded

    def _authorized(self, request: Request) -> bool:
        scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return False
        if secrets.compare_digest(token, self.integration_token):
            return True
        with self._token_lock:
            expires = self._admin_tokens.get(token)
        return expires is not None and expires > self.clock()

    @staticmethod
    def _body(request: Request) -> Any:
        """The JSON body, checked as Webapi\\Rest\\Request and its JSON deserializer do."""
        header = request.headers.get("Content-Type")
        if not header:
            raise errors.fail(400, errors.NO_CONTENT_TYPE)
        found = _CONTENT_TYPE.match(header.strip())
        if not found:
            raise errors.fail(400, "Content-Type header is invalid.")
        if found.group(2) and found.group(2).strip().lower() != "utf-8":
            raise errors.fail(400, "UTF-8 is the only supported charset.")
        media = found.group(1).lower()
        if media not in {"application/json", "application/xml", "text/xml"}:
            raise errors.fail(400, errors.UNKNOWN_CONTENT_TYPE.format(media))
        try:
            if media != "application/json":
                raise ValueError("XML bodies are not understood here")
            return json.loads(request.body)
        except (UnicodeDecodeError, ValueError) as error:
            raise errors.fail(400, errors.DECODING_ERROR) from error

    # -- caches of this catalog version ----------------------------------------------------------
    def warm(self) -> None:
        self._context(DEFAULT)
        self._entity_ids()
        self._tree()

    def _context(self, store: StoreView) -> render.Context:
        products = self._products()
        registry = self.cached("registry", lambda: Registry(products))
        skus = self.cached("skus", lambda: SkuIndex(products))
        return render.Context(store, registry, skus)

    def _products(self) -> list[Any]:
        return self.cached("products", lambda: sorted_products(self.catalog))

    def _entity_ids(self) -> list[int]:
        products = self._products()  # cached() holds its lock while building: no nested calls

        def build() -> list[int]:
            found: list[int] = []
            for product in products:
                found.append(ids.entity_id(product.key))
                if not product.is_simple:
                    found.extend(ids.entity_id(product.key, variant.position) for variant in product.variants)
            return found

        return self.cached("entity_ids", build)

    def _item(self, context: render.Context, row: Row) -> bytes:
        items = self.cached("items", lambda: query.LRU(ITEM_CACHE_SIZE))
        return items.get((context.store.localized, row.id), lambda: dumps(render.item(context, row)))

    def _tree(self) -> CategoryTree:
        products = self._products()
        return self.cached("categories", lambda: CategoryTree(self.catalog, products))

    def _row(self, context: render.Context, request: Request) -> Row:
        entity = context.skus.find(unquote(request.params["sku"]))
        row = row_for_id(self.catalog, entity) if entity is not None else None
        if row is None:
            raise errors.fail(404, errors.PRODUCT_NOT_FOUND)
        return row

    @staticmethod
    def _answer(request: Request, payload: Any) -> Response:
        spec = fields.parse(request.arg("fields") or "")
        return json_response(payload if spec is None else fields.apply(payload, spec))

    def _items(
        self, request: Request, context: render.Context, found: list[Row], extra: dict[str, Any]
    ) -> Response:
        """Items with more keys after them, written from the cached item JSON unless `fields` asks
        for a partial response."""
        items = [self._item(context, row) for row in found]
        if request.arg("fields") is not None or not extra:
            payload = [json.loads(item) for item in items]
            return self._answer(request, {"items": payload, **extra} if extra else payload)
        tail = b"".join(b',"%s":%s' % (key.encode(), dumps(value)) for key, value in extra.items())
        return Response(body=b'{"items":[' + b",".join(items) + b"]" + tail + b"}")

    # -- handlers -------------------------------------------------------------------------------
    def admin_token(self, request: Request, store: StoreView) -> Response:
        body = self._body(request)
        body = body if isinstance(body, dict) else {}
        missing = [name for name in ("username", "password") if body.get(name) is None]
        if missing:
            raise errors.required(missing)
        values = {name: body[name] for name in ("username", "password")}
        for value in values.values():
            if isinstance(value, dict | list):
                raise errors.fail(400, errors.TYPE_MISMATCH.format(value="array", type="string"))
        # Admin\Model\CredentialsValidator: each empty field is named.
        blank = [name for name, value in values.items() if str(value) == ""]
        if blank:
            raise errors.required(blank)
        user_ok = str(values["username"]).casefold() == ADMIN_USERNAME  # MySQL compares names without case
        if not (user_ok and secrets.compare_digest(str(values["password"]), self.admin_password)):
            raise errors.fail(401, errors.SIGN_IN_FAILED)
        token = secrets.token_hex(16)
        with self._token_lock:
            now = self.clock()
            self._admin_tokens = {key: when for key, when in self._admin_tokens.items() if when > now}
            self._admin_tokens[token] = now + ADMIN_TOKEN_SECONDS
        return json_response(token)

    def list_products(self, request: Request, store: StoreView) -> Response:
        criteria = search_criteria.parse(request.query)
        context = self._context(store)
        table = ProductTable(context, self._products(), self._entity_ids(), self.cached)
        queries = self.cached("queries", lambda: query.LRU(QUERY_CACHE_SIZE))
        found = queries.get((store.localized, criteria.cache_key()), lambda: query.matching(table, criteria))
        page = query.page(found, criteria, self.settings.magento_past_last_page)
        selected = [row for row in (row_for_id(self.catalog, entity) for entity in page) if row is not None]
        extra = {"search_criteria": criteria.echo(), "total_count": len(found)}
        return self._items(request, context, selected, extra)

    def product(self, request: Request, store: StoreView) -> Response:
        context = self._context(store)
        row = self._row(context, request)
        if request.arg("fields") is not None:
            return self._answer(request, render.item(context, row))
        return Response(body=self._item(context, row))

    def media(self, request: Request, store: StoreView) -> Response:
        return self._answer(request, render.media_entries(self._row(self._context(store), request)))

    def children(self, request: Request, store: StoreView) -> Response:
        context = self._context(store)
        row = self._row(context, request)
        # LinkManagement::getChildren answers [] for a product that is not configurable.
        found = list(product_rows(row.product))[1:] if row.role == "configurable" else []
        return self._items(request, context, found, {})

    def options_all(self, request: Request, store: StoreView) -> Response:
        context = self._context(store)
        row = self._row(context, request)
        if row.role != "configurable":
            raise errors.fail(400, errors.CONFIGURABLE_ONLY, [unquote(request.params["sku"])])
        return self._answer(request, render.configurable_options(context, row))

    def _attribute_code(self, store: StoreView, request: Request) -> tuple[Registry, str]:
        registry = self._context(store).registry
        code = unquote(request.params["code"])
        if registry.get(code) is None:
            raise errors.fail(404, errors.ATTRIBUTE_NOT_FOUND, [code])
        return registry, code

    def attribute_options(self, request: Request, store: StoreView) -> Response:
        registry, code = self._attribute_code(store, request)
        return self._answer(request, registry.options(code))

    def attribute(self, request: Request, store: StoreView) -> Response:
        registry, code = self._attribute_code(store, request)
        return self._answer(request, registry.payload(code))

    def category_tree(self, request: Request, store: StoreView) -> Response:
        tree = self._tree()
        root_arg, depth_arg = request.arg("rootCategoryId"), request.arg("depth")
        root = search_criteria.path_integer(root_arg) if root_arg else ids.DEFAULT_CATEGORY
        depth = search_criteria.path_integer(depth_arg) if depth_arg else None
        if root not in tree.by_id:
            raise errors.fail(404, errors.NO_SUCH_ENTITY, {"fieldName": "id", "fieldValue": root})
        return self._answer(request, tree.tree(root, depth))

    def category(self, request: Request, store: StoreView) -> Response:
        tree = self._tree()
        category = search_criteria.path_integer(unquote(request.params["category"]))
        if category not in tree.by_id:
            raise errors.fail(404, errors.NO_SUCH_ENTITY, {"fieldName": "id", "fieldValue": category})
        return self._answer(request, tree.payload(tree.by_id[category]))

    def category_list(self, request: Request, store: StoreView) -> Response:
        criteria = search_criteria.parse(request.query)
        tree = self._tree()
        found = query.matching(CategoryTable(tree), criteria)
        page = query.page(found, criteria, self.settings.magento_past_last_page)
        return self._answer(
            request,
            {
                "items": [tree.payload(tree.by_id[category]) for category in page],
                "search_criteria": criteria.echo(),
                "total_count": len(found),
            },
        )

    def store_views(self, request: Request, store: StoreView) -> Response:
        return self._answer(
            request,
            [
                {
                    "id": view.id,
                    "code": view.code,
                    "name": view.name,
                    "website_id": view.website_id,
                    "store_group_id": view.group_id,
                    "is_active": 1,
                }
                for view in STORE_VIEWS
            ],
        )

    def store_configs(self, request: Request, store: StoreView) -> Response:
        """Store\\Model\\Service\\StoreConfigManager: every store view but admin, or the ones named
        in `storeCodes[]` (unknown codes are simply not found). Image URLs are
        base_media_url + "catalog/product" + a gallery entry's `file`."""
        wanted = search_criteria.php_query(request.query).get("storeCodes")
        codes = set(wanted.values()) if isinstance(wanted, dict) else None
        base = request.base_url + "/"
        return self._answer(
            request,
            [
                {
                    "id": view.id,
                    "code": view.code,
                    "website_id": view.website_id,
                    "locale": view.locale,
                    "base_currency_code": "USD",
                    "default_display_currency_code": CURRENCIES.get(view.code, "USD"),
                    "timezone": TIMEZONES.get(view.code, "UTC"),
                    "weight_unit": "kgs",
                    "base_url": base,
                    "base_link_url": base,
                    "base_static_url": base + "static/version1700000000/",
                    "base_media_url": base + "media/",
                    "secure_base_url": base,
                    "secure_base_link_url": base,
                    "secure_base_static_url": base + "static/version1700000000/",
                    "secure_base_media_url": base + "media/",
                }
                for view in STORE_VIEWS
                if view.id != 0 and (codes is None or view.code in codes)
            ],
        )
