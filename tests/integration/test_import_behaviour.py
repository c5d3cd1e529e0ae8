"""What an import does, checked against the real sandbox stores field by field and option by option.

The catalog generator (sandbox.catalog) is the ground truth: what lands in WooCommerce is read back
through the Woo REST API and compared with it. Where a platform legitimately carries a product
differently, the difference is spelled out below (PLATFORM_* tables), never loosened in a check.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
import requests

from connectors import SOURCES as CONNECTORS
from connectors.http import Timeouts
from connectors.woocommerce import WooSettings, WooTarget, WooWriter
from jobs.connect import source_prefix
from jobs.definition import ImportDefinition
from jobs.pipeline import Action, Pipeline, RunOptions, RunResult
from jobs.store.database import make_engine, sessions, upgrade
from sandbox import catalog as generated
from sandbox.bigcommerce import BigCommerceStore
from sandbox.catalog import Catalog
from sandbox.http import Store
from sandbox.magento import MagentoStore
from sandbox.settings import SandboxSettings
from sandbox.shopify import ShopifyStore
from sandbox.woocommerce import WooCommerceStore
from tests.integration.test_import import (  # noqa: F401 (private_networks is an autouse fixture)
    Stores,
    private_networks,
    run,
    source_section,
)

SETTINGS = SandboxSettings(seed=5, shopify_plan="plus", bigcommerce_plan="pro")
# Up to key 112, the first product with a variant whose price was never set.
FULL = Catalog(seed=5, count=114)
# Small enough to be quick, large enough that 3 vanished products are within the 10% default share.
SMALL = Catalog(seed=5, count=30)

STORES: dict[str, Callable[[Catalog], Store]] = {
    "shopify-graphql": lambda catalog: ShopifyStore(catalog.copy(), SETTINGS),
    "shopify-rest": lambda catalog: ShopifyStore(catalog.copy(), SETTINGS),
    "magento": lambda catalog: MagentoStore(catalog.copy(), SETTINGS),
    "bigcommerce": lambda catalog: BigCommerceStore(catalog.copy(), SETTINGS),
}

# -- what each platform legitimately does differently ---------------------------------------
# Shopify's collections are flat; Magento and BigCommerce keep the category tree.
PLATFORM_CATEGORY_TREE = {"shopify": False, "magento": True, "bigcommerce": True}
# Magento has only enabled/disabled: an archived product comes out disabled, a Woo draft.
PLATFORM_ARCHIVED = {"shopify": "private", "magento": "draft", "bigcommerce": "private"}
# A variant price that was never set: Shopify has no "no price" (it reads as 0.00); Magento
# leaves the child without a price; BigCommerce's null means "the product's default price"
# (the sandbox's product price is its first set variant price).
PLATFORM_MISSING_PRICE: dict[str, Callable[[generated.Product], str]] = {
    "shopify": lambda product: "0.00",
    "magento": lambda product: "",
    "bigcommerce": lambda product: str(next(v.price for v in product.variants if v.price is not None)),
}


IFRAME = re.compile(r"</?iframe\b[^>]*>")


def metafield_keys(name: str, product: generated.Product) -> dict[str, str]:
    """The Woo meta the product's metafields / custom attributes / custom fields become."""
    if name == "shopify-rest":
        return {}  # REST's product listing carries no metafields (they are a call per product)
    if name.startswith("shopify"):
        return {f"{field.namespace}.{field.key}": field.value for field in product.metafields}
    # Magento attributes and BigCommerce custom fields have no namespace. On Magento the `material`
    # select is also the Material axis of a configurable: there it is an option, not a custom field.
    axes = {option.name.lower() for option in product.options} if name == "magento" else set()
    return {field.key: field.value for field in product.metafields if field.key not in axes}


def stock(name: str, variant: generated.Variant) -> int | None:
    if not variant.inventory_tracked:
        return None
    if name == "bigcommerce":
        return max(0, variant.inventory_quantity)  # BigCommerce's inventory_level has a minimum of 0
    return variant.inventory_quantity


def shown(term: str) -> str:
    """A term name as typed: WordPress stores term names escaped (`Oak & Iron` is `Oak &amp; Iron`)."""
    return html.unescape(term)


def expected_sku(name: str, product: generated.Product, variant: generated.Variant) -> str:
    platform = name.split("-")[0]
    if variant.sku is None:
        return "<generated>" if platform == "magento" else ""  # Magento requires a SKU on every item
    return variant.sku


