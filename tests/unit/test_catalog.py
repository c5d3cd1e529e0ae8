"""The generated catalog: deterministic, realistic, and ugly where real catalogs are."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from sandbox.catalog import EPOCH, LONG_OPTION_NAME, Catalog


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog(seed=11, count=600)


def test_same_seed_gives_same_catalog() -> None:
    assert Catalog(5, 80).products() == Catalog(5, 80).products()


def test_other_seed_gives_other_catalog() -> None:
    assert [p.title for p in Catalog(5, 30).products()] != [p.title for p in Catalog(6, 30).products()]


def test_adding_products_keeps_existing_ones() -> None:
    assert Catalog(5, 40).products() == Catalog(5, 60).products()[:40]


def test_catalog_has_the_shapes_real_stores_have(catalog: Catalog) -> None:
    products = catalog.products()
    variant_counts = [len(p.variants) for p in products]
    assert sum(1 for p in products if p.is_simple) > 100
    assert max(variant_counts) > 100  # 100+ variants on a few
    assert Counter(len(p.options) for p in products).keys() >= {0, 1, 2, 3}
    assert {p.status for p in products} == {"active", "draft", "archived"}
    assert any(len(p.images) >= 3 for p in products) and any(not p.images for p in products)
    assert any(v.image_index is not None for p in products for v in p.variants)
    assert any(v.compare_at_price for p in products for v in p.variants)
    assert {v.inventory_tracked for p in products for v in p.variants} == {True, False}
    assert any(p.metafields for p in products) and any(p.tags for p in products)
    assert any(catalog.category(key).parent for p in products for key in p.category_keys)
    assert any(not p.category_keys for p in products)
    assert any(not text.isascii() for p in products for text in (p.title, p.body_html))
    assert all("<" in p.body_html for p in products)


def test_catalog_has_the_ugly_cases(catalog: Catalog) -> None:
    products = catalog.products()
    skus = Counter(v.sku for p in products for v in p.variants if v.sku)
    owners: dict[str, set[int]] = {}
    for product in products:
        for variant in product.variants:
            if variant.sku:
                owners.setdefault(variant.sku, set()).add(product.key)
    assert any(len(keys) > 1 for keys in owners.values()), "one SKU on two products"
    assert any(all(v.sku is None for v in p.variants) for p in products), "a product without SKU"
    assert any(o.name == LONG_OPTION_NAME for p in products for o in p.options)
    assert any(v.price == Decimal("0.00") for p in products for v in p.variants)
    assert any(v.price is None for p in products for v in p.variants)
    assert skus


def test_variants_cover_every_option_combination(catalog: Catalog) -> None:
    for product in catalog.products():
        expected = 1
        for option in product.options:
            expected *= len(option.values)
        assert len(product.variants) == expected
        assert all(len(v.option_values) == len(product.options) for v in product.variants)


def test_history_lies_in_the_past(catalog: Catalog) -> None:
    now = datetime.now(UTC)
    for product in catalog.products():
        assert EPOCH <= product.created_at <= product.updated_at < now


def test_category_paths_walk_up_to_a_root(catalog: Catalog) -> None:
    path = catalog.category_path(catalog.categories[-1].key)
    assert path[0].parent is None and path[-1] == catalog.categories[-1]


def test_changes_bump_updated_at_and_version() -> None:
    catalog = Catalog(3, 50)
    before = catalog.get(7)
    version = catalog.version
    assert catalog.apply({"kind": "update", "keys": [7]}) == [7]
    after = catalog.get(7)
    assert after.updated_at > before.updated_at
    assert [v.price for v in after.variants] != [v.price for v in before.variants]
    assert catalog.version > version
    assert catalog.apply({"kind": "price", "key": 8, "price": "12.34"}) == [8]
    assert {v.price for v in catalog.get(8).variants} == {Decimal("12.34")}
    assert catalog.apply({"kind": "delete", "keys": [9]}) == [9] and catalog.get(9) is None
    assert catalog.apply({"kind": "add", "count": 2}) == [50, 51] and len(catalog) == 51


def test_recorded_changes_replay_to_the_same_catalog() -> None:
    original = Catalog(3, 50)
    original.apply({"kind": "update", "count": 4})
    original.apply({"kind": "delete", "count": 2})
    original.apply({"kind": "add", "count": 3})
    replayed = Catalog(3, 50)
    replayed.replay(original.changes)
    assert replayed.products() == original.products()


def test_reset_restores_the_generated_catalog_and_keeps_version_growing() -> None:
    catalog = Catalog(3, 20)
    generated = catalog.products()
    catalog.apply({"kind": "delete", "count": 5})
    version = catalog.version
    catalog.reset()
    assert catalog.products() == generated
    assert catalog.version > version


def test_copies_share_products_but_not_changes() -> None:
    catalog = Catalog(3, 20)
    other = catalog.copy()
    other.apply({"kind": "delete", "keys": [1]})
    assert catalog.get(1) is not None and other.get(1) is None
