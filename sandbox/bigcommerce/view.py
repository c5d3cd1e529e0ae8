"""One catalog version as the BigCommerce store shows it: the product list's rows and the cache of
rendered JSON, rebuilt whenever the catalog changes (SourceStore.cached)."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

from sandbox.bigcommerce import ids, query, render
from sandbox.catalog import Product
from sandbox.http import dumps

# Rendered JSON kept per catalog version. A full crawl of 100,000 products with variants, images and
# custom fields is about a gigabyte of JSON, so the oldest parts make way past this size: recent pages
# (retries, re-reads) stay cached, a crawl does not pin the whole catalog in memory.
PART_CACHE_BYTES = 128 * 2**20


class Row:
    """What the product list filters and sorts on, read from the product as BigCommerce shows it.

    Only the id and date_modified (the incremental filter) are computed up front; the rest is read
    when a filter or sort asks for it, so a new catalog version is cheap to index.
    """

    __slots__ = ("ctx", "date_modified", "id", "product", "shown")

    def __init__(self, product: Product, shown: render.Shown, ctx: render.Context) -> None:
        self.product = product
        self.shown = shown
        self.ctx = ctx
        self.id = ids.product_id(product.key)
        self.date_modified = shown.date_modified

    @property
    def name(self) -> str:
        return self.product.title

    @property
    def sku(self) -> str:
        return render.product_sku(self.product, self.ctx)

    @property
    def price(self) -> Decimal:
        return render.product_prices(self.product, self.shown)[0]

    @property
    def calculated_price(self) -> Decimal:
        return render.product_prices(self.product, self.shown)[2]

    @property
    def inventory_level(self) -> int:
        return render.product_inventory(self.product)

    @property
    def is_visible(self) -> bool:
        return self.product.status == "active"

    @property
    def brand_id(self) -> int:
        return ids.brand_id(self.product.vendor)

    @property
    def brand(self) -> str:
        return self.product.vendor

    def sort_key(self, field: str) -> Any:
        if field in {"date_last_imported", "total_sold"}:
            return 0  # never imported, never sold: the same for every product
        value = getattr(self, field)
        # Text sorts without regard to case (the spec does not say; case-blind is the database norm).
        return value.casefold() if isinstance(value, str) else value


class View:
    """One catalog version as BigCommerce shows it: products in id order, rows to filter and sort
    (built on first need), rendered JSON.

    Rendered parts are kept as JSON bytes (the product's own fields, each sub-resource), so a page
    is a join of cached bytes; they live as long as the catalog version does.
    """

    def __init__(self, products: list[Product], shown: dict[int, render.Shown], ctx: render.Context) -> None:
        self.products = products  # catalog keys ascend, and so do ids
        self.shown = shown
        self.ctx = ctx
        self._orders: dict[tuple[str, bool], list[Row]] = {}
        self._parts: dict[tuple[int, str], bytes] = {}  # insertion order: oldest first
        self._part_bytes = 0
        self._parts_lock = threading.Lock()

    def _ordered(self, field: str, descending: bool) -> list[Row]:
        """Rows sorted by `field`; equal values keep id order (Python's sort is stable, also reversed)."""
        order = self._orders.get((field, descending))
        if order is None:
            if (field, descending) == ("id", False):
                order = [Row(product, self.shown[product.key], self.ctx) for product in self.products]
            else:
                order = sorted(
                    self._ordered("id", False), key=lambda row: row.sort_key(field), reverse=descending
                )
            self._orders[(field, descending)] = order
        return order

    def select(
        self, field: str, descending: bool, tests: list[query.Predicate], window: slice
    ) -> tuple[int, list[Product]]:
        """(how many products match, the ones in `window`) in the requested order."""
        if not tests and (field, descending) == ("id", False):
            return len(self.products), self.products[window]
        rows = self._ordered(field, descending)
        if tests:
            rows = [row for row in rows if all(test(row) for test in tests)]
        return len(rows), [row.product for row in rows[window]]

    def _part(self, product: Product, name: str) -> bytes:
        part = self._parts.get((product.key, name))
        if part is not None:
            return part
        shown = self.shown[product.key]
        if name == "product":
            part = dumps(render.product_fields(product, shown, self.ctx))[:-1]  # left open
        else:
            part = dumps(render.SUBRESOURCES[name](product, shown, self.ctx))
        with self._parts_lock:
            if (product.key, name) not in self._parts:
                self._parts[(product.key, name)] = part
                self._part_bytes += len(part)
            while self._part_bytes > PART_CACHE_BYTES:
                self._part_bytes -= len(self._parts.pop(next(iter(self._parts))))
        return part

    def product_json(self, product: Product, wanted: list[str]) -> bytes:
        extra = b"".join(b',"%s":%s' % (name.encode(), self._part(product, name)) for name in wanted)
        return self._part(product, "product") + extra + b"}"

    def payload(self, product: Product, wanted: list[str]) -> dict[str, Any]:
        shown = self.shown[product.key]
        return {
            **render.product_fields(product, shown, self.ctx),
            **{name: render.SUBRESOURCES[name](product, shown, self.ctx) for name in wanted},
        }
