"""The Shopify connector, both readers (GraphQL and REST), against the sandbox's Shopify store
served on loopback. The sandbox catalog (sandbox.catalog.Catalog) is the ground truth; the store
renders it with the ids of sandbox.shopify.ids.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import requests

from connectors.base import Page
from connectors.errors import AuthError, FatalError, RefusedError, RetriableError
from connectors.http import RetryPolicy, Timeouts
from connectors.model import Product, ProductStatus
from connectors.shopify import ShopifyConnector, ShopifySettings
from connectors.shopify.graphql import MAX_PAGE
from sandbox import catalog as truth
from sandbox.bigcommerce import BigCommerceStore
from sandbox.settings import SandboxSettings
from sandbox.shopify import ShopifyStore, ids

# 260 products: two REST pages of 250, and the catalog's ugly cases (no SKU at key 52, a shared SKU
# at 70, a zero price at 88, 120 variants at 96 (REST shows 100), a price never set at 112).
CATALOG = truth.Catalog(7, 260)
SMALL = truth.Catalog(7, 40)
FAST_RETRY = RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05)
APIS = [pytest.param("graphql", id="graphql"), pytest.param("rest", id="rest")]
HUGE = 96  # 120 variants


class Shop:
    """A served Shopify store and connectors to it."""

    def __init__(self, serve: Callable[[ShopifyStore], str], catalog: truth.Catalog, plan: str) -> None:
        self.store = ShopifyStore(catalog.copy(), SandboxSettings(seed=7, shopify_plan=plan))
        self.url = serve(self.store)

    def settings(self, api: str, **changes: Any) -> ShopifySettings:
        credentials = self.store.credentials(self.url)
        return ShopifySettings(
            **{"url": credentials["url"], "token": credentials["token"], "api": api, **changes}
        )

    def connect(self, api: str, **kwargs: Any) -> ShopifyConnector:
        return ShopifyConnector(self.settings(api), **{"allow_private": True, "retry": FAST_RETRY, **kwargs})

    def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        answer = requests.post(f"{self.url}/_sandbox/{path}", json=body or {}, timeout=5)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def ids(self) -> list[str]:
        return [str(ids.product_id(product.key)) for product in self.store.catalog.products()]


@pytest.fixture
def shop(serve: Callable[[ShopifyStore], str]) -> Shop:
    # Plus: a GraphQL bucket big enough that the tests spend no time waiting for it to refill.
    return Shop(serve, CATALOG, "plus")


@pytest.fixture
def small_shop(serve: Callable[[ShopifyStore], str]) -> Shop:
    return Shop(serve, SMALL, "standard")


def ids_of(pages: list[Page]) -> list[str]:
    return [product.source_id for page in pages for product in page.products]


def by_id(pages: list[Page]) -> dict[str, Product]:
    return {product.source_id: product for page in pages for product in page.products}


# -- reading everything ------------------------------------------------------------------------
@pytest.mark.parametrize("api", APIS)
def test_full_read_returns_every_product_once(shop: Shop, api: str) -> None:
    connector = shop.connect(api)
    pages = list(connector.iter_pages())
    assert sorted(ids_of(pages)) == sorted(shop.ids())  # each exactly once
    assert sum(page.raw_count for page in pages) == connector.count() == len(CATALOG)
    assert not any(page.rejected for page in pages)
    assert pages[-1].resume is None and all(page.resume is not None for page in pages[:-1])


@pytest.mark.parametrize("api", APIS)
def test_products_match_the_catalog_field_by_field(shop: Shop, api: str) -> None:
    products = by_id(list(shop.connect(api).iter_pages()))
    for expected in CATALOG.products():
        assert_matches(products[str(ids.product_id(expected.key))], expected, api)


def assert_matches(product: Product, expected: truth.Product, api: str) -> None:
    where = f"product key {expected.key} ({api})"
    assert (product.title, product.handle, product.vendor, product.product_type) == (
        expected.title,
        expected.handle,
        expected.vendor,
        expected.product_type,
    ), where
    assert product.description_html == expected.body_html, where
    assert product.status is ProductStatus(expected.status), where
    assert sorted(product.tags) == sorted(expected.tags), where
    assert (product.created_at, product.updated_at) == (expected.created_at, expected.updated_at), where
    assert [(option.name, option.values) for option in product.options] == [
        (option.name, option.values) for option in expected.options
    ], where
    # Shopify collections are flat: the catalog's categories by name, without parents.
    assert sorted(category.name for category in product.categories) == sorted(
        CATALOG.category(key).name for key in expected.category_keys
    ), where
    assert all(category.parents == () for category in product.categories), where
    assert [image.alt for image in product.images] == [image.alt for image in expected.images], where
    assert all(
        image.src.split("?")[0].endswith(f"/{truth_image.filename}")
        for image, truth_image in zip(product.images, expected.images, strict=True)
    ), where
    # REST stops at 100 variants (the rest needs GraphQL); GraphQL has every one.
    wanted = expected.variants[:100] if api == "rest" else expected.variants
    assert len(product.variants) == len(wanted), where
    names = [option.name for option in expected.options]
    for variant, truth_variant in zip(product.variants, wanted, strict=True):
        assert variant.source_id == str(ids.variant_id(truth_variant.key)), where
        # Shopify has no unset price (GraphQL's `price: Money!` is non-null): both APIs say 0.00.
        price = Decimal("0.00") if truth_variant.price is None else truth_variant.price
        assert (variant.sku, variant.price, variant.compare_at_price, variant.barcode) == (
            truth_variant.sku,
            price,
            truth_variant.compare_at_price,
            truth_variant.barcode,
        ), where
        assert variant.option_values == tuple(zip(names, truth_variant.option_values, strict=True)), where
        assert variant.weight_grams == Decimal(truth_variant.grams), where
        assert (variant.manage_stock, variant.stock_quantity) == (
            truth_variant.inventory_tracked,
            truth_variant.inventory_quantity,
        ), where
        image = truth_variant.image_index
        assert (variant.image.src.split("?")[0] if variant.image else None) == (
            None if image is None else product.images[image].src.split("?")[0]
        ), where
    if api == "graphql":  # REST has metafields only per product and no unit cost
        assert {(field.namespace, field.key, field.value) for field in product.custom_fields} == {
            (field.namespace, field.key, field.value) for field in expected.metafields
        }, where
        assert [variant.cost for variant in product.variants] == [v.cost for v in wanted], where
    else:
        assert product.custom_fields == (), where


def test_graphql_reads_all_120_variants_with_follow_ups_and_rest_stops_at_100(
    shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    huge = str(ids.product_id(HUGE))
    graphql = by_id(list(shop.connect("graphql").iter_pages()))[huge]
    with caplog.at_level(logging.WARNING, "connectors.shopify.rest"):
        rest = by_id(list(shop.connect("rest").iter_pages()))[huge]
    assert len(graphql.variants) == len(CATALOG.get(HUGE).variants) == 120  # type: ignore[union-attr]
    assert len({variant.source_id for variant in graphql.variants}) == 120
    assert len(rest.variants) == 100
    assert f"product {huge} lists 100 variants" in caplog.text


def test_rest_and_graphql_give_the_same_products(shop: Shop) -> None:
    graphql = by_id(list(shop.connect("graphql").iter_pages()))
    rest = by_id(list(shop.connect("rest").iter_pages()))
    assert graphql.keys() == rest.keys()
    for source_id, product in graphql.items():
        # What REST cannot give: metafields, unit costs, variants past 100.
        comparable = dataclasses.replace(
            product,
            custom_fields=(),
            variants=tuple(dataclasses.replace(variant, cost=None) for variant in product.variants[:100]),
            categories=tuple(sorted(product.categories, key=lambda category: category.source_id)),
        )
        other = dataclasses.replace(
            rest[source_id], categories=tuple(sorted(rest[source_id].categories, key=lambda c: c.source_id))
        )
        assert comparable == other, source_id


# -- incremental and resume ------------------------------------------------------------------
@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("changed", [pytest.param(3, id="few"), pytest.param(255, id="more-than-a-page")])
def test_incremental_read_returns_exactly_the_changed_products(shop: Shop, api: str, changed: int) -> None:
    since = datetime.now(UTC)
    touched = shop.control("catalog/update", {"count": changed})["ids"]
    connector = shop.connect(api)
    pages = list(connector.iter_pages(since=since))
    assert sorted(ids_of(pages)) == sorted(str(number) for number in touched)
    assert all(product.title.endswith("(updated)") for product in by_id(pages).values())
    assert connector.count(since) == changed


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize(
    "incremental", [pytest.param(False, id="full"), pytest.param(True, id="incremental")]
)
def test_resume_continues_exactly_after_the_checkpoint(shop: Shop, api: str, incremental: bool) -> None:
    since = datetime.now(UTC) if incremental else None
    if incremental:
        shop.control("catalog/update", {"count": 255})
    pages = list(shop.connect(api).iter_pages(since=since))
    assert len(pages) >= 2
    checkpoint = len(pages) // 2 - 1 if len(pages) > 2 else 0
    resumed = list(shop.connect(api).iter_pages(since=since, resume=pages[checkpoint].resume))
    assert ids_of(resumed) == ids_of(pages[checkpoint + 1 :])


def test_a_product_changed_mid_run_is_read_again_in_its_new_state(shop: Shop) -> None:
    # GraphQL reads in UPDATED_AT order: a change moves the product ahead of the cursor.
    pages = shop.connect("graphql").iter_pages()
    first = next(pages)
    changed = first.products[0].source_id
    shop.control("catalog/update", {"ids": [int(changed)]})
    again = [product for page in pages for product in page.products if product.source_id == changed]
    assert len(again) == 1 and again[0].title.endswith("(updated)")


# -- faults, rate limits, cost -------------------------------------------------------------------
FAULTS = [
    pytest.param({"error_next": 2, "error_status": 502}, id="server-error"),
    pytest.param({"rate_limit_next": 1}, id="rate-limit"),
    pytest.param({"reset_next": 2}, id="reset"),
    pytest.param({"malformed_next": 2}, id="malformed"),
    pytest.param({"hang_next": 1, "hang_seconds": 1.5}, id="hang"),
]


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("fault", FAULTS)
def test_faults_mid_run_still_give_every_product_once(shop: Shop, api: str, fault: dict[str, Any]) -> None:
    connector = shop.connect(api, timeouts=Timeouts(connect=2, read=0.5))
    pages = connector.iter_pages()
    first = next(pages)
    # The next listing request fails: products.json (REST) or graphql.json.
    shop.control("faults", {**fault, "match": "products\\.json|graphql\\.json"})
    rest = list(pages)
    assert sorted(ids_of([first, *rest])) == sorted(shop.ids())
    left = requests.get(f"{shop.url}/_sandbox/faults", timeout=5).json()
    assert all(left[name] == 0 for name in fault if name.endswith("_next"))  # every fault hit the run


def drain_graphql_bucket(shop: Shop) -> int:
    """Spend the store's GraphQL bucket with costly queries, as another app would; returns what is left."""
    session = requests.Session()
    session.headers["X-Shopify-Access-Token"] = shop.store.token
    query = (
        "{ products(first: 40) { nodes { variants(first: 50) { nodes { id selectedOptions { name } } } } } }"
    )
    left = 2000
    while left > 100:
        answer = session.post(f"{shop.url}/admin/api/2025-07/graphql.json", json={"query": query}, timeout=5)
        left = answer.json()["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"]
    return left


