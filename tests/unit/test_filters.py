"""Filters over canonical products: each operator, all/any, and the limit."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors.model import Category, Product, ProductStatus, Variant
from jobs.definition import FilterRule, FilterSpec
from jobs.filters import compile_filters, select


def product(source_id: str, **changes: object) -> Product:
    fields: dict = {
        "source_id": source_id,
        "title": f"Product {source_id}",
        "updated_at": datetime(2024, 5, 1, tzinfo=UTC),
        "vendor": "Acme",
        "product_type": "Shirt",
        "tags": ("sale", "Summer"),
        "categories": (Category("3", "Shirts", ("Apparel", "Men")),),
        "variants": (
            Variant("v1", "TEE-S", Decimal("10.00"), manage_stock=True, stock_quantity=0),
            Variant("v2", "TEE-M", Decimal("30.00"), manage_stock=True, stock_quantity=4),
        ),
    }
    fields.update(changes)
    return Product(**fields)


def matches(rule: FilterRule, item: Product) -> bool:
    return compile_filters(FilterSpec(rules=(rule,)))(item)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        pytest.param(FilterRule("status", "in", ["active"]), True, id="status-in"),
        pytest.param(FilterRule("status", "not_in", ["active"]), False, id="status-not-in"),
        pytest.param(FilterRule("vendor", "in", ["ACME"]), True, id="vendor-ignores-case"),
        pytest.param(FilterRule("product_type", "in", ["Dress"]), False, id="type-miss"),
        pytest.param(FilterRule("tag", "in", ["summer"]), True, id="tag"),
        pytest.param(FilterRule("category", "in", ["Apparel"]), True, id="category-ancestor"),
        pytest.param(FilterRule("category", "not_in", ["Shirts"]), False, id="category-not-in"),
        pytest.param(FilterRule("price", "between", [20, 40]), True, id="price-any-variant"),
        pytest.param(FilterRule("price", "gte", "31"), False, id="price-gte"),
        pytest.param(FilterRule("price", "lte", 10), True, id="price-lte"),
        pytest.param(FilterRule("stock", "in_stock"), True, id="in-stock"),
        pytest.param(FilterRule("stock", "out_of_stock"), False, id="out-of-stock"),
        pytest.param(FilterRule("stock", "gte", 5), False, id="stock-gte"),
        pytest.param(FilterRule("updated_at", "since", "2024-04-30T00:00:00Z"), True, id="updated-since"),
        pytest.param(
            FilterRule("updated_at", "since", "2024-06-01T00:00:00+02:00"), False, id="updated-before"
        ),
        pytest.param(FilterRule("id", "in", ["1", "2"]), True, id="ids"),
        pytest.param(FilterRule("sku", "matches", "tee-*"), True, id="sku-pattern"),
        pytest.param(FilterRule("sku", "not_matches", "TEE-?"), False, id="sku-not-pattern"),
    ],
)
def test_each_operator(rule: FilterRule, expected: bool) -> None:
    assert matches(rule, product("1")) is expected


def test_untracked_stock_counts_as_in_stock() -> None:
    item = product("1", variants=(Variant("v", None, Decimal(5)),))
    assert matches(FilterRule("stock", "in_stock"), item)


def test_all_and_any() -> None:
    rules = (FilterRule("vendor", "in", ["Other"]), FilterRule("tag", "in", ["sale"]))
    item = product("1")
    assert compile_filters(FilterSpec(match="any", rules=rules))(item)
    assert not compile_filters(FilterSpec(match="all", rules=rules))(item)


def test_limit_counts_matches_across_pages() -> None:
    items = [
        product(str(n), status=ProductStatus.DRAFT if n % 2 else ProductStatus.ACTIVE) for n in range(10)
    ]
    spec = FilterSpec(rules=(FilterRule("status", "in", ["active"]),), limit=3)
    first = list(select(items[:4], spec))
    rest = list(select(items[4:], spec, already=len(first)))
    assert [p.source_id for p in first + rest] == ["0", "2", "4"]


def test_no_rules_match_everything() -> None:
    assert compile_filters(FilterSpec())(product("1"))
