"""The BigCommerce connector against the sandbox's BigCommerce store, served on loopback.

The sandbox catalog (sandbox.catalog.Catalog) is the ground truth the mapped products are checked
against; the store renders it the way BigCommerce does (ids from sandbox.bigcommerce.ids).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

import pytest
import requests

from connectors.base import Page
from connectors.bigcommerce import BigCommerceConnector, BigCommerceSettings
from connectors.errors import AuthError, FatalError, RefusedError, RetriableError
from connectors.http import RetryPolicy, Timeouts
from connectors.model import Product
from sandbox import catalog as truth
from sandbox.bigcommerce import BigCommerceStore, ids
from sandbox.settings import SandboxSettings

# 260 products: two pages of 250, and the catalog's ugly cases (no SKU at key 52, a SKU shared with
# the previous product at key 70, a zero price at 88, 120 variants at 96, a price never set at 112).
CATALOG = truth.Catalog(7, 260)
FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05)


class SmallPages(BigCommerceConnector):
    PAGE_SIZE = 40


Shop = tuple[BigCommerceStore, str]


@pytest.fixture
def shop(serve: Callable[[BigCommerceStore], str]) -> Shop:
    store = BigCommerceStore(CATALOG.copy(), SandboxSettings(seed=7))
    return store, serve(store)


def settings_for(shop: Shop, **changes: str) -> BigCommerceSettings:
    store, url = shop
    credentials = store.credentials(url)
    values = {
        "url": credentials["url"],
        "store_hash": credentials["store_hash"],
        "token": credentials["token"],
    }
    return BigCommerceSettings(**{**values, **changes})


def connect(
    shop: Shop, kind: type[BigCommerceConnector] = BigCommerceConnector, **kwargs: Any
) -> BigCommerceConnector:
    options: dict[str, Any] = {"allow_private": True, "retry": FAST_RETRY, **kwargs}
    return kind(settings_for(shop), **options)


def read(connector: BigCommerceConnector, **kwargs: Any) -> list[Page]:
    return list(connector.iter_pages(**kwargs))


def ids_of(pages: list[Page]) -> list[str]:
    return [product.source_id for page in pages for product in page.products]


def control(shop: Shop, path: str, body: dict[str, Any]) -> None:
    assert requests.post(f"{shop[1]}/_sandbox/{path}", json=body, timeout=5).status_code == 200


def all_ids(shop: Shop) -> list[str]:
    return [str(ids.product_id(product.key)) for product in shop[0].catalog.products()]


# -- reading everything ----------------------------------------------------------------------------
def test_a_full_read_yields_every_product_once(shop: Shop) -> None:
    connector = connect(shop)
    pages = read(connector)
    # categories, brands, the store's weight unit, then two pages of products
    assert connector.requests_made == 5
    assert ids_of(pages) == all_ids(shop)  # in id order
    assert connector.count() == len(CATALOG) == sum(page.raw_count for page in pages)
    assert [page.resume for page in pages] == ["all:250", None]
    assert not any(page.rejected for page in pages)


def _stem(filename: str) -> str:
    return PurePosixPath(filename).stem


def _check_variants(mapped: Product, expected: truth.Product) -> None:
    raw_variants = {str(variant["id"]): variant for variant in mapped.raw["variants"]}
    names = [option.name for option in expected.options]
    assert len(mapped.variants) == len(expected.variants)
    for variant, want in zip(mapped.variants, expected.variants, strict=True):
        raw = raw_variants[variant.source_id]
        assert variant.source_id == str(ids.variant_id(want.key))
        # The store keeps a SKU unique: the second product to claim one gets none.
        assert raw["sku"] in ("", want.sku or "")
        assert variant.sku == (want.sku if raw["sku"] else None)
        if want.price is None:  # never set: BigCommerce falls back to the product's price
            assert raw["price"] is None and variant.price == Decimal(mapped.raw["price"])
        else:
            assert (variant.price, variant.compare_at_price) == (want.price, want.compare_at_price)
        assert variant.cost == (want.cost or None)
        assert variant.option_values == tuple(zip(names, want.option_values, strict=True))
        assert variant.barcode == want.barcode
        assert variant.weight_grams == want.grams
        assert variant.manage_stock == want.inventory_tracked
        assert variant.stock_quantity == (max(0, want.inventory_quantity) if want.inventory_tracked else None)
        if want.image_index is None:
            assert variant.image is None
        else:
            assert variant.image is not None
            assert f"/{_stem(expected.images[want.image_index].filename)}__" in variant.image.src


def _check(mapped: Product, expected: truth.Product, catalog: truth.Catalog) -> None:
    assert mapped.source_id == str(ids.product_id(expected.key))
    assert mapped.title == expected.title
    assert mapped.description_html == expected.body_html
    assert mapped.handle == expected.handle
    assert mapped.vendor == expected.vendor
    assert mapped.status == expected.status
    assert mapped.tags == expected.tags
    assert mapped.created_at == expected.created_at.replace(microsecond=0)
    assert [category.path for category in mapped.categories] == [
        tuple(category.name for category in catalog.category_path(key)) for key in expected.category_keys
    ]
    assert [(field.key, field.value) for field in mapped.custom_fields] == [
        (field.key, field.value) for field in expected.metafields
    ]
    assert [(option.name, option.values) for option in mapped.options] == [
        (option.name, option.values) for option in expected.options
    ]
    assert [image.alt for image in mapped.images] == [image.alt for image in expected.images]
    for image, want in zip(mapped.images, expected.images, strict=True):
        assert f"/{_stem(want.filename)}__" in image.src and image.src.startswith("https://")
    _check_variants(mapped, expected)


def test_every_product_maps_field_by_field_onto_the_catalog(shop: Shop) -> None:
    store, _ = shop
    mapped = {product.source_id: product for page in read(connect(shop)) for product in page.products}
    for expected in store.catalog.products():
        _check(mapped[str(ids.product_id(expected.key))], expected, store.catalog)
    # The cases that make the comparison worth it are really in this catalog.
    products = store.catalog.products()
    assert {product.status for product in products} == {"active", "draft", "archived"}
    assert any(len(product.options) == 3 for product in products)
    assert any(variant.price is None for product in products for variant in product.variants)
    assert any(variant.compare_at_price for product in products for variant in product.variants)
    assert any(not variant.inventory_tracked for product in products for variant in product.variants)
    assert any(len(product.category_keys) > 1 for product in products)


# -- incremental -----------------------------------------------------------------------------------
def _pass_of(page: Page) -> str:
    """The pass a page came from: the first pass's last page hands over with "variants:0"."""
    token = str(page.resume)
    return "changed" if token.startswith("changed:") or token == "variants:0" else "variants"