# -- the stores ------------------------------------------------------------------------------
class WooApi:
    """The sandbox WooCommerce's REST API, read with the consumer key and secret as query params."""

    def __init__(self, stores: Stores) -> None:
        credentials = stores.woo.credentials(stores.woo_url)
        self.base = f"{stores.woo_url}/wp-json/wc/v3"
        self.auth = {"consumer_key": credentials["key"], "consumer_secret": credentials["secret"]}

    def get(self, path: str, **params: Any) -> Any:
        answer = requests.get(f"{self.base}/{path}", params={**self.auth, **params}, timeout=30)
        answer.raise_for_status()
        return answer.json()


Open = Callable[[str, Catalog], Stores]


@pytest.fixture
def open_stores(serve) -> Open:
    """Serve a source store (by test_import's names) and a fresh WooCommerce for it."""

    def start(name: str, catalog: Catalog) -> Stores:
        source = STORES[name](catalog)
        source_url = serve(source)
        woo = WooCommerceStore(SETTINGS)
        woo_url = serve(woo)
        target = woo.credentials(woo_url)
        definition = {
            "source": source_section(name, source.credentials(source_url)),
            "target": {"url": target["url"], "key": target["key"], "secret": target["secret"]},
        }
        return Stores(source, source_url, woo, woo_url, definition)

    return start


@pytest.fixture
def small(open_stores: Open) -> Stores:
    """BigCommerce (no SKU clashes in the first 30 products) with the small catalog."""
    return open_stores("bigcommerce", SMALL)


def with_options(stores: Stores, **sections: Any) -> dict[str, Any]:
    return {**stores.definition, **sections}


def woo_by_source_id(stores: Stores, include_trash: bool = False) -> dict[Any, dict[str, Any]]:
    """The sandbox WooCommerce's products keyed by the source platform's product id."""
    found = requests.get(f"{stores.woo_url}/_sandbox/products", timeout=30).json()["products"]
    keyed: dict[Any, dict[str, Any]] = {}
    for product in found:
        if product["status"] == "trash" and not include_trash:
            continue
        source_id = product["meta_data"]["_ferry_source"].rsplit(":", 1)[1]
        assert source_id not in keyed, f"two Woo products for source product {source_id}"
        keyed[source_id] = product
    return keyed


def platform_id(stores: Stores, key: int) -> str:
    return str(stores.source.product_id(key))  # type: ignore[attr-defined]


def money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def kilograms(name: str, grams: int) -> str:
    if grams == 0 and name == "magento":
        return ""  # Magento leaves the weight attribute unset on an item that weighs nothing
    return format((Decimal(grams) / 1000).normalize(), "f")


# -- 1. field by field, per source -----------------------------------------------------------
# keys of FULL: 0 variable, 3 options, 12 variants, variant images, 3 metafields, tags;
# 1 draft simple on sale, tracked stock below zero, two categories three levels deep;
# 2 simple on sale, weight 0, no tags; 5 variable, one option, a picture per colour;
# 10 simple on sale, 3 images, 1.5 kg; 39 archived variable; 52 no SKU anywhere;
# 112 a variant whose price was never set.
FIELD_KEYS = (0, 1, 2, 5, 10, 39, 52, 112)


def category_paths(api: WooApi, woo: dict[str, Any]) -> set[tuple[str, ...]]:
    tree = {item["id"]: item for item in api.get("products/categories", per_page=100)}
    paths = set()
    for item in woo["categories"]:
        path = [shown(tree[item["id"]]["name"])]
        parent = tree[item["id"]]["parent"]
        while parent:
            path.insert(0, shown(tree[parent]["name"]))
            parent = tree[parent]["parent"]
        paths.add(tuple(path))
    return paths


def check_item(
    name: str, product: generated.Product, variant: generated.Variant, woo: dict[str, Any]
) -> None:
    """SKU, prices, stock and weight of a simple product or one variation."""
    where = f"{product.key}/{variant.position}"
    sku = expected_sku(name, product, variant)
    if sku == "<generated>":
        assert woo["sku"], where
    else:
        assert woo["sku"] == sku, where
    if variant.price is None:
        assert woo["regular_price"] == PLATFORM_MISSING_PRICE[name.split("-")[0]](product), where
        assert woo["sale_price"] == "", where
    elif variant.compare_at_price is not None and variant.compare_at_price > variant.price:
        # On sale: the catalog's compare-at price is Woo's regular price, its price the sale price.
        assert (woo["regular_price"], woo["sale_price"]) == (
            money(variant.compare_at_price),
            money(variant.price),
        ), where
    else:
        assert (woo["regular_price"], woo["sale_price"]) == (money(variant.price), ""), where
    assert woo["manage_stock"] is variant.inventory_tracked, where
    assert woo["stock_quantity"] == stock(name, variant), where
    assert woo["weight"] == kilograms(name, variant.grams), where


