"""The WooCommerce store the import writes to: its settings, one HTTP client, the connection test.

Everything under `{url}/wp-json/wc/v3/`, authenticated with the consumer key and secret as HTTP
Basic auth: https://woocommerce.github.io/woocommerce-rest-api-docs/#authentication-over-https
WooCommerce also reads them from `consumer_key`/`consumer_secret` query parameters, but a URL is
what gets logged (urllib3 logs every request line at DEBUG, proxies and web servers write access
logs), so Ferry never puts them there, not even for a local test store on plain http (which the
network guard allows only with private networks allowed; a real store on plain http wants
OAuth 1.0a signatures instead).
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests

from connectors.base import ConnectionReport
from connectors.errors import AuthError, FatalError, MalformedPayloadError
from connectors.http import RetryPolicy, StoreClient, Timeouts, store_address
from connectors.pagination import Paginator, RawPage, Token

log = logging.getLogger(__name__)

API_PATH = "/wp-json/wc/v3/"
NAMESPACE = "wc/v3"
PAGE_SIZE = 100  # per_page's maximum (WP_REST_Controller::get_collection_params)
# GET /settings/products/woocommerce_weight_unit: kg, g, lbs or oz; a fresh store says kg.
# https://woocommerce.github.io/woocommerce-rest-api-docs/#retrieve-a-setting-option
WEIGHT_UNIT_SETTING = "settings/products/woocommerce_weight_unit"
CURRENCY_SETTING = "settings/general/woocommerce_currency"
DEFAULT_WEIGHT_UNIT = "kg"
WEIGHT_UNITS = ("kg", "g", "lbs", "oz")


@dataclass(frozen=True)
class WooSettings:
    """The store's address (the WordPress site URL) and a REST API key with read/write access
    (WooCommerce > Settings > Advanced > REST API)."""

    url: str
    key: str = field(repr=False)
    secret: str = field(repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", _site_url(self.url))
        for name, prefix, what in (("key", "ck_", "consumer key"), ("secret", "cs_", "consumer secret")):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} is required: the REST API {what} ({prefix}...)")
            value = value.strip()
            if any(char.isspace() for char in value):
                raise ValueError(f"{name} must be the {what} alone, without spaces")
            if not value.startswith(prefix):
                raise ValueError(f"{name} must be a WooCommerce {what}, which starts with {prefix}")
            object.__setattr__(self, name, value)


def _site_url(url: object) -> str:
    """The site URL without a pasted `/wp-json[/wc/v3]` suffix."""
    return store_address(url, r"/wp-json(/.*)?")


def describe_error(response: requests.Response) -> str:
    """A WP_Error body `{"code", "message", "data"}` as "message (code)"; a host's HTML page by its title."""
    try:
        body = json.loads(response.content)
    except (UnicodeDecodeError, json.JSONDecodeError):
        title = re.search(r"<title>(.*?)</title>", response.text, re.I | re.S)
        if title:
            return f"an HTML page: {html.unescape(title.group(1)).strip()[:120]}"
        return response.text.strip()[:200]
    if isinstance(body, dict) and "message" in body:
        message = re.sub(r"<[^>]+>", " ", html.unescape(str(body["message"])))
        message = " ".join(message.split())
        return f"{message} ({body['code']})" if body.get("code") else message
    return str(body)[:200]


class TotalPagesPaginator(Paginator):
    """WordPress collections: `page` numbers until the `X-WP-TotalPages` header.

        X-WP-Total: 1234
        X-WP-TotalPages: 13
        [{"id": 9, ...}, ...]

    https://woocommerce.github.io/woocommerce-rest-api-docs/#pagination
    """

    first = 1

    def next_token(self, token: Token, page: RawPage) -> Token:
        number = int(token or 1)
        pages = int(page.headers.get("X-WP-TotalPages") or 0)
        return number + 1 if number < pages else None