def test_incremental_finds_product_changes_and_rereads_products_with_options(shop: Shop) -> None:
    store, _ = shop
    products = store.catalog.products()
    simple = [ids.product_id(p.key) for p in products if p.is_simple]
    complex_ = [ids.product_id(p.key) for p in products if not p.is_simple]
    updated, repriced_simple, repriced_options = complex_[0], simple[1], complex_[1]
    since = datetime.now(UTC)
    control(shop, "catalog/update", {"ids": [updated, simple[0]]})
    control(shop, "catalog/price", {"id": repriced_simple, "price": "12.34"})
    control(shop, "catalog/price", {"id": repriced_options, "price": "23.45"})

    connector = connect(shop)
    assert connector.count(since) == 3  # the variant-only change leaves date_modified alone
    by_pass: dict[str, list[Product]] = {"changed": [], "variants": []}
    for page in connector.iter_pages(since):
        by_pass[_pass_of(page)] += page.products
    changed = {int(product.source_id): product for product in by_pass["changed"]}
    reread = {int(product.source_id): product for product in by_pass["variants"]}
    assert set(changed) == {updated, simple[0], repriced_simple}
    assert changed[updated].title.endswith("(updated)")
    assert {v.price for v in changed[repriced_simple].variants} == {Decimal("12.34")}
    # Every product with options whose own record did not change is read again, and the one whose
    # variants alone were repriced shows its new prices.
    assert set(reread) == set(complex_) - {updated}
    assert {v.price for v in reread[repriced_options].variants} == {Decimal("23.45")}
    assert reread[repriced_options].updated_at < since