@pytest.mark.parametrize("name", list(STORES))
def test_each_field_lands_as_the_catalog_has_it(open_stores: Open, name: str) -> None:
    stores = open_stores(name, FULL)
    run(stores.definition)
    api = WooApi(stores)
    landed = woo_by_source_id(stores)
    platform = name.split("-")[0]
    for key in FIELD_KEYS:
        product = FULL.get(key)
        assert product is not None
        # context=edit: the stored text, not the_content's rendering of it (wpautop and friends).
        woo = api.get(f"products/{landed[platform_id(stores, key)]['id']}", context="edit")
        assert woo["name"] == product.title
        # WordPress's kses drops the iframe tags of an embedded video (a target rule, not ours).
        assert woo["description"] == IFRAME.sub("", product.body_html)
        status = {"active": "publish", "draft": "draft", "archived": PLATFORM_ARCHIVED[platform]}
        assert woo["status"] == status[product.status], key
        # Categories by name with their parents (flat on Shopify).
        expected_paths = {
            tuple(c.name for c in FULL.category_path(k))
            if PLATFORM_CATEGORY_TREE[platform]
            else (FULL.category(k).name,)
            for k in product.category_keys
        } or {("Uncategorized",)}  # WooCommerce's default category for a product without one
        assert category_paths(api, woo) == expected_paths, key
        assert sorted(shown(tag["name"]) for tag in woo["tags"]) == sorted(product.tags), key
        assert len(woo["images"]) == len(product.images), key
        meta = {item["key"]: item["value"] for item in woo["meta_data"]}
        for meta_key, value in metafield_keys(name, product).items():
            assert meta.get(meta_key) == value, (key, meta_key)
        attributes = {
            a["name"]: (a["variation"], sorted(map(shown, a["options"]))) for a in woo["attributes"]
        }
        assert attributes == {
            **{o.name: (True, sorted(o.values)) for o in product.options},
            "Brand": (False, [product.vendor]),
        }, key
        if product.is_simple:
            assert woo["type"] == "simple"
            check_item(name, product, product.variants[0], woo)
            continue
        assert woo["type"] == "variable"
        variations = api.get(f"products/{woo['id']}/variations", per_page=100)
        by_options = {
            tuple(item["option"] for item in variation["attributes"]): variation for variation in variations
        }
        # One variation per variant, each with its own option values.
        assert len(variations) == len(by_options) == len(product.variants), key
        for variant in product.variants:
            variation = by_options[variant.option_values]
            check_item(name, product, variant, variation)
            if variant.image_index is None:
                assert not variation["image"], (key, variant.position)
            else:
                stem = product.images[variant.image_index].filename.removesuffix(".jpg")
                # BigCommerce serves its pictures as `name__id.stamp.w.h.jpg`.
                assert variation["image"]["name"].split("__")[0].removesuffix(".jpg") == stem


@pytest.mark.parametrize("name", list(STORES))
def test_a_sku_on_two_products_is_handled_the_platform_s_way(open_stores: Open, name: str) -> None:
    """Keys 69 and 70 share a SKU in the catalog: each platform has its own answer."""
    stores = open_stores(name, FULL)
    result = run(stores.definition)
    landed = woo_by_source_id(stores)
    first, second = platform_id(stores, 69), platform_id(stores, 70)
    shared = FULL.get(69).variants[0].sku  # type: ignore[union-attr]
    platform = name.split("-")[0]
    if platform == "shopify":
        # Shopify allows the clash; WooCommerce does not: the one imported second fails, named.
        failed = {item.source_id for item in result.failures}
        assert len(failed & {first, second}) == 1 and (first in landed) != (second in landed)
        assert all("also used by" in (item.reason or "") for item in result.failures)
    elif platform == "magento":
        # Magento's SKUs are unique: the catalog's clash arrives already renamed.
        assert landed[first]["sku"] == shared
        assert landed[second]["variations"] and shared not in {v["sku"] for v in landed[second]["variations"]}
        assert result.counts.failed == 0
    else:
        # BigCommerce blanks the SKU it would duplicate.
        assert landed[first]["sku"] == shared
        assert "" in {v["sku"] for v in landed[second]["variations"]}
        assert result.counts.failed == 0


