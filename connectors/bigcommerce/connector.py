"""BigCommerce v3 catalog as a Ferry source: settings, the connector and its reading passes.

    products    GET /stores/{store_hash}/v3/catalog/products
                    ?include=variants,images,custom_fields&limit=250&sort=id&id:greater=<last id>
    incremental     &date_modified:min=<since, always a full timestamp>
    categories  GET /v3/catalog/trees/categories   once per run: names and hierarchy
    brands      GET /v3/catalog/brands             once per run: Product.vendor
    store       GET /v2/store                      name, plan, currency, weight unit
    auth        X-Auth-Token (X-Auth-Client is deprecated and not sent)
    pacing      X-Rate-Limit-Requests-Left / -Time-Reset-Ms, before the quota runs out (WindowPacer)
    resume      "<pass>:<last product id read>"

Variant changes. Editing a variant's price or stock does not move its product's `date_modified`.
BigCommerce keeps products and variants as separate records: the `store/product/updated` trigger
list names only product-level fields, while variant edits fire `store/sku/updated` and
`store/sku/inventory/updated` (sections "Products" and "SKUs" of
https://github.com/bigcommerce/docs/blob/main/docs/integrations/webhooks/events/index.mdx),
and integrators report the same ("BigCommerce doesn't update the date_modified endpoint value when
you add or update a product variant",
https://fivetran.com/docs/connectors/applications/big-commerce/troubleshooting/missing-product-variants).
No pull endpoint lists variants by change: variants carry no modification time, GET
/v3/catalog/variants filters only by id, sku, upc and product_id:in
(reference/catalog/product-variants_catalog.v3.yml in the docs repository above), and GET
/v3/inventory/items only by sku, variant, product and location (reference/inventory.v3.yml).
Only the store/sku/* webhooks name changed variants, and they need a public callback endpoint,
which a pull connector is not. So an incremental run reads in two passes: CHANGED, the products
whose own record changed (requests grow with the changes), then VARIANTS, the products with
options whose record did not change, read again in full because their variants may have
(requests grow with the catalog, 250 products a request). A product without options is its own
base variant: editing that variant edits the product and moves `date_modified`, so CHANGED finds
it. Products that did not change come out again; the import's content-hash check (design.md,
"Data flow") skips writing them.
"""

from __future__ import annotations

import enum
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests

from connectors.base import ConnectionReport, Page, SourceConnector
from connectors.bigcommerce.mapping import (
    StoreContext,
    category_index,
    grams_per_unit,
    map_records,
    parse_timestamp,
)
from connectors.errors import AuthError, FatalError
from connectors.http import RetryPolicy, StoreClient, Timeouts
from connectors.pacing import WindowPacer
from connectors.pagination import MetaPaginationPaginator, RawPage, Token

log = logging.getLogger(__name__)

STORE_HASH = re.compile(r"[A-Za-z0-9]+")
PRODUCTS_SCOPE = "store_v2_products_read_only"
STORE_SCOPE = "store_v2_information_read_only"


@dataclass(frozen=True, kw_only=True)
class BigCommerceSettings:
    """Where the store's API is and how to sign in; checked on construction.

    `store_hash` is the id in the control panel's address (https://store-{hash}.mybigcommerce.com);
    `token` is the access token of a store-level API account with Products read-only scope.
    """

    url: str = "https://api.bigcommerce.com"
    store_hash: str
    token: str = field(repr=False)

    def __post_init__(self) -> None:
        url = self.url.strip().rstrip("/") if isinstance(self.url, str) else ""
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError(f"url: expected the API address, like https://api.bigcommerce.com; got {url!r}")
        if parts.hostname and parts.hostname.endswith(".mybigcommerce.com"):
            raise ValueError(
                f"url: {url} is the store's own address; its API is at https://api.bigcommerce.com "
                "(the store hash picks the store)"
            )
        if "/stores/" in f"{parts.path}/":
            raise ValueError(
                "url: give the API address only (https://api.bigcommerce.com); "
                "the store hash goes in store_hash"
            )
        object.__setattr__(self, "url", url)
        if not isinstance(self.store_hash, str) or not STORE_HASH.fullmatch(self.store_hash.strip()):
            raise ValueError(
                "store_hash: expected the letters and digits from the control panel address "
                f"https://store-<store_hash>.mybigcommerce.com; got {self.store_hash!r}"
            )
        object.__setattr__(self, "store_hash", self.store_hash.strip())
        if not isinstance(self.token, str) or not self.token.strip() or any(c.isspace() for c in self.token):
            raise ValueError("token: expected the API account's access token (one word, no spaces)")

    @property
    def api_root(self) -> str:
        return f"{self.url}/stores/{self.store_hash}/"


