"""How fast the Magento connector reads the sandbox's Magento store, and what its choices cost.

    .venv/bin/python -m benchmarks.magento_source [--products 2000] [--page-sizes 50,100,250]

Starts `ferry sandbox` as a real process (so the store does not share this process's GIL), then:
1. a full read per page size: products/s, variants/s, requests made;
2. the children of one page of configurables fetched both ways: `entity_id in (...)` batches of
   250 against `GET /V1/configurable-products/{sku}/children` once per configurable.
Sandbox figures show request counts and this side's cost; a real store adds ~100-300 ms of PHP
bootstrap per request, which is why fewer, fuller requests win there by more.
"""

from __future__ import annotations

import argparse
import os
import signal
import time
from urllib.parse import quote

from benchmarks.sandbox_pages import start_sandbox
from connectors.magento import MagentoConnector, MagentoSettings
from connectors.magento.mapping import child_ids
from connectors.magento.search import VISIBLE, batched, search_criteria


def connector(store: dict, page_size: int) -> MagentoConnector:
    kind = type(f"PageSize{page_size}", (MagentoConnector,), {"page_size": page_size})
    return kind(MagentoSettings(url=store["url"], token=store["token"]), allow_private=True)


def full_read(store: dict, page_size: int) -> None:
    source = connector(store, page_size)
    started = time.perf_counter()
    products = variants = 0
    for page in source.iter_pages():
        products += len(page.products)
        variants += sum(len(product.variants) for product in page.products)
    elapsed = time.perf_counter() - started
    print(
        f"pageSize {page_size:>3}: {products} products ({variants} variants) in {elapsed:.2f} s = "
        f"{products / elapsed:.0f} products/s, {variants / elapsed:.0f} variants/s, "
        f"{source.requests_made} requests ({source.requests_made / products:.3f} per product)"
    )


def children_both_ways(store: dict) -> None:
    source = connector(store, 250)
    body = source.client.get_json("products", params=search_criteria([VISIBLE], page_size=250))
    parents = [item for item in body["items"] if child_ids(item)]
    wanted = sorted(link for item in parents for link in child_ids(item))
    before, started = source.requests_made, time.perf_counter()
    for chunk in batched(wanted, 250):
        ids = ",".join(map(str, chunk))
        source.client.get_json(
            "products", params=search_criteria([[("entity_id", ids, "in")]], page_size=250)
        )
    batched_s, batched_n = time.perf_counter() - started, source.requests_made - before
    before, started = source.requests_made, time.perf_counter()
    for item in parents:
        source.client.get_json(f"configurable-products/{quote(item['sku'], safe='')}/children")
    each_s, each_n = time.perf_counter() - started, source.requests_made - before
    print(
        f"children of {len(parents)} configurables ({len(wanted)} children): entity_id in batches "
        f"{batched_n} requests {batched_s * 1000:.0f} ms; /children per product {each_n} requests "
        f"{each_s * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--page-sizes", default="50,100,250")
    args = parser.parse_args()
    process, stores, _ = start_sandbox(args.products)
    try:
        print(f"sandbox Magento store with {args.products} catalog products")
        for size in (int(value) for value in args.page_sizes.split(",")):
            full_read(stores["magento"], size)
        children_both_ways(stores["magento"])
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