# -- 2. write modes ----------------------------------------------------------------------------
def test_create_only_creates_and_never_updates(small: Stores) -> None:
    definition = with_options(small, options={"mode": "create_only"})
    first = run(definition)
    assert first.counts.created == len(SMALL)
    names = {source_id: woo["name"] for source_id, woo in woo_by_source_id(small).items()}
    changed = small.change("update", {"count": 3})
    second = run(definition)
    assert (second.counts.created, second.counts.updated, second.counts.skipped) == (0, 0, 3)
    after = woo_by_source_id(small)
    assert {source_id: woo["name"] for source_id, woo in after.items()} == names
    assert all("(updated)" not in after[str(source_id)]["name"] for source_id in changed)


def test_update_only_creates_nothing_on_a_fresh_store(small: Stores) -> None:
    result = run(with_options(small, options={"mode": "update_only"}))
    assert (result.counts.created, result.counts.skipped) == (0, len(SMALL))
    assert woo_by_source_id(small) == {}


def test_updating_only_prices_leaves_names_alone(small: Stores) -> None:
    definition = with_options(small, options={"update_fields": ["prices"]})
    assert run(definition).counts.created == len(SMALL)
    keys = (1, 2, 10)  # simple products on sale: price +1, compare-at price as it was
    small.change("update", {"ids": [small.source.product_id(key) for key in keys]})  # type: ignore[attr-defined]
    # BigCommerce's incremental read also returns the (unchanged) variable products: exactly the
    # changed ones are updated, the others are unchanged for the prices they may write.
    result = run(definition)
    assert (result.counts.created, result.counts.updated) == (0, len(keys))
    landed = woo_by_source_id(small)
    for key in keys:
        product = SMALL.get(key)
        assert product is not None
        woo = landed[platform_id(small, key)]
        assert woo["name"] == product.title  # not "... (updated)"
        assert woo["sale_price"] == money(product.variants[0].price + 1)  # type: ignore[operator]
        assert woo["regular_price"] == money(product.variants[0].compare_at_price)  # type: ignore[arg-type]


# -- 3. products gone from the source --------------------------------------------------------
GONE = (2, 3, 4)  # all active, so a status change is the run's doing


def statuses(stores: Stores) -> dict[Any, str]:
    return {
        source_id: woo["status"] for source_id, woo in woo_by_source_id(stores, include_trash=True).items()
    }


@pytest.mark.parametrize(("vanished", "status"), [("draft", "draft"), ("trash", "trash")])
def test_a_full_run_drafts_or_trashes_exactly_the_vanished(small: Stores, vanished: str, status: str) -> None:
    definition = with_options(small, options={"vanished": vanished})
    run(definition)
    before = statuses(small)
    gone = small.change("delete", {"ids": [small.source.product_id(key) for key in GONE]})  # type: ignore[attr-defined]
    result = run(definition, full=True)
    assert result.counts.vanished == len(GONE)
    after = statuses(small)
    moved = {source_id for source_id in after if after[source_id] != before[source_id]}
    assert moved == {str(source_id) for source_id in gone}
    assert {after[source_id] for source_id in moved} == {status}


def test_vanished_beyond_the_share_are_left_with_a_warning_unless_confirmed(small: Stores) -> None:
    definition = with_options(small, options={"vanished": "draft"})
    run(definition)
    before = statuses(small)
    # 4 of 30 is more than the default 10%
    gone = small.change("delete", {"ids": [small.source.product_id(key) for key in (*GONE, 5)]})  # type: ignore[attr-defined]
    held = run(definition, full=True)
    assert statuses(small) == before
    assert any("4 of 30" in warning and "max_vanished_share" in warning for warning in held.warnings)
    confirmed = run(definition, full=True, confirm_vanished=True)
    assert not confirmed.warnings
    after = statuses(small)
    assert {source_id for source_id in after if after[source_id] != before[source_id]} == {
        str(source_id) for source_id in gone
    }
    assert {after[str(source_id)] for source_id in gone} == {"draft"}


def test_leave_does_nothing_to_vanished_products(small: Stores) -> None:
    run(small.definition)  # vanished = "leave" by default
    before = statuses(small)
    small.change("delete", {"ids": [small.source.product_id(key) for key in GONE]})  # type: ignore[attr-defined]
    result = run(small.definition, full=True)
    assert result.counts.vanished == len(GONE)  # seen as gone, and counted
    assert statuses(small) == before


