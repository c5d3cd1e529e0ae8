"""How the WooCommerce sandbox store copes with a large catalog.

    .venv/bin/python -m benchmarks.woocommerce_store [--products 100000]

Fills the store through its database layer (no HTTP), serves it on loopback with a capacity
model that costs nothing, then times over one keep-alive connection: a batch creating 100 simple
products, the first list page of 100 after that write (the order is rebuilt), the same page again
(cached), a deep page, and a SKU lookup.
"""

from __future__ import annotations

import argparse
import statistics
import time

import requests

from sandbox.server import ServerThread
from sandbox.settings import SandboxSettings
from sandbox.woocommerce import WooCommerceStore, args, products
from sandbox.woocommerce.schema import parse


def fill(store: WooCommerceStore, count: int) -> float:
    started = time.perf_counter()
    create_args = args.creating(args.PRODUCT)
    with store.db.lock:
        for number in range(count):
            payload = {
                "name": f"Bulk product {number}",
                "sku": f"BULK-{number:06d}",
                "regular_price": "12.50",
            }
            products.create(store.db, parse(create_args, payload))
    return time.perf_counter() - started


def timed(call: object, repeat: int = 1) -> tuple[float, requests.Response]:
    times, reply = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        reply = call()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
        reply.raise_for_status()
    return statistics.median(times), reply  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    options = parser.parse_args()
    store = WooCommerceStore(SandboxSettings())
    print(f"filled {options.products} products through the database in {fill(store, options.products):.1f} s")
    server = ServerThread(store, "127.0.0.1", 0)
    server.start()
    creds = store.credentials(server.base_url)
    base = f"{server.base_url}/wp-json/wc/v3"
    with requests.Session() as session:
        session.auth = (creds["key"], creds["secret"])
        batch = {
            "create": [{"name": f"New {n}", "sku": f"NEW-{n}", "regular_price": "9.99"} for n in range(100)]
        }
        ms, reply = timed(lambda: session.post(f"{base}/products/batch", json=batch))
        print(f"batch create of 100 simple products: {ms:.1f} ms ({len(reply.json()['create'])} created)")
        ms, reply = timed(lambda: session.get(f"{base}/products", params={"per_page": 100}))
        size, total = len(reply.content) // 1024, reply.headers["X-WP-Total"]
        print(f"list page of 100 after a write (order rebuilt): {ms:.1f} ms, {size} KiB, X-WP-Total {total}")
        ms, _ = timed(lambda: session.get(f"{base}/products", params={"per_page": 100}), repeat=5)
        print(f"list page of 100, cached order and payloads (median of 5): {ms:.1f} ms")
        ms, _ = timed(
            lambda: session.get(f"{base}/products", params={"per_page": 100, "page": 900}), repeat=5
        )
        print(f"list page 900 of 100 (median of 5): {ms:.1f} ms")
        ms, _ = timed(lambda: session.get(f"{base}/products", params={"sku": "BULK-054321"}), repeat=5)
        print(f"GET ?sku= lookup (median of 5): {ms:.1f} ms")
    server.stop()


if __name__ == "__main__":
    main()
