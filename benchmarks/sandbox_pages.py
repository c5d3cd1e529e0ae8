"""How fast the sandbox starts and serves full pages from a large catalog.

    .venv/bin/python -m benchmarks.sandbox_pages [--products 100000] [--pages 20]

Starts `ferry sandbox` as a real process, times it to its JSON line, then pages each source store
with full pages (250 products, variants and images included) over one keep-alive connection and
prints the times per page against the targets (start < 30 s; a Shopify REST page < 100 ms).
Shopify runs on the Plus plan here so its leaky bucket never throttles the measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
START_TARGET_S = 30.0
PAGE_TARGET_MS = 100.0


def start_sandbox(products: int) -> tuple[subprocess.Popen[str], dict, float]:
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/ferry"),
            "sandbox",
            "--products",
            str(products),
            "--shopify-plan",
            "plus",
            "--bigcommerce-plan",
            "pro",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    if not line:
        raise SystemExit(f"ferry sandbox exited with {process.wait()} before printing its JSON line")
    return process, json.loads(line), elapsed


def shopify_pages(stores: dict) -> Iterator[Callable[[requests.Session], requests.Response]]:
    store = stores["shopify"]
    url: str | None = f"{store['url']}/admin/api/2025-07/products.json?limit=250"
    headers = {"X-Shopify-Access-Token": store["token"]}
    while url:
        current = url

        def get(session: requests.Session, current: str = current) -> requests.Response:
            return session.get(current, headers=headers)

        reply = yield get
        url = reply.links.get("next", {}).get("url")


def bigcommerce_pages(stores: dict) -> Iterator[Callable[[requests.Session], requests.Response]]:
    store = stores["bigcommerce"]
    base = f"{store['url']}/stores/{store['store_hash']}/v3/catalog/products"
    page = 1
    while True:
        params = {"limit": 250, "page": page, "include": "variants,images,custom_fields"}

        def get(session: requests.Session, params: dict = params) -> requests.Response:
            return session.get(base, params=params, headers={"X-Auth-Token": store["token"]})

        reply = yield get
        pagination = reply.json()["meta"]["pagination"]
        if pagination["current_page"] >= pagination["total_pages"]:
            return
        page += 1


def magento_pages(stores: dict) -> Iterator[Callable[[requests.Session], requests.Response]]:
    store = stores["magento"]
    page = 1
    while True:
        params = {
            "searchCriteria[pageSize]": 250,
            "searchCriteria[currentPage]": page,
            "searchCriteria[sortOrders][0][field]": "entity_id",
            "searchCriteria[sortOrders][0][direction]": "ASC",
        }

        def get(session: requests.Session, params: dict = params) -> requests.Response:
            return session.get(
                f"{store['url']}/rest/V1/products",
                params=params,
                headers={"Authorization": f"Bearer {store['token']}"},
            )

        reply = yield get
        if page * 250 >= reply.json()["total_count"]:
            return
        page += 1


def measure(pages: Iterator[Callable[[requests.Session], requests.Response]], limit: int) -> list[float]:
    """Milliseconds per page for the first `limit` pages (the first one is the cold one)."""
    timings = []
    with requests.Session() as session:
        get = next(pages)
        while len(timings) < limit:
            started = time.perf_counter()
            reply = get(session)
            timings.append((time.perf_counter() - started) * 1000)
            reply.raise_for_status()
            try:
                get = pages.send(reply)
            except StopIteration:
                break
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=20)
    args = parser.parse_args()

    process, stores, startup = start_sandbox(args.products)
    try:
        print(
            f"sandbox with {args.products} products per store: ready in {startup:.1f} s "
            f"(target {START_TARGET_S:.0f} s, ratio {startup / START_TARGET_S:.2f})"
        )
        print()
        print("| store | page | cold ms | warm median ms | warm p95 ms | target ms | median/target |")
        print("|---|---|---|---|---|---|---|")
        for name, pages, page in (
            ("shopify", shopify_pages, "REST products.json, limit=250"),
            (
                "bigcommerce",
                bigcommerce_pages,
                "v3 products, limit=250, include=variants,images,custom_fields",
            ),
            ("magento", magento_pages, "V1/products, pageSize=250"),
        ):
            timings = measure(pages(stores), args.pages)
            warm = sorted(timings[1:]) or timings
            p95 = warm[min(len(warm) - 1, int(len(warm) * 0.95))]
            median = statistics.median(warm)
            target = f"{PAGE_TARGET_MS:.0f}" if name == "shopify" else "-"
            ratio = f"{median / PAGE_TARGET_MS:.2f}" if name == "shopify" else "-"
            print(f"| {name} | {page} | {timings[0]:.0f} | {median:.0f} | {p95:.0f} | {target} | {ratio} |")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    print()
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
