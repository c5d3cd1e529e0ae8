"""Finding what Ferry already wrote, by the `_ferry_source` meta it stamps on every product and
variation, so an ambiguous write is settled before any retry and nothing is created twice.

The REST API cannot filter by meta, so products are narrowed first: by SKU (`sku=A,B,C`, one
request for many; a SKU is set when the product is created, so one that is not found was not
created), and the SKU-less ones by `modified_after` just before the lost batch (in the store's
time, `dates_are_gmt`), reading the meta of what comes back. Trashed products are not listed
(status `any`), and they hold no SKU either.
https://woocommerce.github.io/woocommerce-rest-api-docs/#list-all-products
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from connectors.woocommerce.model import SOURCE_META

if TYPE_CHECKING:
    from connectors.woocommerce.target import WooTarget

SKU_QUERY_CHARS = 1500  # keeps a `sku=` list, and the URL, well under common 8 KB limits
PRODUCT_FIELDS = "id,sku,type,meta_data"


def source_of(record: Mapping[str, Any] | None) -> str | None:
    """The source key Ferry stamped on a product or variation, or None (not one of ours)."""
    for meta in (record or {}).get("meta_data") or ():
        if isinstance(meta, dict) and meta.get("key") == SOURCE_META:
            return str(meta.get("value"))
    return None


def gmt(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment))


def _sku_groups(skus: Iterable[str]) -> Iterator[list[str]]:
    """SKUs in groups for one `sku=` query each: at most a page (100) and SKU_QUERY_CHARS long. A
    SKU with a comma cannot be asked for (the list is comma-separated)."""
    group: list[str] = []
    length = 0
    for sku in dict.fromkeys(s for s in skus if s and "," not in s):
        if group and (len(group) == 100 or length + len(sku) + 1 > SKU_QUERY_CHARS):
            yield group
            group, length = [], 0
        group.append(sku)
        length += len(sku) + 1
    if group:
        yield group


class Reconciler:
    def __init__(self, target: WooTarget) -> None:
        self.target = target

    def by_sku(self, skus: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Products holding these SKUs, by SKU (case-folded, as MySQL compares them)."""
        found: dict[str, dict[str, Any]] = {}
        for group in _sku_groups(skus):
            params = {"sku": ",".join(group), "_fields": PRODUCT_FIELDS}
            for product in self.target.listing("products", params):
                found.setdefault(str(product.get("sku") or "").casefold(), product)
        return found

    def find_products(self, wanted: Mapping[str, str | None], since: float) -> dict[str, int]:
        """Products of ours among `wanted` (source key -> SKU), by source key: what a lost create made."""
        found: dict[str, int] = {}
        for product in self.by_sku(sku for sku in wanted.values() if sku).values():
            key = source_of(product)
            if key in wanted:
                found[key] = int(product["id"])
        unsearchable = {key for key, sku in wanted.items() if not sku or "," in sku}
        if unsearchable - found.keys():
            params = {"modified_after": gmt(since), "dates_are_gmt": "true", "_fields": PRODUCT_FIELDS}
            for product in self.target.listing("products", params):
                key = source_of(product)
                if key in unsearchable:
                    found.setdefault(key, int(product["id"]))
        return found

    def variations(self, product_id: int, include: Iterable[int] | None = None) -> list[dict[str, Any]]:
        """A product's variations (only `include` when given), with their meta."""
        params: dict[str, Any] = {"_fields": "id,sku,meta_data"}
        ids = sorted(set(include or ()))
        if include is not None and not ids:
            return []
        found: list[dict[str, Any]] = []
        for start in range(0, max(len(ids), 1), 100):
            if ids:
                params["include"] = ",".join(map(str, ids[start : start + 100]))
            found.extend(self.target.listing(f"products/{product_id}/variations", params))
        return found
