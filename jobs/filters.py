"""Filters over canonical products: pure predicates built from a validated FilterSpec.

`updated since` also goes down to the source API (FilterSpec.updated_since); here it is checked
again, so a source that ignores it cannot let older products through.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from connectors.model import Product
from jobs.definition import FilterRule, FilterSpec, Match, parse_timestamp

Predicate = Callable[[Product], bool]


def _folded(values: Iterable[object]) -> set[str]:
    return {str(value).casefold() for value in values}


def _prices(product: Product) -> list[Decimal]:
    return [variant.price for variant in product.variants if variant.price is not None]


def _in_stock(product: Product) -> bool:
    return any(not v.manage_stock or (v.stock_quantity or 0) > 0 for v in product.variants)


def _stock(product: Product) -> int:
    return sum(v.stock_quantity or 0 for v in product.variants if v.manage_stock)


def _text_values(product: Product, field: str) -> set[str]:
    if field == "status":
        return {product.status.value}
    if field == "vendor":
        return _folded([product.vendor] if product.vendor else [])
    if field == "product_type":
        return _folded([product.product_type] if product.product_type else [])
    if field == "tag":
        return _folded(product.tags)
    if field == "category":
        # A category matches by its own name or any ancestor's: "Apparel" takes in "Apparel > Men".
        return _folded(name for category in product.categories for name in category.path)
    if field == "id":
        return {product.source_id}
    raise ValueError(field)


def _negated(predicate: Predicate, op: str) -> Predicate:
    return (lambda product: not predicate(product)) if op.startswith("not_") else predicate


def _membership(field: str, values: list[object]) -> Predicate:
    exact = field in {"id", "status"}
    wanted = {str(v) for v in values} if exact else _folded(values)
    return lambda product: bool(_text_values(product, field) & wanted)


def _price_range(low: Decimal | None, high: Decimal | None) -> Predicate:
    # A product is in the range when any of its variants is (what a shopper would see).
    def inside(product: Product) -> bool:
        return any((low is None or p >= low) and (high is None or p <= high) for p in _prices(product))

    return inside


def _sku_pattern(pattern: str) -> Predicate:
    folded = pattern.casefold()
    return lambda product: any(
        v.sku and fnmatch.fnmatchcase(v.sku.casefold(), folded) for v in product.variants
    )


def _predicate(rule: FilterRule) -> Predicate:
    field, op, value = rule.field, rule.op, rule.value
    if op in {"in", "not_in"}:
        return _negated(_membership(field, value), op)
    if field == "price":
        bounds = {"between": value, "gte": [value, None], "lte": [None, value]}[op]
        low, high = (None if bound is None else Decimal(str(bound)) for bound in bounds)
        return _price_range(low, high)
    if op == "in_stock":
        return _in_stock
    if op == "out_of_stock":
        return lambda product: not _in_stock(product)
    if field == "stock":
        limit = int(value)
        return (
            (lambda product: _stock(product) >= limit)
            if op == "gte"
            else (lambda product: _stock(product) <= limit)
        )
    if field == "updated_at":
        since = parse_timestamp(value, "filters")
        return lambda product: product.updated_at >= since
    if field == "sku":
        return _negated(_sku_pattern(str(value)), op)
    raise ValueError(f"no predicate for {field} {op}")


def compile_filters(spec: FilterSpec) -> Predicate:
    """One predicate for the whole spec (no rules: everything matches)."""
    predicates = [_predicate(rule) for rule in spec.rules]
    if not predicates:
        return lambda product: True
    combine = all if spec.match is Match.ALL else any
    return lambda product: combine(predicate(product) for predicate in predicates)


def select(products: Iterable[Product], spec: FilterSpec, already: int = 0) -> Iterator[Product]:
    """The products that pass, stopping at `spec.limit` (counting `already` passed before)."""
    keep = compile_filters(spec)
    taken = already
    for product in products:
        if spec.limit is not None and taken >= spec.limit:
            return
        if keep(product):
            taken += 1
            yield product
