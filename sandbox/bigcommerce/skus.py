"""Who holds each SKU in a BigCommerce store, kept up to date product by product.

BigCommerce SKUs are unique per store "regardless of the letter case for both products and
variants" (spec, productVariant_Full.sku) and a duplicate is refused with 409 ("duplicate unique
values such as name or SKU", spec PUT /catalog/products). Of catalog variants sharing a SKU, the
first (lowest key) is the one that can have been saved with it.
"""

from __future__ import annotations

import bisect

from sandbox.catalog import Product


class SkuIndex:
    """Lower-cased SKU -> the key of the variant that holds it (the lowest key among its carriers)."""

    def __init__(self) -> None:
        # One carrier as a bare key, several as a sorted list: duplicates are the rare case.
        self._carriers: dict[str, int | list[int]] = {}

    def owner(self, sku: str) -> int | None:
        carriers = self._carriers.get(sku.lower())
        return carriers[0] if isinstance(carriers, list) else carriers

    def add(self, product: Product) -> None:
        for variant in product.variants:
            if not variant.sku:
                continue
            sku = variant.sku.lower()
            carriers = self._carriers.get(sku)
            if carriers is None:
                self._carriers[sku] = variant.key
            elif isinstance(carriers, int):
                self._carriers[sku] = sorted((carriers, variant.key))
            else:
                bisect.insort(carriers, variant.key)

    def remove(self, product: Product) -> None:
        for variant in product.variants:
            if not variant.sku:
                continue
            sku = variant.sku.lower()
            carriers = self._carriers[sku]
            if isinstance(carriers, int):
                del self._carriers[sku]
                continue
            carriers.remove(variant.key)
            if len(carriers) == 1:
                self._carriers[sku] = carriers[0]
