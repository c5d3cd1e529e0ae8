"""The REST Admin API reader, for `settings.api == "rest"`.

    GET /admin/api/{version}/products.json?limit=250&since_id=0
    {"products": [{"id": 632910392, "title": "IPod Nano - 8GB", "variants": [...], "images": [...]}]}
    Link: <https://{shop}/admin/api/{version}/products.json?limit=250&page_info=eyJ...>; rel="next"
    X-Shopify-Shop-Api-Call-Limit: 32/40

A full read pages by `since_id`: ordered by id, its token is the last id read, so a resume
continues exactly after it (without it, products come in title order). An incremental read cannot:
filters may not ride beside `page_info` ("A request that includes the page_info parameter can't
include any other parameters except for limit and fields",
https://shopify.dev/docs/api/admin-rest/usage/pagination), so `updated_at_min` goes on the first
request only and the `Link` header leads on; its token is the whole next-page URL. Pacing follows
`X-Shopify-Shop-Api-Call-Limit` (ShopifyRestPacer).

What REST cannot give, by Shopify's design (read with api="graphql" for all of it):
- more than 100 variants: "The REST API won't return more than 100 variants for each product"
  (https://shopify.dev/api/admin/migrate/new-product-model); a product listing 100 is logged.
- smart collections: only custom ones, from collects.json and custom_collections.json, read once
  per run (a smart collection lists its products only collection by collection).
- metafields: REST serves them per product (products/{id}/metafields.json), one request per
  product; so none are read. Nor unit cost, which lives on inventory_items.json.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from connectors.base import Page
from connectors.errors import FatalError, MalformedPayloadError
from connectors.model import Category, Product
from connectors.pacing import ShopifyRestPacer
from connectors.pagination import LinkHeaderPaginator, Paginator, RawPage, SinceIdPaginator, Token
from connectors.shopify.mapping import product_from_rest
from connectors.shopify.reader import Reader, ShopFacts, page_of, utc_iso

log = logging.getLogger(__name__)

PRODUCTS = "products.json"
RECORD_KEY = "products"
PAGE_SIZE = 250  # "Return up to this many results per page (default: 50, max: 250)"
INCREMENTAL = "updated_at_min"
VARIANT_CAP = 100
# Unversioned, like every OAuth path (https://shopify.dev/docs/api/admin-rest/latest/resources/accessscope).
ACCESS_SCOPES = "admin/oauth/access_scopes.json"


class RestReader(Reader):
    """Products, counts and the shop through the REST Admin API."""

    @staticmethod
    def pacer() -> ShopifyRestPacer:
        return ShopifyRestPacer()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._origin = urlsplit(self.client.base_url)[:2]

    def path(self, resource: str) -> str:
        return f"admin/api/{self.version}/{resource}"

    # -- the Reader interface ----------------------------------------------------------------
    def shop(self) -> ShopFacts:
        shop = self.client.get_json(self.path("shop.json"))["shop"]
        scopes = self.client.get_json(ACCESS_SCOPES)["access_scopes"]
        return ShopFacts(
            name=shop["name"],
            plan=shop.get("plan_display_name") or shop.get("plan_name"),
            currency=shop.get("currency"),
            domain=shop.get("myshopify_domain"),
            scopes=frozenset(scope["handle"] for scope in scopes),
        )

    def count(self, since: datetime | None) -> int:
        params = {} if since is None else {INCREMENTAL: utc_iso(since)}
        return int(self.client.get_json(self.path("products/count.json"), params=params)["count"])

    def pages(self, since: datetime | None, resume: Token) -> Iterator[Page]:
        paginator: Paginator = SinceIdPaginator(PAGE_SIZE) if since is None else LinkHeaderPaginator()
        expected = int if since is None else str
        if resume is not None and not isinstance(resume, expected):
            raise ValueError(
                f"resume token {resume!r} is not from a {'full' if since is None else 'incremental'} read"
            )
        first = {"limit": PAGE_SIZE, **({} if since is None else {INCREMENTAL: utc_iso(since)})}
        collections: dict[int, tuple[Category, ...]] | None = None
        for raw, token in paginator.pages(
            lambda token: self._fetch(PRODUCTS, RECORD_KEY, first, token), resume
        ):
            if collections is None and raw.records:
                collections = self._collections()
            yield page_of(raw.records, partial(self._product, collections=collections or {}), token)

    @staticmethod
    def _product(record: Mapping[str, Any], collections: Mapping[int, tuple[Category, ...]]) -> Product:
        if len(record.get("variants") or ()) >= VARIANT_CAP:
            log.warning(
                "product %s lists %s variants, REST's cap: it may have more (api='graphql' reads them all)",
                record.get("id"),
                VARIANT_CAP,
            )
        return product_from_rest(record, collections.get(record.get("id"), ()))

    # -- listings ------------------------------------------------------------------------------
    def _fetch(self, resource: str, key: str, first: Mapping[str, Any], token: Token) -> RawPage:
        """One page: the first from `first`'s filters, then by since_id (int) or Link URL (str)."""
        if isinstance(token, str):
            if urlsplit(token)[:2] != self._origin:
                # The token rides on every request; it goes to this store only.
                raise FatalError(
                    f"the store's next-page link leads to {urlsplit(token).netloc}: use that address "
                    "(the store's myshopify.com domain) as the store URL"
                )
            body, response = self.client.read("GET", token)
        else:
            # An incremental read's first page carries the filter; every other page pages by id.
            params = dict(first) if INCREMENTAL in first else {**first, "since_id": token or 0}
            body, response = self.client.read("GET", self.path(resource), params=params)
        records = body.get(key) if isinstance(body, dict) else None
        if not isinstance(records, list):
            raise MalformedPayloadError(f"{resource} answered without its {key!r} list")
        return RawPage(records=records, body=body, headers=response.headers, links=response.links)

    def _all(self, resource: str, key: str) -> Iterator[Mapping[str, Any]]:
        first = {"limit": PAGE_SIZE}
        for raw, _ in SinceIdPaginator(PAGE_SIZE).pages(
            lambda token: self._fetch(resource, key, first, token)
        ):
            yield from raw.records

    def _collections(self) -> dict[int, tuple[Category, ...]]:
        """Product id -> its custom collections (flat: Shopify collections have no parents)."""
        titles = {
            collection["id"]: Category(source_id=str(collection["id"]), name=collection["title"])
            for collection in self._all("custom_collections.json", "custom_collections")
        }
        members: defaultdict[int, list[Category]] = defaultdict(list)
        for collect in self._all("collects.json", "collects"):
            category = titles.get(collect["collection_id"])
            if category is not None:
                members[collect["product_id"]].append(category)
        return {product: tuple(categories) for product, categories in members.items()}