def test_an_incremental_run_with_nothing_changed_reads_only_products_with_options(shop: Shop) -> None:
    store, _ = shop
    pages = read(connect(shop), since=datetime.now(UTC))
    assert pages[0].products == [] and pages[0].resume == "variants:0"
    expected = [str(ids.product_id(p.key)) for p in store.catalog.products() if not p.is_simple]
    assert ids_of(pages) == expected


# -- resuming --------------------------------------------------------------------------------------
def test_resuming_from_a_token_continues_with_exactly_the_following_products(shop: Shop) -> None:
    connector = connect(shop, SmallPages)
    pages = read(connector)
    assert len(pages) == 7
    everything = ids_of(pages)
    for cut in (1, 3, 6):
        resumed = read(connector, resume=pages[cut - 1].resume)
        assert ids_of(resumed) == everything[sum(len(page.products) for page in pages[:cut]) :]


def test_a_deletion_before_the_checkpoint_does_not_shift_the_pages(shop: Shop) -> None:
    connector = connect(shop, SmallPages)
    pages = read(connector)
    checkpoint = pages[1].resume
    control(shop, "catalog/delete", {"ids": [3, 50]})  # both already read
    assert ids_of(read(connector, resume=checkpoint)) == ids_of(pages[2:])


def test_resuming_an_incremental_run_inside_its_second_pass(shop: Shop) -> None:
    since = datetime.now(UTC)
    control(shop, "catalog/update", {"ids": [5, 9]})
    connector = connect(shop, SmallPages)
    pages = read(connector, since=since)
    assert pages[0].resume == "variants:0" and ids_of(pages[:1]) == ["5", "9"]
    assert ids_of(read(connector, since=since, resume="variants:0")) == ids_of(pages[1:])
    assert ids_of(read(connector, since=since, resume=pages[2].resume)) == ids_of(pages[3:])


