"""The Magento connector against the sandbox's Magento store, served on loopback.

The sandbox catalog (sandbox.catalog.Catalog) is the ground truth the mapped products are checked
against; the store renders each catalog product as a simple product, or as a configurable parent
with one simple child per variant (ids from sandbox.magento.ids).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import requests

from connectors.base import Page
from connectors.errors import AuthError, FatalError, RefusedError, RetriableError
from connectors.http import RetryPolicy, Timeouts
from connectors.magento import MagentoConnector, MagentoSettings
from connectors.model import Product, ProductStatus
from sandbox import catalog as truth
from sandbox.magento import MagentoStore
from sandbox.settings import SandboxSettings

# 120 products: the catalog's ugly cases (no SKU at key 52, a SKU shared with the previous product
# at 70, a zero price at 88, 120 variants at 96, a price never set at 112) and ~450 child entities.
CATALOG = truth.Catalog(3, 120)
FAST_RETRY = RetryPolicy(attempts=5, base_delay=0.01, max_delay=0.05)


class SmallPages(MagentoConnector):
    page_size = 25


Shop = tuple[MagentoStore, str]


@pytest.fixture
def shop(serve: Callable[[MagentoStore], str]) -> Shop:
    store = MagentoStore(CATALOG.copy(), SandboxSettings(seed=3))
    return store, serve(store)


def settings_for(shop: Shop, *, admin: bool = False, **changes: Any) -> MagentoSettings:
    credentials = shop[0].credentials(shop[1])
    values: dict[str, Any] = {"url": credentials["url"]}
    if admin:
        values.update(username=credentials["username"], password=credentials["password"])
    else:
        values["token"] = credentials["token"]
    return MagentoSettings(**{**values, **changes})


def connect(
    shop: Shop, kind: type[MagentoConnector] = SmallPages, *, admin: bool = False, **kwargs: Any
) -> MagentoConnector:
    options: dict[str, Any] = {"allow_private": True, "retry": FAST_RETRY, **kwargs}
    store_view = options.pop("store_view", "default")
    return kind(settings_for(shop, admin=admin, store_view=store_view), **options)


def read(connector: MagentoConnector, **kwargs: Any) -> list[Page]:
    return list(connector.iter_pages(**kwargs))


def ids_of(pages: list[Page]) -> list[str]:
    return [product.source_id for page in pages for product in page.products]


def catalog_ids(shop: Shop) -> list[str]:
    return [str(shop[0].product_id(product.key)) for product in shop[0].catalog.products()]


def control(shop: Shop, path: str, body: dict[str, Any]) -> Any:
    reply = requests.post(f"{shop[1]}/_sandbox/{path}", json=body, timeout=5)
    assert reply.status_code == 200, reply.text
    return reply.json()


def requests_to(shop: Shop, endpoint: str) -> int:
    return requests.get(f"{shop[1]}/_sandbox/stats", timeout=5).json()["requests"].get(endpoint, 0)


# -- reading everything ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "past_last_page", [pytest.param("last", id="last-page-repeats"), pytest.param("empty", id="empty-page")]
)
def test_a_full_read_yields_every_product_once(
    serve: Callable[[MagentoStore], str], past_last_page: str
) -> None:
    store = MagentoStore(CATALOG.copy(), SandboxSettings(seed=3, magento_past_last_page=past_last_page))
    shop = (store, serve(store))
    connector = connect(shop)
    pages = read(connector)
    found = ids_of(pages)
    assert len(found) == len(set(found)) == len(CATALOG) == connector.count()
    assert sorted(found) == sorted(catalog_ids(shop))
    assert [page.resume for page in pages][-1] is None
    assert len(pages) == -(-len(CATALOG) // SmallPages.page_size)
    assert not [rejected for page in pages for rejected in page.rejected]


def test_children_come_in_batches_not_one_request_per_product(shop: Shop) -> None:
    read(connect(shop, MagentoConnector))
    assert requests_to(shop, "GET /V1/configurable-products/{sku}/children") == 0
    children = sum(len(product.variants) for product in CATALOG.products() if product.options)
    # One listing page and ceil(children / 250) child batches; attributes once each per run.
    assert requests_to(shop, "GET /V1/products") == 1 + -(-children // MagentoConnector.page_size)
    assert requests_to(shop, "GET /V1/products/attributes/{code}") <= 10


def _path(category: truth.Category) -> tuple[str, ...]:
    return tuple(node.name for node in CATALOG.category_path(category.key))


def _file(src: str) -> str:
    return src.rsplit("/", 1)[-1]


def assert_matches_catalog(product: Product, expected: truth.Product, shared_skus: set[str]) -> None:
    assert product.title == expected.title
    assert product.description_html == expected.body_html
    assert product.handle == expected.handle
    assert product.vendor == expected.vendor
    assert product.tags == expected.tags
    # Magento has enabled and disabled only: drafts and archived products are both disabled.
    assert product.status is (ProductStatus.ACTIVE if expected.status == "active" else ProductStatus.DRAFT)
    assert [category.path for category in product.categories] == [
        _path(CATALOG.category(key)) for key in expected.category_keys
    ]
    assert [(option.name, option.values) for option in product.options] == [
        (option.name, option.values) for option in expected.options
    ]
    assert [(image.src.startswith("http"), _file(image.src), image.alt) for image in product.images] == [
        (True, image.filename, image.alt) for image in expected.images
    ]
    option_names = [option.name for option in expected.options]
    assert len(product.variants) == len(expected.variants)
    for variant, truth_variant in zip(product.variants, expected.variants, strict=True):
        if truth_variant.sku and truth_variant.sku not in shared_skus:
            assert variant.sku == truth_variant.sku
        assert variant.option_values == tuple(zip(option_names, truth_variant.option_values, strict=True))
        assert (variant.price, variant.compare_at_price) == (
            truth_variant.price,
            truth_variant.compare_at_price,
        )
        assert variant.cost == truth_variant.cost
        assert variant.barcode == truth_variant.barcode
        assert variant.weight_grams == (truth_variant.grams or None)
        assert variant.manage_stock is truth_variant.inventory_tracked
        assert variant.stock_quantity == (
            truth_variant.inventory_quantity if truth_variant.inventory_tracked else None
        )
        if expected.options:
            index = truth_variant.image_index
            wanted = None if index is None else expected.images[index].filename
            assert (variant.image and _file(variant.image.src)) == wanted
    axes = {option.name.lower() for option in expected.options}
    fields = {field.key: field.value for field in product.custom_fields}
    for metafield in expected.metafields:
        if metafield.key not in axes:
            assert fields[metafield.key] == metafield.value
    assert product.updated_at == expected.updated_at.replace(microsecond=0)
    assert product.created_at == expected.created_at.replace(microsecond=0)


def test_every_product_maps_field_by_field_onto_the_catalog(shop: Shop) -> None:
    products = {product.source_id: product for page in read(connect(shop)) for product in page.products}
    skus = [variant.sku for product in CATALOG.products() for variant in product.variants if variant.sku]
    shared = {sku for sku in skus if skus.count(sku) > 1}
    assert shared, "the catalog should hold a shared SKU for this test to mean something"
    for expected in CATALOG.products():
        assert_matches_catalog(products[str(shop[0].product_id(expected.key))], expected, shared)


def test_a_store_view_gives_its_own_names(shop: Shop) -> None:
    products = [product for page in read(connect(shop, store_view="fr")) for product in page.products]
    assert len(products) == len(CATALOG)
    assert all(product.title.endswith("(FR)") for product in products)


# -- incremental and resuming ----------------------------------------------------------------------
def test_incremental_reads_exactly_the_changed_products(shop: Shop) -> None:
    connector = connect(shop)
    since = datetime.now(UTC)
    changed = control(shop, "catalog/update", {"count": 4})["ids"]
    control(shop, "catalog/price", {"id": catalog_ids(shop)[0], "price": "12.34"})
    expected = {str(entity) for entity in changed} | {catalog_ids(shop)[0]}
    products = [product for page in read(connector, since=since) for product in page.products]
    assert {product.source_id for product in products} == expected
    assert len(products) == len(expected) == connector.count(since)
    assert all(product.updated_at >= since.replace(microsecond=0) for product in products)
    for product in products:
        if product.source_id in map(str, changed):
            assert product.title.endswith("(updated)")


def test_an_incremental_run_with_nothing_changed_is_empty(shop: Shop) -> None:
    connector = connect(shop)
    pages = read(connector, since=datetime.now(UTC))
    assert (ids_of(pages), [page.resume for page in pages]) == ([], [None])
    assert connector.count(datetime.now(UTC)) == 0


def test_resuming_from_a_token_continues_with_exactly_the_following_products(shop: Shop) -> None:
    pages = read(connect(shop))
    resumed = read(connect(shop), resume=pages[1].resume)
    assert ids_of(resumed) == ids_of(pages[2:])


def test_a_deletion_before_the_checkpoint_does_not_shift_the_pages(shop: Shop) -> None:
    pages = read(connect(shop))
    control(shop, "catalog/delete", {"ids": ids_of(pages[:1])[:5]})
    assert ids_of(read(connect(shop), resume=pages[1].resume)) == ids_of(pages[2:])


# -- faults ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "faults",
    [
        pytest.param({"error_next": 2, "error_status": 503}, id="server-errors"),
        pytest.param({"error_next": 2, "error_status": 500}, id="internal-errors"),
        pytest.param({"rate_limit_next": 2}, id="rate-limited"),
        pytest.param({"reset_next": 2}, id="connection-reset"),
        pytest.param({"malformed_next": 2}, id="cut-json"),
        pytest.param({"hang_next": 1, "hang_seconds": 2}, id="hang"),
    ],
)
def test_faults_still_give_every_product_exactly_once(shop: Shop, faults: dict[str, Any]) -> None:
    connector = connect(shop, timeouts=Timeouts(connect=2, read=0.5))
    control(shop, "faults", {**faults, "match": r"/V1/products$"})
    found = ids_of(read(connector))
    assert sorted(found) == sorted(catalog_ids(shop))
    left = requests.get(f"{shop[1]}/_sandbox/faults", timeout=5).json()
    assert all(not left.get(name) for name in faults if name.endswith("_next"))  # every fault was hit


# -- tokens and connection tests ---------------------------------------------------------------------
def test_connection_report(shop: Shop) -> None:
    report = connect(shop).test_connection()
    assert (report.platform, report.store_name, report.currency) == ("magento", "Default Store View", "USD")
    assert report.product_count == len(CATALOG)
    assert report.missing_permissions == () and report.ok
    assert report.latency_ms is not None and report.details["weight_unit"] == "kgs"


def test_an_admin_user_signs_in_and_again_when_the_token_expires_mid_run(shop: Shop) -> None:
    store = shop[0]
    connector = connect(shop, admin=True)
    pages = connector.iter_pages()
    found = ids_of([next(pages)])
    store.clock = lambda: time.time() + 5 * 3600  # past the 4-hour lifetime of the first token
    found += ids_of(list(pages))
    assert sorted(found) == sorted(catalog_ids(shop))
    assert requests_to(shop, "POST /V1/integration/admin/token") == 2


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda connector: connector.test_connection(), id="test-connection"),
        pytest.param(lambda connector: read(connector), id="iter-pages"),
        pytest.param(lambda connector: connector.count(), id="count"),
    ],
)
def test_a_wrong_token_is_an_auth_error_without_the_token(
    shop: Shop, call: Callable[[MagentoConnector], Any], caplog: pytest.LogCaptureFixture
) -> None:
    secret = "wrong-token-0123456789abcdef"
    connector = SmallPages(settings_for(shop, token=secret), allow_private=True, retry=FAST_RETRY)
    with (
        caplog.at_level(logging.DEBUG),
        pytest.raises(AuthError, match="the access token was refused") as raised,
    ):
        call(connector)
    assert secret not in str(raised.value) and secret not in caplog.text
    assert secret not in repr(connector.settings) and secret not in repr(connector)


def test_a_wrong_password_is_an_auth_error_without_the_password(shop: Shop) -> None:
    password = "not-the-password-42"
    settings = settings_for(shop, admin=True, password=password)
    with pytest.raises(AuthError, match="user name or password was refused") as raised:
        MagentoConnector(settings, allow_private=True).test_connection()
    assert password not in str(raised.value) and password not in repr(settings)


def test_an_unknown_store_view_names_the_ones_there_are(shop: Shop) -> None:
    with pytest.raises(FatalError, match=r"no store view 'nl' \(store views: admin, default, fr\)"):
        connect(shop, store_view="nl").test_connection()


def test_an_address_that_is_not_magento_says_so(shop: Shop) -> None:
    settings = MagentoSettings(url=f"{shop[1]}/shop", token="x" * 32)
    with pytest.raises(FatalError, match="no Magento REST API answers at"):
        MagentoConnector(settings, allow_private=True).test_connection()


def test_an_unreachable_store_is_retriable_with_a_plain_message(unused_port_base: int) -> None:
    settings = MagentoSettings(url=f"http://127.0.0.1:{unused_port_base}", token="t" * 32)
    connector = MagentoConnector(settings, allow_private=True, retry=RetryPolicy(attempts=1))
    with pytest.raises(RetriableError, match="refused the connection"):
        connector.test_connection()


@pytest.mark.parametrize(
    ("scheme", "when"),
    [
        pytest.param("http", "construction", id="plain-http"),
        pytest.param("https", "first-request", id="loopback-address"),
    ],
)
def test_private_addresses_are_refused_without_allow_private(
    shop: Shop, scheme: str, when: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FERRY_ALLOW_PRIVATE_NETWORKS", raising=False)
    settings = MagentoSettings(url=shop[1].replace("http", scheme, 1), token="t" * 32)
    with pytest.raises(RefusedError):
        MagentoConnector(settings, retry=FAST_RETRY).test_connection()
    assert when == "construction" or requests_to(shop, "GET /V1/store/storeViews") == 0


def test_the_price_of_a_sale_variant_is_its_special_price(shop: Shop) -> None:
    on_sale = next(
        (product, variant)
        for product in CATALOG.products()
        for variant in product.variants
        if variant.compare_at_price and not product.options
    )
    found = {p.source_id: p for page in read(connect(shop)) for p in page.products}
    variant = found[str(shop[0].product_id(on_sale[0].key))].variants[0]
    assert (variant.price, variant.compare_at_price) == (on_sale[1].price, on_sale[1].compare_at_price)
    assert variant.price is not None and variant.price < variant.compare_at_price
    assert isinstance(variant.price, Decimal)