class WooTarget:
    """One WooCommerce store: the HTTP client the writer's parts share, and the connection test."""

    platform: ClassVar[str] = "woocommerce"

    def __init__(
        self,
        settings: WooSettings,
        *,
        allow_private: bool | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        pool_size: int = 16,  # a writer's batches in flight and its variation workers, at once
    ) -> None:
        self.settings = settings
        self.client = StoreClient(
            settings.url + API_PATH,
            auth=(settings.key, settings.secret),
            retry=retry,
            timeouts=timeouts,
            allow_private=allow_private,
            describe_error=describe_error,
            pool_size=pool_size,
        )
        # The store's clock, from every answer's Date header: "modified since just before the
        # batch" must be said in the store's time, whatever ours says.
        self._clock_offset: float | None = None
        self.client.session.hooks["response"].append(self._observe_clock)
        self._weight_unit: str | None = None
        self.weight_unit_read = False  # False: the store did not say, `kg` is assumed

    def __repr__(self) -> str:
        return f"WooTarget({self.settings.url!r})"

    @property
    def requests_made(self) -> int:
        return self.client.requests_made

    def close(self) -> None:
        self.client.close()

    # -- talking to the store ------------------------------------------------------------------
    def get(self, path: str, params: Mapping[str, Any] | None = None) -> tuple[Any, Mapping[str, str]]:
        body, response = self.client.read("GET", path, params=params)
        return body, response.headers

    def listing(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every record of a collection, a page of 100 at a time."""

        def fetch(token: Token) -> RawPage:
            body, headers = self.get(path, {**(params or {}), "per_page": PAGE_SIZE, "page": token})
            if not isinstance(body, list):
                raise MalformedPayloadError(f"GET {path} answered {type(body).__name__}, not a list")
            return RawPage(records=body, headers=headers)

        for page, _ in TotalPagesPaginator().pages(fetch):
            yield from page.records

    def send(self, method: str, path: str, body: Any, *, idempotent: bool | None = None) -> Any:
        return self.client.send_json(method, path, body, idempotent=idempotent)

    def store_now(self) -> float:
        """Now by the store's clock (epoch seconds), as far as its Date headers tell."""
        return time.time() + (self._clock_offset or 0.0)

    def _observe_clock(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        stamp = response.headers.get("Date")
        if not stamp:
            return
        try:
            self._clock_offset = parsedate_to_datetime(stamp).timestamp() - time.time()
        except (TypeError, ValueError):
            return

    # -- what the writer needs to know about the store -------------------------------------------
    def weight_unit(self) -> str:
        """The unit the store's weights are in; `kg` (WooCommerce's default) when it cannot be read."""
        if self._weight_unit is None:
            value = self._setting(WEIGHT_UNIT_SETTING)
            self.weight_unit_read = value in WEIGHT_UNITS
            self._weight_unit = value if value in WEIGHT_UNITS else DEFAULT_WEIGHT_UNIT
        return self._weight_unit

    def _setting(self, path: str) -> str | None:
        """One WooCommerce setting's value. Settings need the manage_woocommerce capability, and a
        store may hide the route: either way the caller falls back to a default."""
        try:
            body, _ = self.get(path)
        except (AuthError, FatalError) as error:
            log.info("could not read %s, using the default: %s", path, error.message)
            return None
        value = body.get("value") if isinstance(body, dict) else None
        return str(value) if value is not None else None

    # -- the connection test ---------------------------------------------------------------------
    def test_connection(self) -> ConnectionReport:
        with plain_errors():
            started = time.monotonic()
            index = self._site_index()
            latency_ms = (time.monotonic() - started) * 1000
            _, headers = self.get("products", {"per_page": 1, "_fields": "id"})
            product_count = int(headers.get("X-WP-Total") or 0)
            write_refusal = self._write_refusal()
            weight_unit = self.weight_unit()
            currency = self._setting(CURRENCY_SETTING)
        details: dict[str, Any] = {
            "weight_unit": weight_unit if self.weight_unit_read else f"{weight_unit} (assumed: not readable)",
            "url": self.settings.url,
        }
        if write_refusal:
            details["write_refused"] = write_refusal
        return ConnectionReport(
            platform=self.platform,
            store_name=html.unescape(str(index.get("name") or urlsplit(self.settings.url).hostname)),
            product_count=product_count,
            currency=currency,
            latency_ms=latency_ms,
            can_write=write_refusal is None,
            details=details,
        )

    def _site_index(self) -> dict[str, Any]:
        """GET /wp-json/: the site's name and the REST namespaces its plugins registered.
        https://developer.wordpress.org/rest-api/using-the-rest-api/discovery/"""
        try:
            index, _ = self.get(self.settings.url + "/wp-json/")
        except MalformedPayloadError:
            raise FatalError(
                f"{self.settings.url} has no WordPress REST API at /wp-json/ (is it the store's address? "
                "WooCommerce's API needs pretty permalinks)"
            ) from None
        except FatalError as error:
            raise FatalError(
                f"{self.settings.url} has no WordPress REST API at /wp-json/ (is it the store's address?): "
                f"{error.message}",
                status=error.status,
            ) from None
        if not isinstance(index, dict):
            raise FatalError(f"{self.settings.url}/wp-json/ did not answer with the REST API index")
        if NAMESPACE not in (index.get("namespaces") or ()):
            raise FatalError(
                f"{self.settings.url} is a WordPress site without WooCommerce's REST API ({NAMESPACE}): "
                "is WooCommerce installed and active?"
            )
        return index

    def _write_refusal(self) -> str | None:
        """Why the key may not write, or None when it may: an empty batch is the one write that
        changes nothing. A read-only key is refused before routing ("The API key provided does not
        have write permissions.", WC_REST_Authentication::check_permissions); a key whose user may
        not edit products, by the batch permission check (woocommerce_rest_cannot_batch).
        https://github.com/woocommerce/woocommerce/blob/trunk/plugins/woocommerce/includes/class-wc-rest-authentication.php
        """
        try:
            self.send("POST", "products/batch", {}, idempotent=True)
        except AuthError as error:
            return error.message
        return None


@contextlib.contextmanager
def plain_errors() -> Iterator[None]:
    """Say what a refused key means for the user, keeping the error's class."""
    try:
        yield
    except AuthError as error:
        raise AuthError(
            f"the consumer key and secret were refused: {error.message}", status=error.status, url=error.url
        ) from None