# -- faults ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "faults",
    [
        pytest.param({"error_next": 2, "error_status": 503}, id="server-errors"),
        pytest.param({"error_next": 1, "error_status": 500}, id="rate-limit-as-500"),
        pytest.param({"rate_limit_next": 2}, id="bare-429"),
        pytest.param({"reset_next": 2}, id="connection-reset"),
        pytest.param({"malformed_next": 2}, id="cut-json"),
        pytest.param({"hang_next": 1, "hang_seconds": 3}, id="hang"),
    ],
)
def test_faults_still_give_every_product_exactly_once(
    shop: Shop, faults: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    control(shop, "faults", {**faults, "match": "catalog/products"})
    connector = connect(shop, timeouts=Timeouts(connect=2, read=0.5))
    pages = read(connector)
    assert ids_of(pages) == all_ids(shop)
    assert connector.requests_made > 5  # the failed requests were made, and retried
    left = requests.get(f"{shop[1]}/_sandbox/faults", timeout=5).json()
    assert all(left[name] == 0 for name in faults if name.endswith("_next"))
    assert "retrying" in caplog.text and shop[0].token not in caplog.text


# -- connection test and errors --------------------------------------------------------------------
def test_connection_report(shop: Shop) -> None:
    report = connect(shop).test_connection()
    assert report.ok and report.platform == "bigcommerce"
    assert (report.store_name, report.plan, report.currency) == ("Ferry Sandbox", "Standard", "USD")
    assert report.product_count == len(CATALOG)
    assert report.latency_ms is not None and report.latency_ms >= 0
    assert report.details["weight_units"] == "Grams"


@pytest.mark.parametrize(
    ("operation"),
    [
        pytest.param(lambda connector: connector.test_connection(), id="test-connection"),
        pytest.param(lambda connector: read(connector), id="iter-pages"),
        pytest.param(lambda connector: connector.count(), id="count"),
    ],
)
def test_a_wrong_token_is_an_auth_error_that_names_the_token(
    shop: Shop, operation: Callable[[BigCommerceConnector], Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "wrong-token-5f1c9a"
    connector = BigCommerceConnector(settings_for(shop, token=secret), allow_private=True, retry=FAST_RETRY)
    with pytest.raises(AuthError) as raised:
        operation(connector)
    assert raised.value.status == 401
    assert raised.value.message.startswith("the access token was refused")
    assert secret not in str(raised.value) and secret not in caplog.text and secret not in repr(connector)


def test_a_wrong_store_hash_names_both_possible_causes(shop: Shop) -> None:
    connector = BigCommerceConnector(settings_for(shop, store_hash="abcdefghij"), allow_private=True)
    with pytest.raises(AuthError) as raised:
        connector.test_connection()
    assert raised.value.status == 403
    assert "store_v2_products_read_only" in raised.value.message
    assert "'abcdefghij'" in raised.value.message


def test_a_wrong_api_address_says_no_store_answered(shop: Shop) -> None:
    connector = BigCommerceConnector(settings_for(shop, url=f"{shop[1]}/api"), allow_private=True)
    with pytest.raises(FatalError, match="no BigCommerce store answered v2/store") as raised:
        connector.test_connection()
    assert raised.value.status == 404


def test_a_token_without_the_store_information_scope_is_reported_not_fatal(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sandbox's tokens hold every scope: refuse /v2/store the way BigCommerce does without it."""
    connector = connect(shop)
    real = connector.client.get_json

    def refuse_store(path: str, **kwargs: Any) -> Any:
        if path == "v2/store":
            raise AuthError("GET v2/store answered 403", status=403)
        return real(path, **kwargs)

    monkeypatch.setattr(connector.client, "get_json", refuse_store)
    report = connector.test_connection()
    assert report.missing_permissions == ("store_v2_information_read_only",) and not report.ok
    assert report.store_name == connector.settings.store_hash and report.product_count == len(CATALOG)
    first = next(connector.iter_pages())  # weights left out, everything else read
    assert first.products and all(v.weight_grams is None for p in first.products for v in p.variants)


def test_an_unreachable_store_is_retriable_with_a_plain_message(unused_port_base: int) -> None:
    settings = BigCommerceSettings(
        url=f"http://127.0.0.1:{unused_port_base}", store_hash="abc", token="t0ken"
    )
    connector = BigCommerceConnector(
        settings, allow_private=True, retry=RetryPolicy(attempts=2, base_delay=0)
    )
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
    shop: Shop, monkeypatch: pytest.MonkeyPatch, scheme: str, when: str
) -> None:
    monkeypatch.delenv("FERRY_ALLOW_PRIVATE_NETWORKS", raising=False)
    settings = settings_for(shop, url=shop[1].replace("http", scheme, 1))
    with pytest.raises(RefusedError, match="refused"):
        connector = BigCommerceConnector(settings, retry=FAST_RETRY)
        assert when == "first-request"
        connector.test_connection()


# -- pacing ----------------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_nearly_spent_quota_is_waited_out_not_hit(shop: Shop) -> None:
    """With 3 requests left of the standard plan's 150 per 30 s, a read that needs 10 waits for the
    window to reset; without retries, a single 429 would fail it."""
    store, url = shop
    with requests.Session() as session:
        session.headers["X-Auth-Token"] = store.token
        for _ in range(147):
            answer = session.get(f"{url}/stores/{store.store_hash}/v2/time", timeout=5)
    assert answer.headers["X-Rate-Limit-Requests-Left"] == "3"
    connector = connect(shop, SmallPages, retry=RetryPolicy(attempts=1))
    assert len(ids_of(read(connector))) == len(CATALOG)
    assert connector.requests_made == 3 + 7
