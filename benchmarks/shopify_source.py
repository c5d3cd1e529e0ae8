"""How fast the Shopify connector reads the sandbox's Shopify store, through each reader.

    .venv/bin/python -m benchmarks.shopify_source [--products 2000]

Starts `ferry sandbox` as a real process (Plus plan, so the measurement is the connector's and
the store's work rather than the bucket's refill), then reads every product once through GraphQL
and once through REST: products/s, variants/s, requests made, and for GraphQL the page size the
cost-based sizer settled on and how often Shopify said THROTTLED (a paced run: never).
"""

from __future__ import annotations

import argparse
import os
import signal
import time

from benchmarks.sandbox_pages import start_sandbox
from connectors.shopify import ShopifyConnector, ShopifySettings
from connectors.shopify.graphql import GraphQLReader


def full_read(store: dict, api: str) -> None:
    source = ShopifyConnector(ShopifySettings(store["url"], store["token"], api=api), allow_private=True)
    started = time.perf_counter()
    products = variants = 0
    for page in source.iter_pages():
        products += len(page.products)
        variants += sum(len(product.variants) for product in page.products)
    elapsed = time.perf_counter() - started
    extra = ""
    if isinstance(source.reader, GraphQLReader):
        extra = (
            f"; {source.reader._sizers['products'].size} products a page at the end, "
            f"THROTTLED {source.reader.throttled} times"
        )
    print(
        f"{api:>7}: {products} products ({variants} variants) in {elapsed:.2f} s = "
        f"{products / elapsed:.0f} products/s, {variants / elapsed:.0f} variants/s, "
        f"{source.requests_made} requests ({source.requests_made / products:.3f} per product){extra}"
    )
    source.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=2000)
    arguments = parser.parse_args()
    process, stores, _ = start_sandbox(arguments.products)
    try:
        for api in ("graphql", "rest"):
            full_read(stores["shopify"], api)
    finally:
        os.kill(process.pid, signal.SIGINT)
        process.wait()


if __name__ == "__main__":
    main()