def test_throttled_answers_are_waited_out_and_the_same_query_sent_again(small_shop: Shop) -> None:
    since = datetime.now(UTC)
    changed = small_shop.control("catalog/update", {"count": 1})["ids"]
    # Another app spends the bucket: Ferry's pacer, which has heard nothing yet, believes it full.
    assert drain_graphql_bucket(small_shop) <= 100
    connector = small_shop.connect("graphql")
    pages = list(connector.iter_pages(since=since))
    assert ids_of(pages) == [str(changed[0])]
    assert connector.reader.throttled >= 1  # type: ignore[attr-defined]


def test_a_paced_run_is_never_throttled(small_shop: Shop) -> None:
    connector = small_shop.connect("graphql")
    for _ in range(2):  # twice: the second run starts with the bucket the first one spent
        assert sorted(ids_of(list(connector.iter_pages()))) == sorted(small_shop.ids())
    assert connector.reader.throttled == 0  # type: ignore[attr-defined]


def test_a_page_refused_as_too_costly_is_halved(shop: Shop) -> None:
    connector = shop.connect("graphql")
    # As if Shopify's costs had risen under a size learned earlier: 250 products with 100 variants
    # each is over the single-query maximum.
    connector.reader._sizers["products"].size = MAX_PAGE  # type: ignore[attr-defined]
    pages = list(connector.iter_pages())
    assert sorted(ids_of(pages)) == sorted(shop.ids())
    assert connector.reader._sizers["products"].ceiling < MAX_PAGE  # type: ignore[attr-defined]