# -- 4. faults on both sides at once ---------------------------------------------------------
def run_with_timeouts(definition: dict[str, Any], timeouts: Timeouts, **options: Any) -> RunResult:
    """test_import's run(), with connectors built by hand to get a short read timeout."""
    parsed = ImportDefinition.from_dict(definition)
    spec = parsed.source
    settings_class, connector_class = CONNECTORS[spec.platform]
    source = connector_class(
        settings_class(url=spec.url, token=spec.token, store_hash=spec.store_hash), timeouts=timeouts
    )
    target = WooTarget(
        WooSettings(url=parsed.target.url, key=parsed.target.key, secret=parsed.target.secret),
        timeouts=timeouts,
    )
    engine = make_engine()
    upgrade(engine)
    return Pipeline(
        parsed, source, WooWriter(target), sessions(engine), source_prefix(source), RunOptions(**options)
    ).run()


SOURCE_FAULTS = {"error_next": 2, "rate_limit_next": 2, "reset_next": 1, "malformed_next": 1}


def test_a_run_through_faults_on_both_stores_lands_each_product_once(small: Stores) -> None:
    requests.post(f"{small.source_url}/_sandbox/faults", json={**SOURCE_FAULTS, "match": "products"})
    requests.post(
        f"{small.woo_url}/_sandbox/faults",
        json={"drop_next": 2, "error_next": 1, "hang_next": 1, "hang_seconds": 3, "match": "products/batch"},
    )
    result = run_with_timeouts(small.definition, Timeouts(connect=5, read=1))
    # Every fault was served (so the run really went through them).
    for url, names in (
        (small.source_url, SOURCE_FAULTS),
        (small.woo_url, ("drop_next", "error_next", "hang_next")),
    ):
        left = requests.get(f"{url}/_sandbox/faults").json()
        assert all(left[fault] == 0 for fault in names), left
    assert result.counts.failed == 0, result.failures
    sources = Counter(
        woo["meta_data"]["_ferry_source"]
        for woo in requests.get(f"{small.woo_url}/_sandbox/products").json()["products"]
    )
    assert set(sources.values()) == {1}
    assert {key.rsplit(":", 1)[1] for key in sources} == {
        platform_id(small, product.key) for product in SMALL.products()
    }


# -- 5. dry run --------------------------------------------------------------------------------
def test_a_dry_run_lists_price_changes_as_updates_and_writes_nothing(small: Stores) -> None:
    run(small.definition)
    before = requests.get(f"{small.woo_url}/_sandbox/products").json()
    new_prices = {2: "12.34", 12: "45.60"}  # 2 is on sale (161.25 was 129.00); 12 is not
    for key, price in new_prices.items():
        small.change("price", {"id": small.source.product_id(key), "price": price})  # type: ignore[attr-defined]
    result = run(small.definition, dry_run=True)
    updates = {
        item.source_id: {field: tuple(map(Decimal, pair)) for field, pair in item.changes.items()}
        for item in result.plan
        if item.action is Action.UPDATE
    }
    # Compared as money: BigCommerce sends JSON numbers, so 129.00 arrives as "129".
    assert updates == {
        platform_id(small, 2): {"sale_price": (Decimal("129.00"), Decimal("12.34"))},
        platform_id(small, 12): {"regular_price": (Decimal("39.95"), Decimal("45.60"))},
    }
    assert {item.action for item in result.plan} <= {Action.UPDATE, Action.UNCHANGED}
    assert requests.get(f"{small.woo_url}/_sandbox/products").json() == before


# -- 6. filters and transforms end to end ----------------------------------------------------
def test_a_status_filter_and_a_markup_land_only_active_products_at_120_percent(small: Stores) -> None:
    definition = with_options(
        small,
        filters={"rules": [{"field": "status", "op": "in", "value": ["active"]}]},
        mapping={"regular_price": {"from": "price", "transforms": [{"name": "markup_percent", "value": 20}]}},
    )
    result = run(definition)
    active = [product for product in SMALL.products() if product.status == "active"]
    assert len(active) < len(SMALL)  # the filter has something to drop
    assert result.counts.created == len(active)
    landed = woo_by_source_id(small)
    assert set(landed) == {platform_id(small, product.key) for product in active}
    for product in active:
        woo = landed[platform_id(small, product.key)]
        items = [woo] if product.is_simple else woo["variations"]
        prices = sorted(item["regular_price"] for item in items)
        assert prices == sorted(money(variant.price * Decimal("1.2")) for variant in product.variants), (  # type: ignore[operator]
            product.key
        )
