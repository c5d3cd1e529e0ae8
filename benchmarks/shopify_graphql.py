"""How fast the Shopify GraphQL endpoint builds its schema and answers an importer's query.

    .venv/bin/python -m benchmarks.shopify_graphql [--products 100000] [--pages 10] [--first 50]

Calls the endpoint in-process (no HTTP) on a Plus shop, so the bucket never throttles: times the
schema build, then pages through the catalog with a typical importer query (products with
variants, media, collections and metafields), first while the pages are rendered for the first
time and then again from the rendered-product cache, and prints where the time goes (parse and
validate, cost, execution, JSON).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import time
from http.client import HTTPMessage
from typing import Any

from sandbox.catalog import Catalog
from sandbox.http import Request
from sandbox.settings import SandboxSettings
from sandbox.shopify import graphql_schema

IMPORTER_QUERY = """
query Page($first: Int!, $after: String) {
  products(first: $first, after: $after, sortKey: ID) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id legacyResourceId title handle descriptionHtml vendor productType status tags
      createdAt updatedAt publishedAt totalInventory tracksInventory hasOnlyDefaultVariant
      options { id name position values }
      variants(first: 100) {
        nodes {
          id legacyResourceId title sku price compareAtPrice barcode position inventoryQuantity
          inventoryPolicy selectedOptions { name value } image { url altText width height }
          inventoryItem {
            id sku tracked measurement { weight { value unit } } unitCost { amount currencyCode }
          }
        }
      }
      media(first: 20) {
        nodes { __typename ... on MediaImage { id alt image { url altText width height } } }
      }
      collections(first: 10) { nodes { id title handle } }
      metafields(first: 20) { nodes { namespace key type value } }
    }
  }
}
"""


class Store:
    def __init__(self, products: int) -> None:
        self.catalog = Catalog(1, products)
        self.settings = SandboxSettings(products=products, shopify_plan="plus")


def post(endpoint: Any, variables: dict[str, Any]) -> dict[str, Any]:
    headers = HTTPMessage()
    headers["Content-Type"] = "application/json"
    body = json.dumps({"query": IMPORTER_QUERY, "variables": variables}).encode()
    response = endpoint.handle(Request("POST", "/admin/api/2026-01/graphql.json", [], headers, body, "bench"))
    return json.loads(response.body)


def pages(endpoint: Any, count: int, first: int) -> tuple[list[float], int]:
    times, after, cost = [], None, 0
    for _ in range(count):
        started = time.perf_counter()
        answer = post(endpoint, {"first": first, "after": after})
        times.append((time.perf_counter() - started) * 1000)
        cost = answer["extensions"]["cost"]["requestedQueryCost"]
        after = answer["data"]["products"]["pageInfo"]["endCursor"]
    return times, cost


def summary(times: list[float]) -> str:
    return f"median {statistics.median(times):.0f} ms, max {max(times):.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--first", type=int, default=50)
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile of cached pages")
    options = parser.parse_args()

    started = time.perf_counter()
    graphql_schema.admin_schema()
    print(f"schema build: {time.perf_counter() - started:.2f} s")

    started = time.perf_counter()
    store = Store(options.products)
    print(f"catalog of {options.products} products: {time.perf_counter() - started:.1f} s")
    from sandbox.shopify.graphql import GraphQLEndpoint

    endpoint = GraphQLEndpoint(store)
    started = time.perf_counter()
    post(endpoint, {"first": 1})
    print(f"first request (sorted index): {(time.perf_counter() - started) * 1000:.0f} ms")

    cold, cost = pages(endpoint, options.pages, options.first)
    warm, _ = pages(endpoint, options.pages, options.first)
    print(f"requested cost of a page of {options.first}: {cost}")
    print(f"page of {options.first}, first render: {summary(cold)}")
    print(f"page of {options.first}, rendered before: {summary(warm)}")
    if options.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        pages(endpoint, options.pages, options.first)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