# -- the connection test and its failures ----------------------------------------------------------
@pytest.mark.parametrize("api", APIS)
def test_connection_report(shop: Shop, api: str) -> None:
    report = shop.connect(api).test_connection()
    assert report.platform == "shopify" and report.store_name == "Ferry Sandbox Outfitters"
    assert (report.product_count, report.currency, report.plan) == (len(CATALOG), "USD", "Shopify Plus")
    assert report.missing_permissions == () and report.ok
    assert report.latency_ms is not None and report.latency_ms > 0
    assert report.details["domain"] == "ferry-sandbox.myshopify.com"
    assert "read_products" in report.details["scopes"]


@pytest.mark.parametrize("api", APIS)
def test_a_wrong_token_is_refused_in_plain_words(
    shop: Shop, api: str, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "shpat_" + "f" * 32
    connector = ShopifyConnector(shop.settings(api, token=wrong), allow_private=True, retry=FAST_RETRY)
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(AuthError, match=r"^the access token was refused: .*Invalid API key") as caught:
            connector.test_connection()
        with pytest.raises(AuthError, match=r"^the access token was refused"):
            list(connector.iter_pages())
    for text in (str(caught.value), caplog.text, repr(connector)):
        assert wrong not in text and shop.store.token not in text


@pytest.mark.parametrize("api", APIS)
def test_an_address_without_a_shopify_store_is_not_found(serve: Callable[[Any], str], api: str) -> None:
    # Another platform's store answers there: every Shopify path is a 404.
    url = serve(BigCommerceStore(SMALL.copy(), SandboxSettings(seed=7)))
    connector = ShopifyConnector(ShopifySettings(url, "shpat_" + "a" * 32, api=api), allow_private=True)
    with pytest.raises(FatalError, match=r"^no Shopify store answers at this address") as caught:
        connector.test_connection()
    assert caught.value.status == 404


def test_an_unreachable_store_is_retriable_with_a_plain_message(unused_port_base: int) -> None:
    settings = ShopifySettings(f"http://127.0.0.1:{unused_port_base}", "shpat_" + "a" * 32)
    connector = ShopifyConnector(settings, allow_private=True, retry=RetryPolicy(attempts=2, base_delay=0))
    with pytest.raises(RetriableError, match="refused the connection"):
        connector.test_connection()


@pytest.mark.parametrize(
    ("scheme", "reason"),
    [
        pytest.param("http", "must use https", id="plain-http"),
        pytest.param("https", "loopback", id="loopback"),
    ],
)
def test_a_private_address_is_refused_without_allow_private(
    shop: Shop, monkeypatch: pytest.MonkeyPatch, scheme: str, reason: str
) -> None:
    monkeypatch.delenv("FERRY_ALLOW_PRIVATE_NETWORKS", raising=False)
    url = shop.url.replace("http://", f"{scheme}://")
    with pytest.raises(RefusedError, match=reason):
        ShopifyConnector(shop.settings("graphql", url=url)).test_connection()
