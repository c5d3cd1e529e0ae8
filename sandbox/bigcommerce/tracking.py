"""Which catalog changes move a product's `date_modified` on BigCommerce.

A BigCommerce product and its variants are separate records. Editing a variant (its price, its
stock, its SKU) is a change to the variant: it fires `store/sku/updated` or
`store/sku/inventory/updated`, not `store/product/updated`, whose trigger list names only
product-level fields (price, inventory level "only if Inventory Tracking is enabled" at product
level, name, description, categories, ...):
https://github.com/bigcommerce/docs/blob/main/docs/integrations/webhooks/events/index.mdx
(sections "Products" and "SKU"). The product's `date_modified` moves with those same product-level
edits, so a change that touches only the prices or stock of a product *with variants* leaves its
`date_modified` (and its own default `price`) where they were: `date_modified:min` does not find
it, and an incremental import has to look at variants some other way. A product without options
is different: its base variant's price and stock *are* the product's price and stock.

`Tracker` follows the catalog from version to version and keeps what BigCommerce derives from
it: per product, the instant of its last product-level change and the default price it had then
(found by comparing each replaced catalog record with its successor), and the SKU index.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sandbox.bigcommerce.render import Shown, default_price
from sandbox.bigcommerce.skus import SkuIndex
from sandbox.catalog import Catalog, Product


def product_level(product: Product) -> tuple[Any, ...]:
    """The fields a BigCommerce product record holds itself (variants only for a simple product)."""
    return (
        product.title,
        product.body_html,
        product.vendor,
        product.product_type,
        product.status,
        product.tags,
        product.category_keys,
        product.options,
        product.images,
        product.metafields,
        product.variants if product.is_simple else (),
    )


@dataclass(frozen=True, slots=True)
class _Stamp:
    product: Product  # the catalog record the stamp was last checked against
    shown: Shown


class Tracker:
    """Per-product `Shown` values and the SKU index, brought up to date by `sync()`.

    Call `sync()` after every change for exact instants; a sync that covers several changes at once
    (a restored state) dates a product by its latest change when any of them was product-level.
    Only the products a change replaced are looked at again, so a sync costs little.
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.skus = SkuIndex()
        self._stamps: dict[int, _Stamp] = {}
        self._products: list[Product] = []
        self._shown: dict[int, Shown] = {}
        self._version = -1
        self._lock = threading.Lock()

    def sync(self) -> tuple[list[Product], dict[int, Shown]]:
        """The catalog's products now and the `Shown` of each (fresh after each change: read only)."""
        with self._lock:
            if self._version != self.catalog.version:
                self._version = self.catalog.version
                self._products = self.catalog.products()
                stamps = {product.key: self._restamp(product) for product in self._products}
                for gone in self._stamps.keys() - stamps.keys():
                    self.skus.remove(self._stamps[gone].product)
                self._stamps = stamps
                self._shown = {key: stamp.shown for key, stamp in self._stamps.items()}
            return self._products, self._shown

    def _restamp(self, product: Product) -> _Stamp:
        old = self._stamps.get(product.key)
        if old is not None and old.product is product:
            return old
        if old is not None:
            self.skus.remove(old.product)
        self.skus.add(product)
        if old is None or product_level(old.product) != product_level(product):
            # Shown to the second, so filters compare what clients see.
            return _Stamp(product, Shown(int(product.updated_at.timestamp()), default_price(product)))
        return _Stamp(product, old.shown)
