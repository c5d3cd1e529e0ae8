"""How fast the WooCommerce writer fills the sandbox WooCommerce store, and what concurrency buys.

    .venv/bin/python -m benchmarks.woocommerce_writer [--products 2000] [--woo-workers 4] [--woo-create-ms 5]

Starts `ferry sandbox` as a real process (its store does not share this process's GIL) with a
capacity model: `--woo-workers` PHP workers, each created object holding one for
`--woo-create-ms`. Writes the same synthetic catalog (a third variable with 2-6 variations,
categories two levels deep, tags, pictures, a global attribute) in batches of 100, as the import
does, once per writer concurrency, each into an emptied store; then updates every product's prices.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import time
from decimal import Decimal

import requests

from benchmarks.sandbox_pages import ROOT
from connectors.woocommerce import (
    WooAttribute,
    WooProduct,
    WooSettings,
    WooTarget,
    WooVariation,
    WooWriter,
    WriteItem,
)

COLORS = ("Red", "Blue", "Green", "Black", "White", "Sand")


def catalog(count: int) -> list[WooProduct]:
    products = []
    for number in range(count):
        key = f"bench:{number}"
        colors = COLORS[: 2 + number % 5] if number % 3 == 0 else ()
        products.append(
            WooProduct(
                source_key=key,
                name=f"Product {number}",
                description=f"<p>Product {number}, a fine thing.</p>",
                sku=None if colors else f"B-{number:05d}",
                regular_price=None if colors else Decimal("10") + number % 50,
                status="publish",
                weight_grams=Decimal(100 + number % 900),
                manage_stock=True,
                stock_quantity=number % 20,
                category_paths=((f"Department {number % 5}", f"Aisle {number % 23}"),),
                tags=(f"tag-{number % 40}", "bench"),
                images=tuple((f"https://cdn.example.com/p{number}-{side}.jpg", "") for side in ("a", "b")),
                attributes=(WooAttribute("Color", colors, True),) if colors else (),
                variations=tuple(
                    WooVariation(
                        f"{key}/{color}",
                        sku=f"B-{number:05d}-{color}",
                        regular_price=Decimal("12.50"),
                        manage_stock=True,
                        stock_quantity=5,
                        image_src=f"https://cdn.example.com/p{number}-a.jpg",
                        options=(("Color", color),),
                    )
                    for color in colors
                ),
            )
        )
    return products


def write_all(writer: WooWriter, items: list[WriteItem]) -> tuple[float, list]:
    started = time.perf_counter()
    results = []
    for start in range(0, len(items), 100):
        results += writer.write(items[start : start + 100])
    return time.perf_counter() - started, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--woo-workers", type=int, default=4)
    parser.add_argument("--woo-create-ms", type=float, default=5)
    parser.add_argument("--writer-workers", default="1,4")
    options = parser.parse_args()
    command = [str(ROOT / ".venv/bin/ferry"), "sandbox", "--products", "0"]
    command += ["--woo-workers", str(options.woo_workers), "--woo-create-ms", str(options.woo_create_ms)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout is not None
    store = json.loads(process.stdout.readline())["woocommerce"]
    os.environ["FERRY_ALLOW_PRIVATE_NETWORKS"] = "1"
    products = catalog(options.products)
    variations = sum(len(product.variations) for product in products)
    print(
        f"{len(products)} products ({variations} variations); store: {options.woo_workers} workers, "
        f"{options.woo_create_ms:g} ms per created object"
    )
    try:
        for workers in map(int, options.writer_workers.split(",")):
            requests.post(f"{store['url']}/_sandbox/reset", timeout=30).raise_for_status()
            target = WooTarget(WooSettings(store["url"], store["key"], store["secret"]))
            writer = WooWriter(target, workers=workers)
            elapsed, results = write_all(writer, [WriteItem(product) for product in products])
            failed = sum(1 for result in results if result.outcome == "failed")
            stats = requests.get(f"{store['url']}/_sandbox/stats", timeout=5).json()
            print(
                f"create, writer workers {workers}: {len(products) / elapsed:.0f} products/s "
                f"({elapsed:.1f} s), {target.requests_made} requests "
                f"({target.requests_made / len(products):.2f} per product), {failed} failed, "
                f"peak {stats['peak_in_flight']} requests at once in the store"
            )
            updates = [
                WriteItem(product, result.woo_id, result.variation_ids, frozenset({"prices"}))
                for product, result in zip(products, results, strict=True)
            ]
            before = target.requests_made
            elapsed, _ = write_all(writer, updates)
            print(
                f"update prices, writer workers {workers}: {len(products) / elapsed:.0f} products/s "
                f"({elapsed:.1f} s), {target.requests_made - before} requests"
            )
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
