"""The WooCommerce REST API v3 store: the import target. It starts as a fresh store (only the
default "Uncategorized" category) and keeps what importers write.

Every request to the API takes one of the store's PHP workers (capacity.py), then runs the way
WordPress serves it (class-wp-rest-server.php):
  1. authentication (auth.py): a bad secret or signature is 401 before anything else;
  2. the key's read/write permission, checked before the route is even matched;
  3. the route: none is `rest_no_route` 404 (also for a known path with the wrong method);
  4. the JSON body (`rest_invalid_json`), then the arguments (`rest_invalid_param`);
  5. the endpoint's permission callback: anonymous callers get 401 here;
  6. the handler, under the database lock.
Paths outside /wp-json/ are the site's HTML pages (a 404 page), as on a real WordPress.
https://woocommerce.github.io/woocommerce-rest-api-docs/
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from functools import partial
from http import HTTPStatus
from typing import Any

from sandbox.http import Request, Response, Route, Store, json_response, route
from sandbox.settings import SandboxSettings
from sandbox.woocommerce import discovery, snapshot
from sandbox.woocommerce.auth import ApiKey, Authenticator, check_permission
from sandbox.woocommerce.capacity import Capacity
from sandbox.woocommerce.database import Database
from sandbox.woocommerce.endpoints import Call, Endpoint, payload_response
from sandbox.woocommerce.errors import WooError, html_page, no_route
from sandbox.woocommerce.listing import OrderCache
from sandbox.woocommerce.product_routes import ProductRoutes
from sandbox.woocommerce.render import Renderer
from sandbox.woocommerce.schema import parse
from sandbox.woocommerce.taxonomy_routes import TaxonomyRoutes

STATE_FORMAT = 1
# What PHP's json_last_error() reports: 4 for a syntax error, 5 for bytes that are not UTF-8.
_JSON_SYNTAX = (4, "Syntax error")
_JSON_UTF8 = (5, "Malformed UTF-8 characters, possibly incorrectly encoded")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # PHP's json_decode() refuses NaN and Infinity


class WooCommerceStore(Store):
    platform = "woocommerce"

    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.db = Database()
        self.renderer = Renderer(self.db)
        self.orders = OrderCache()
        self.auth = Authenticator(settings)
        self.endpoints: list[Endpoint] = [
            *ProductRoutes(self.db, self.renderer, self.orders).endpoints(),
            *TaxonomyRoutes(self.db).endpoints(),
        ]
        super().__init__()
        self.capacity = Capacity(settings, self.stopping)

    # -- what the platform declares ---------------------------------------------------------
    def routes(self) -> Iterable[Route]:
        for endpoint in self.endpoints:
            yield route(endpoint.method, endpoint.pattern, partial(self._serve, endpoint), endpoint.name)
        yield route("GET", "/wp-json/?", self._site_index, "GET /wp-json/")
        yield route("GET", "/wp-json/wc/v3/?", self._namespace_index, "GET /wp-json/wc/v3")

    def credentials(self, base_url: str) -> dict[str, Any]:
        keys: dict[str, ApiKey] = {key.permissions: key for key in self.auth.keys.values()}
        return {
            "url": base_url,
            "key": keys["read_write"].consumer_key,
            "secret": keys["read_write"].consumer_secret,
            "read_key": keys["read"].consumer_key,
            "read_secret": keys["read"].consumer_secret,
        }

    def error_response(self, status: int, message: str) -> Response:
        """A WP_Error body for errors the core raises on the store's behalf."""
        return WooError(f"http_{status}", message, status).response()

    def not_found(self, request: Request) -> Response:
        with self.capacity.slot():
            if not request.path.startswith("/wp-json/"):
                return html_page(404, "Page not found")
            try:
                if request.path.startswith("/wp-json/wc/"):
                    self._identify(request)
                raise no_route()
            except WooError as error:
                return error.response()

    method_not_allowed = not_found  # WordPress answers a wrong method with rest_no_route too

    def server_error(self, status: int) -> Response:
        if status == 500:
            # WordPress's fatal-error handler answers REST requests with this body.
            message = (
                "<p>There has been a critical error on this website.</p>"
                '<p><a href="https://wordpress.org/documentation/article/faq-troubleshooting/">'
                "Learn more about troubleshooting WordPress.</a></p>"
            )
            return json_response(
                {
                    "code": "internal_server_error",
                    "message": message,
                    "data": {"status": 500},
                    "additional_errors": [],
                },
                status=500,
            )
        return html_page(status, HTTPStatus(status).phrase)  # from the host's proxy, before PHP

    def rate_limited(self, request: Request) -> Response:
        # WooCommerce has no REST rate limit of its own; hosts answer 429 from their proxy.
        response = html_page(429, "Too Many Requests")
        response.headers["Retry-After"] = "1"
        return response

    # -- serving -----------------------------------------------------------------------------
    def _serve(self, endpoint: Endpoint, request: Request) -> Response:
        with self.capacity.slot() as tally:
            try:
                key = self._identify(request)
                body = self._body(request)
                supplied = {
                    **{name: int(value) for name, value in request.params.items()},
                    **dict(request.query),
                    **body,
                }
                params = parse(endpoint.args, supplied)
                call = Call(request, request.base_url, params, body, key, tally)
                with self.db.lock:
                    endpoint.guard(call)
                    return endpoint.handler(call)
            except WooError as error:
                return error.response()

    def _identify(self, request: Request) -> ApiKey | None:
        key = self.auth.authenticate(request)
        check_permission(key, request.method)
        return key

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        """WP_REST_Request::parse_json_params(): only for a JSON content type and a non-empty body."""
        content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if not request.body or not (content_type == "application/json" or content_type.endswith("+json")):
            return {}
        try:
            parsed = json.loads(
                request.body.decode("utf-8"), parse_float=Decimal, parse_constant=_reject_constant
            )
        except UnicodeDecodeError:
            raise _invalid_json(_JSON_UTF8) from None
        except ValueError:
            raise _invalid_json(_JSON_SYNTAX) from None
        return parsed if isinstance(parsed, dict) else {}

    def _site_index(self, request: Request) -> Response:
        with self.capacity.slot():
            return payload_response(discovery.site_index(request.base_url))

    def _namespace_index(self, request: Request) -> Response:
        with self.capacity.slot():
            try:
                self._identify(request)
            except WooError as error:
                return error.response()
            return payload_response(discovery.namespace_index(request.base_url, self.endpoints))

    # -- control -----------------------------------------------------------------------------
    def control_routes(self) -> Iterable[Route]:
        return (route("GET", "/_sandbox/products", self._products),)

    def _products(self, request: Request) -> Response:
        return json_response(snapshot.products(self.db))

    def stats(self) -> dict[str, Any]:
        return {**super().stats(), **self.capacity.stats()}

    def reset_stats(self) -> None:
        super().reset_stats()
        self.capacity.reset()

    def reset(self) -> None:
        super().reset()
        self.db.reset()
        self.renderer.clear()
        self.auth.reset()

    # -- state ---------------------------------------------------------------------------------
    def state_version(self) -> int:
        return self.db.version

    def dump_state(self) -> dict[str, Any]:
        return {"format": STATE_FORMAT, "database": self.db.dump()}

    def load_state(self, state: dict[str, Any]) -> None:
        if state.get("format") != STATE_FORMAT:
            raise ValueError(f"woocommerce state format {state.get('format')!r} is not {STATE_FORMAT}")
        self.db.load(state["database"])
        self.renderer.clear()


def _invalid_json(error: tuple[int, str]) -> WooError:
    return WooError(
        "rest_invalid_json",
        "Invalid JSON body passed.",
        400,
        json_error_code=error[0],
        json_error_message=error[1],
    )