class Pass(enum.StrEnum):
    """One walk over the products listing; a run is one pass (full) or two (incremental)."""

    ALL = "all"  # every product
    CHANGED = "changed"  # products whose own record changed since `since`
    VARIANTS = "variants"  # products with options whose record did not: their variants may have


class KeysetPaginator(MetaPaginationPaginator):
    """Pages of a listing sorted by id, each asked for with `id:greater=<last id seen>`.

        {"data": [{"id": 7, ...}, ..., {"id": 512, ...}],
         "meta": {"pagination": {"total": 1300, "current_page": 1, "total_pages": 6, ...}}}

    Whether more follow is meta.pagination's call (every request is page 1 of what remains); the
    token is the last id rather than a page number, so a product deleted or edited out of a filter
    mid-run cannot shift the pages under the reader, and a resumed run starts after exactly that id.
    """

    first = 0

    def next_token(self, token: Token, page: RawPage) -> Token:
        more = super().next_token(token, page) is not None
        return int(page.records[-1]["id"]) if more else None


class BigCommerceConnector(SourceConnector):
    platform: ClassVar[str] = "bigcommerce"

    PRODUCTS: ClassVar[str] = "v3/catalog/products"
    INCLUDE: ClassVar[str] = "variants,images,custom_fields"
    PAGE_SIZE: ClassVar[int] = 250  # the listing's maximum (LimitParam in products_catalog.v3.yml)
    CHANGED_SINCE: ClassVar[str] = "date_modified:min"
    UNCHANGED_SINCE: ClassVar[str] = "date_modified:max"
    AFTER_ID: ClassVar[str] = "id:greater"
    CATEGORIES: ClassVar[str] = "v3/catalog/trees/categories"  # /v3/catalog/categories is deprecated
    BRANDS: ClassVar[str] = "v3/catalog/brands"
    STORE: ClassVar[str] = "v2/store"
    # The scope each path needs, for a 403 that says which one is missing.
    SCOPES: ClassVar[Mapping[str, str]] = {STORE: STORE_SCOPE}

    def __init__(
        self,
        settings: BigCommerceSettings,
        *,
        allow_private: bool | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.client = StoreClient(
            settings.api_root,
            headers={"X-Auth-Token": settings.token},
            secrets=[settings.token],
            pacer=WindowPacer(),
            retry=retry,
            timeouts=timeouts,
            allow_private=allow_private,
            describe_error=describe_error,
        )
        self.paginator = KeysetPaginator()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.settings!r})"

    # -- the three operations ----------------------------------------------------------------------
    def test_connection(self) -> ConnectionReport:
        """Store name, plan, currency and weight unit from /v2/store, the product count, latency."""
        missing: list[str] = []
        try:
            store = self._get(self.STORE)
        except AuthError as error:
            if error.status != 403:
                raise
            # Either the token lacks the store information scope or the hash is wrong: the
            # products request below tells which (it raises when the hash is wrong).
            store = {}
            missing.append(STORE_SCOPE)
        started = time.perf_counter()
        product_count = self.count()
        latency_ms = (time.perf_counter() - started) * 1000
        return ConnectionReport(
            platform=self.platform,
            store_name=str(store.get("name") or self.settings.store_hash),
            product_count=product_count,
            plan=store.get("plan_name"),
            currency=store.get("currency"),
            latency_ms=round(latency_ms, 1),
            missing_permissions=tuple(missing),
            details={
                "store_hash": self.settings.store_hash,
                "domain": store.get("domain"),
                "weight_units": store.get("weight_units"),
            },
        )

    def count(self, since: datetime | None = None) -> int:
        """Products in the store, or those whose own record changed since `since`.

        An incremental `iter_pages` also reads the products with options again (see the module
        docstring), so it may yield more products than this counts.
        """
        params: dict[str, Any] = {"limit": 1, "include_fields": "id"}
        if since is not None:
            params[self.CHANGED_SINCE] = timestamp(since)
        return int(self._get(self.PRODUCTS, params)["meta"]["pagination"]["total"])

    def iter_pages(self, since: datetime | None = None, resume: Token = None) -> Iterator[Page]:
        stamp = None if since is None else timestamp(since)  # a naive `since` fails before any request
        passes = [Pass.ALL] if since is None else [Pass.CHANGED, Pass.VARIANTS]
        current, after = parse_token(resume, passes)
        context = self._context()
        for position in range(passes.index(current), len(passes)):
            current = passes[position]
            following = passes[position + 1] if position + 1 < len(passes) else None
            fetch = self._fetcher(self._listing_params(current, stamp))
            for raw, next_id in self.paginator.pages(fetch, resume=after):
                if next_id is not None:
                    token: Token = f"{current}:{next_id}"
                else:
                    token = f"{following}:0" if following else None
                yield self._page(raw, current, since, context, token)
            after = None

    # -- reading ---------------------------------------------------------------------------------
    def _listing_params(self, current: Pass, stamp: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {"include": self.INCLUDE, "limit": self.PAGE_SIZE, "sort": "id"}
        if current is Pass.CHANGED:
            params[self.CHANGED_SINCE] = stamp
        elif current is Pass.VARIANTS:
            params[self.UNCHANGED_SINCE] = stamp
        return params

    def _fetcher(self, params: Mapping[str, Any]) -> Callable[[Token], RawPage]:
        def fetch(after: Token) -> RawPage:
            body = self._get(self.PRODUCTS, {**params, self.AFTER_ID: after})
            return RawPage(records=_records(body, self.PRODUCTS), body=body)

        return fetch

    def _page(
        self, raw: RawPage, current: Pass, since: datetime | None, context: StoreContext, token: Token
    ) -> Page:
        records = raw.records
        if current is Pass.VARIANTS:
            records = [record for record in records if _may_hide_variant_changes(record, since)]
        products, rejected = map_records(records, context)
        for source_id, reason in rejected:
            log.warning("bigcommerce product %s rejected: %s", source_id, reason)
        return Page(products=products, raw_count=len(raw.records), resume=token, rejected=rejected)

    def _context(self) -> StoreContext:
        """Categories, brands and the weight unit: read once per run, before the first page."""
        categories = category_index(self._every(self.CATEGORIES))
        brands = {int(brand["id"]): str(brand["name"]) for brand in self._every(self.BRANDS)}
        return StoreContext(categories=categories, brands=brands, grams_per_unit=self._grams_per_unit())

    def _grams_per_unit(self) -> Decimal | None:
        try:
            units = self._get(self.STORE).get("weight_units")
        except AuthError as error:
            if error.status != 403:
                raise
            log.warning("weights left out: %s", error.message)
            return None
        factor = grams_per_unit(units)
        if factor is None:
            log.warning(
                "weights left out: the store's weight unit %r is not one BigCommerce documents", units
            )
        return factor

    def _every(self, path: str) -> Iterator[Mapping[str, Any]]:
        """Every record of a small listing (categories, brands), by page number."""

        def fetch(page: Token) -> RawPage:
            body = self._get(path, {"page": page, "limit": self.PAGE_SIZE})
            return RawPage(records=_records(body, path), body=body)

        for raw, _ in MetaPaginationPaginator().pages(fetch):
            yield from raw.records

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET JSON; a 401, 403 or 404 becomes an error that says what to fix, in plain words."""
        try:
            return self.client.get_json(path, params=params)
        except AuthError as error:
            raise self._auth_problem(path, error) from None
        except FatalError as error:
            if error.status != 404:
                raise
            raise FatalError(
                f"no BigCommerce store answered {path} at {self.settings.url} for store hash "
                f"{self.settings.store_hash!r} (404): check the API address and the store hash",
                status=404,
                url=error.url,
            ) from None

    def _auth_problem(self, path: str, error: AuthError) -> AuthError:
        if error.status == 401:
            message = (
                f"the access token was refused: BigCommerce answered 401 to {path}. Check the API "
                "account's access token; it may be mistyped or the account deleted"
            )
        else:
            # A 403 is what BigCommerce answers both for a scope the token lacks and for a store
            # hash the token does not belong to; nothing in the answer tells them apart.
            message = (
                f"BigCommerce refused {path} (403): either the API account lacks the "
                f"{self.SCOPES.get(path, PRODUCTS_SCOPE)} scope, or the store hash "
                f"{self.settings.store_hash!r} is not the store the token belongs to"
            )
        return AuthError(message, status=error.status, url=error.url)


def timestamp(moment: datetime | None) -> str:
    """A full UTC timestamp, floored to the second BigCommerce stores (2025-01-15T00:03:17Z).

    Never a bare date: "If the date modified:min does not include hours, minutes and seconds, the
    API automatically adds the current time of the request" (DateModifiedMinParam,
    products_catalog.v3.yml).
    """
    return whole_second(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def whole_second(moment: datetime | None) -> datetime:
    """`moment` in UTC without its fraction of a second: BigCommerce dates have whole seconds."""
    if moment is None or moment.tzinfo is None:
        raise ValueError(f"since must be a timezone-aware datetime, got {moment!r}")
    return moment.astimezone(UTC).replace(microsecond=0)


def parse_token(token: Token, passes: list[Pass]) -> tuple[Pass, int | None]:
    """A resume token, "<pass>:<last id read>", as (pass, id); None starts the first pass."""
    if token is None:
        return passes[0], None
    name, _, after = str(token).partition(":")
    if name not in {item.value for item in passes} or not after.isdigit():
        expected = " or ".join(f"'{item.value}:<id>'" for item in passes)
        raise ValueError(f"resume token {token!r} does not belong to this run (expected {expected})")
    return Pass(name), int(after)


def describe_error(response: requests.Response) -> str:
    """BigCommerce's v3 error body, `{"status", "title", "type", "errors": {field: message}}`, in
    one line; the gateway's 401 and 404 are plain text."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if not isinstance(body, dict) or "title" not in body:
        return response.text[:300]
    errors = body.get("errors")
    details = (
        "; ".join(f"{key}: {value}" for key, value in errors.items()) if isinstance(errors, dict) else ""
    )
    return f"{body['title']}" + (f" ({details})" if details else "")


def _records(body: Any, path: str) -> list[Mapping[str, Any]]:
    """The `data` of a v3 listing; a 200 without it is not the API we are talking to."""
    if isinstance(body, dict) and isinstance(body.get("data"), list) and isinstance(body.get("meta"), dict):
        return body["data"]
    raise FatalError(f"{path} answered without the data and meta of a BigCommerce v3 listing")


def _may_hide_variant_changes(record: Mapping[str, Any], since: datetime | None) -> bool:
    """In the VARIANTS pass, keep the products with options that CHANGED did not already read.

    `base_variant_id` "is `null` for complex products" (product_Full in products_catalog.v3.yml);
    `date_modified:max` includes the instant `since` itself, which `date_modified:min` read already.
    A record too broken to tell is kept: the mapping then reads it or rejects it with a reason.
    """
    try:
        if record["base_variant_id"] is not None:
            return False
        return parse_timestamp(record["date_modified"]) < whole_second(since)
    except (KeyError, TypeError, ValueError):
        return True
