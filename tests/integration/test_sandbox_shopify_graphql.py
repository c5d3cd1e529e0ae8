"""The Shopify Admin GraphQL endpoint, served by the real ShopifyStore over loopback HTTP."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import shopify

from sandbox.catalog import Catalog
from sandbox.settings import SandboxSettings
from sandbox.shopify import ShopifyStore
from sandbox.shopify.graphql_cost import connection_size

VERSION = "2026-01"
PRODUCTS = 100  # key 96 is one of the catalog's 120-variant products


class Shop:
    """A served store and a way to post GraphQL to it."""

    def __init__(self, serve: Callable[[ShopifyStore], str], plan: str = "standard") -> None:
        self.store = ShopifyStore(
            Catalog(7, PRODUCTS), SandboxSettings(products=PRODUCTS, seed=7, shopify_plan=plan)
        )
        self.url = serve(self.store)
        self.endpoint = f"{self.url}/admin/api/{VERSION}/graphql.json"
        self.session = requests.Session()
        self.session.headers["X-Shopify-Access-Token"] = self.store.token

    def post(self, query: str, variables: dict[str, Any] | None = None) -> requests.Response:
        return self.session.post(self.endpoint, json={"query": query, "variables": variables})

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        answer = self.post(query, variables)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture
def shop(serve) -> Shop:
    return Shop(serve)


def all_pages(shop: Shop, query: str, variables: dict[str, Any]) -> list[dict[str, Any]]:
    nodes, after = [], None
    while True:
        page = shop.data(query, {**variables, "after": after})["products"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


PAGE = """query Page($after: String, $query: String, $sortKey: ProductSortKeys, $reverse: Boolean) {
  products(first: 7, after: $after, query: $query, sortKey: $sortKey, reverse: $reverse) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { id title updatedAt createdAt status vendor tags }
  }
}"""


def test_paging_every_product_matches_products_count_and_the_catalog(shop: Shop) -> None:
    nodes = all_pages(shop, PAGE, {})
    count = shop.data("{ productsCount { count precision } }")["productsCount"]
    catalog_ids = requests.get(f"{shop.url}/_sandbox/catalog").json()["ids"]
    assert count == {"count": PRODUCTS, "precision": "EXACT"}
    assert [node["id"] for node in nodes] == [
        f"gid://shopify/Product/{number}" for number in sorted(catalog_ids)
    ]


def test_page_info_and_backward_paging(shop: Shop) -> None:
    first = shop.data(PAGE, {})["products"]
    assert (first["pageInfo"]["hasPreviousPage"], first["pageInfo"]["hasNextPage"]) == (False, True)
    second = shop.data(PAGE, {"after": first["pageInfo"]["endCursor"]})["products"]
    assert second["pageInfo"]["hasPreviousPage"] is True
    back = shop.data(
        "query($before: String) {"
        " products(last: 7, before: $before) { nodes { id } pageInfo { hasPreviousPage } } }",
        {"before": second["pageInfo"]["startCursor"]},
    )["products"]
    assert [n["id"] for n in back["nodes"]] == [n["id"] for n in first["nodes"]]
    assert back["pageInfo"]["hasPreviousPage"] is False


@pytest.mark.parametrize(
    ("sort_key", "field", "reverse"),
    [
        pytest.param("TITLE", "title", False, id="title"),
        pytest.param("UPDATED_AT", "updatedAt", True, id="updated-at-reversed"),
        pytest.param("CREATED_AT", "createdAt", False, id="created-at"),
    ],
)
def test_sort_keys_order_every_page(shop: Shop, sort_key: str, field: str, reverse: bool) -> None:
    nodes = all_pages(shop, PAGE, {"sortKey": sort_key, "reverse": reverse})
    values = [node[field].casefold() for node in nodes]
    assert len(nodes) == PRODUCTS
    assert values == sorted(values, reverse=reverse)


def test_incremental_query_finds_exactly_the_updated_products(shop: Shop) -> None:
    since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    changed = requests.post(f"{shop.url}/_sandbox/catalog/update", json={"count": 3}).json()["ids"]
    nodes = all_pages(shop, PAGE, {"query": f"updated_at:>='{since}'", "sortKey": "UPDATED_AT"})
    assert sorted(node["id"] for node in nodes) == sorted(f"gid://shopify/Product/{n}" for n in changed)
    assert all(node["title"].endswith("(updated)") for node in nodes)
    counted = shop.data(
        "query($q: String) { productsCount(query: $q) { count } }", {"q": f"updated_at:>='{since}'"}
    )
    assert counted["productsCount"]["count"] == 3


@pytest.mark.parametrize(
    ("query", "check"),
    [
        pytest.param("status:draft", lambda n: n["status"] == "DRAFT", id="status"),
        pytest.param(
            "status:active,archived", lambda n: n["status"] in ("ACTIVE", "ARCHIVED"), id="status-list"
        ),
        pytest.param("vendor:'Acme Goods'", lambda n: n["vendor"] == "Acme Goods", id="quoted-vendor"),
        pytest.param("tag:sale OR tag:gift", lambda n: {"sale", "gift"} & set(n["tags"]), id="or"),
        pytest.param("-tag:sale", lambda n: "sale" not in n["tags"], id="negated"),
        pytest.param("created_at:<'2024-06-01'", lambda n: n["createdAt"] < "2024-06-01T04", id="time"),
    ],
)
def test_search_filters_products(shop: Shop, query: str, check: Callable[[dict[str, Any]], bool]) -> None:
    nodes = all_pages(shop, PAGE, {"query": query})
    everything = all_pages(shop, PAGE, {})
    assert nodes, "the catalog has matches for every case"
    assert all(check(node) for node in nodes)
    assert len(nodes) == sum(1 for node in everything if check(node))


def test_an_unknown_search_field_is_ignored_and_reported(shop: Shop) -> None:
    body = shop.post(PAGE, {"query": "colour:teal status:draft"}).json()
    drafts = all_pages(shop, PAGE, {"query": "status:draft"})
    assert [n["id"] for n in body["data"]["products"]["nodes"]] == [n["id"] for n in drafts[:7]]
    assert body["extensions"]["search"] == [
        {
            "path": ["products"],
            "query": "colour:teal status:draft",
            "parsed": {
                "and": [{"field": "colour", "match_all": "teal"}, {"field": "status", "match_all": "draft"}]
            },
            "warnings": [
                {
                    "field": "colour",
                    "message": "Invalid search field for this query.",
                    "code": "invalid_field",
                }
            ],
        }
    ]


PRODUCT = """query($id: ID!) { product(id: $id) {
  id legacyResourceId title handle descriptionHtml description vendor productType status tags
  createdAt updatedAt publishedAt totalInventory tracksInventory hasOnlyDefaultVariant
  options { id name position values optionValues { name } }
  variants(first: 250) { nodes {
    id legacyResourceId title sku price compareAtPrice barcode position inventoryQuantity inventoryPolicy
    selectedOptions { name value } image { url } media(first: 1) { nodes { id } }
    inventoryItem { id sku tracked measurement { weight { value unit } } unitCost { amount currencyCode } }
  } }
  featuredImage { url } images(first: 10) { nodes { url } }
  collections(first: 5) { nodes { id title handle } }
  metafields(first: 10) { nodes { namespace key type value } }
  metafield(namespace: "custom", key: "material") { value }
} }"""


def test_a_product_with_every_field_importers_read(shop: Shop) -> None:
    product = shop.store.catalog.get(96)
    assert product is not None and len(product.variants) > 100
    node = shop.data(PRODUCT, {"id": f"gid://shopify/Product/{8_000_000_000_096}"})["product"]
    assert node["legacyResourceId"] == "8000000000096"
    assert node["status"] == product.status.upper()
    # GraphQL is not capped at 100 variants as REST is (products can have 2000).
    assert len(node["variants"]["nodes"]) == len(product.variants)
    variant = node["variants"]["nodes"][0]
    assert variant["price"] == f"{product.variants[0].price:.2f}"
    assert variant["selectedOptions"] == [
        {"name": option.name, "value": value}
        for option, value in zip(product.options, product.variants[0].option_values, strict=True)
    ]
    assert variant["inventoryItem"]["measurement"]["weight"]["unit"] == "KILOGRAMS"
    assert [o["name"] for o in node["options"]] == [o.name for o in product.options]
    assert node["metafield"]["value"] == next(m.value for m in product.metafields if m.key == "material")
    assert node["descriptionHtml"] == product.body_html
    assert not re.search(r"</?[a-z]", node["description"])  # tags stripped, entities decoded


def test_media_fragments_of_every_type_resolve(shop: Shop) -> None:
    query = """{ products(first: 20) { nodes {
      featuredMedia { __typename }
      media(first: 20) { nodes {
        __typename id alt mediaContentType status preview { image { url } }
        ... on MediaImage { image { url altText width height } }
        ... on Video { sources { url mimeType } originalSource { url } }
        ... on ExternalVideo { embedUrl host }
        ... on Model3d { sources { url } boundingBox { size { x } } }
      } }
    } } }"""
    nodes = [m for p in shop.data(query)["products"]["nodes"] for m in p["media"]["nodes"]]
    assert nodes, "the first products have images"
    assert {m["__typename"] for m in nodes} == {"MediaImage"}
    assert all(
        m["image"]["url"].startswith("https://cdn.shopify.com/") and m["mediaContentType"] == "IMAGE"
        for m in nodes
    )
    media_id = nodes[0]["id"]
    found = shop.data(
        "query($id: ID!) { node(id: $id) { __typename ... on MediaImage { id image { width } } } }",
        {"id": media_id},
    )
    assert found["node"]["__typename"] == "MediaImage" and found["node"]["id"] == media_id


def test_exotic_fields_of_the_real_schema_resolve_to_empty_values(shop: Shop) -> None:
    query = """{ products(first: 2) { nodes {
      resourcePublicationsV2(first: 1) { nodes { isPublished } }
      seo { title description }
      requiresSellingPlan category { id fullName }
      contextualPricing(context: {country: CA}) { priceRange { maxVariantPrice { amount } } }
      variants(first: 1) { nodes {
        sellingPlanGroupsCount { count } contextualPricing(context: {}) { price { amount } }
      } }
    } } }"""
    nodes = shop.data(query)["products"]["nodes"]
    assert nodes[0]["resourcePublicationsV2"] == {"nodes": []}
    assert nodes[0]["seo"] == {"title": None, "description": None}
    assert nodes[0]["requiresSellingPlan"] is False and nodes[0]["category"] is None
    assert nodes[0]["contextualPricing"]["priceRange"]["maxVariantPrice"]["amount"] == "0.0"


def test_node_and_nodes_find_products_and_variants(shop: Shop) -> None:
    query = """query($ids: [ID!]!) {
      nodes(ids: $ids) { __typename id ... on ProductVariant { product { id } } }
    }"""
    ids = [
        "gid://shopify/Product/8000000000003",
        "gid://shopify/ProductVariant/45000000003001",
        "gid://shopify/Product/1",
    ]
    found = shop.data(query, {"ids": ids})["nodes"]
    assert found[0] == {"__typename": "Product", "id": ids[0]}
    assert found[1] == {"__typename": "ProductVariant", "id": ids[1], "product": {"id": ids[0]}}
    assert found[2] is None


def test_product_variants_pages_across_products(shop: Shop) -> None:
    total = sum(len(p.variants) for p in shop.store.catalog.products())
    seen, after = [], None
    while True:
        page = shop.data(
            "query($after: String) { productVariants(first: 250, after: $after) {"
            " nodes { id } pageInfo { hasNextPage endCursor } } }",
            {"after": after},
        )["productVariants"]
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == total
    assert shop.data("{ productVariantsCount { count } }")["productVariantsCount"]["count"] == total


def test_shop_and_access_scopes(shop: Shop) -> None:
    data = shop.data(
        "{ shop { id name email myshopifyDomain currencyCode ianaTimezone"
        " plan { displayName partnerDevelopment shopifyPlus } }"
        " currentAppInstallation { accessScopes { handle } } }"
    )
    rest_shop = shop.session.get(f"{shop.url}/admin/api/{VERSION}/shop.json").json()["shop"]
    assert data["shop"]["id"] == f"gid://shopify/Shop/{rest_shop['id']}"
    assert data["shop"]["myshopifyDomain"] == rest_shop["myshopify_domain"]
    assert data["shop"]["plan"]["shopifyPlus"] is False
    assert {"handle": "read_products"} in data["currentAppInstallation"]["accessScopes"]


# -- cost and throttling ------------------------------------------------------------------------------
def test_cost_extension_equals_the_hand_computation(shop: Shop) -> None:
    query = """{ products(first: 10) { edges { node {
        id variants(first: 5) { nodes { id inventoryItem { id } } }
      } } }
      shop { id } productsCount { count } }"""
    # products: 2 + size(10) x (product 1 + variants(2 + size(5) x (variant 1 + inventoryItem 1)));
    # size(10) = 4, size(5) = 3 -> 2 + 4 x 9 = 38. shop: 1. productsCount: a Count costs 10.
    assert (connection_size(10), connection_size(5)) == (4, 3)
    body = shop.post(query).json()
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 38 + 1 + 10
    # Actually returned: 10 products with n variants each, charged size(n) x 2 each.
    sizes = [len(p["node"]["variants"]["nodes"]) for p in body["data"]["products"]["edges"]]
    assert (
        cost["actualQueryCost"]
        == 2 + connection_size(10) * (1 + 2 + max(connection_size(n) * 2 for n in sizes)) + 1 + 10
    )
    status = cost["throttleStatus"]
    assert (status["maximumAvailable"], status["restoreRate"]) == (2000, 100)
    assert 2000 - cost["actualQueryCost"] <= status["currentlyAvailable"] <= 2000


def test_a_missing_product_costs_one_point(shop: Shop) -> None:
    body = shop.post(
        '{ product(id: "gid://shopify/Product/1") { id variants(first: 250) { nodes { id } } } }'
    ).json()
    assert body["data"] == {"product": None}
    assert (
        body["extensions"]["cost"]["requestedQueryCost"],
        body["extensions"]["cost"]["actualQueryCost"],
    ) == (14, 1)


def test_throttled_once_the_bucket_is_drained(shop: Shop) -> None:
    expensive = (
        "{ " + " ".join(f"c{n}: productsCount {{ count }}" for n in range(99)) + " }"
    )  # 99 x 10 points
    first, second, third = (shop.post(expensive) for _ in range(3))
    assert "errors" not in first.json() and "errors" not in second.json()
    assert third.status_code == 200
    body = third.json()
    assert body["errors"] == [
        {
            "message": "Throttled",
            "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"},
        }
    ]
    assert "data" not in body
    cost = body["extensions"]["cost"]
    assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (990, None)
    assert cost["throttleStatus"]["currentlyAvailable"] < 990
    # The REST bucket is another one: it is still empty.
    rest = shop.session.get(f"{shop.url}/admin/api/{VERSION}/shop.json")
    assert rest.headers["X-Shopify-Shop-Api-Call-Limit"] == "1/40"


def test_a_query_over_the_single_query_limit_is_refused(shop: Shop) -> None:
    query = """{ products(first: 250) { nodes { variants(first: 250) { nodes {
      id inventoryItem { id } media(first: 250) { nodes { id } } } } } } }"""
    # 2 + 11 x (1 + 2 + 11 x (1 + 1 + 2 + 11 x 1)) = 1850
    body = shop.post(query).json()
    assert list(body) == ["errors"]
    error = body["errors"][0]
    assert error["message"].startswith(
        "Query cost is 1850, which exceeds the single query max cost limit (1000)."
    )
    assert error["extensions"] == {
        "code": "MAX_COST_EXCEEDED",
        "cost": 1850,
        "maxCost": 1000,
        "documentation": "https://shopify.dev/api/usage/rate-limits",
    }


# -- errors ---------------------------------------------------------------------------------------------
# Live answers of Shopify (Admin API 2025-01) to these exact documents, from
# github.com/airhorns/shopify-draft-proxy fixtures/conformance/.../graphql-base-validation-unhappy-paths.json.
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(
            "query GraphqlBaseValidationInvalidSyntax {\n  shop {\n    id\n",
            {
                "message": "syntax error, unexpected end of file at [3, 5]",
                "locations": [{"line": 3, "column": 5}],
                "extensions": {"code": "PARSE_ERROR"},
            },
            id="syntax-error",
        ),
        pytest.param(
            "query GraphqlBaseValidationUnknownProductField {\n  products(first: 1) {\n"
            "    nodes {\n      id\n      definitelyNotAProductField\n    }\n  }\n}\n",
            {
                "message": "Field 'definitelyNotAProductField' doesn't exist on type 'Product'",
                "locations": [{"line": 5, "column": 7}],
                "path": [
                    "query GraphqlBaseValidationUnknownProductField",
                    "products",
                    "nodes",
                    "definitelyNotAProductField",
                ],
                "extensions": {
                    "code": "undefinedField",
                    "typeName": "Product",
                    "fieldName": "definitelyNotAProductField",
                },
            },
            id="unknown-field",
        ),
        pytest.param(
            "query GraphqlBaseValidationMissingSubselection {\n  shop\n}\n",
            {
                "message": "Field must have selections (field 'shop' returns Shop but has no selections. "
                "Did you mean 'shop { ... }'?)",
                "locations": [{"line": 2, "column": 3}],
                "path": ["query GraphqlBaseValidationMissingSubselection", "shop"],
                "extensions": {"code": "selectionMismatch", "nodeName": "field 'shop'", "typeName": "Shop"},
            },
            id="missing-selection",
        ),
    ],
)
def test_invalid_documents_answer_like_shopify(shop: Shop, query: str, expected: dict[str, Any]) -> None:
    answer = shop.post(query)
    assert answer.status_code == 200
    assert answer.json() == {"errors": [expected]}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"{not json", id="malformed-json"),
        pytest.param(b'{"variables": {}}', id="missing-query"),
        pytest.param(b'{"query": "   "}', id="blank-query"),
        pytest.param(b"[1, 2]", id="not-an-object"),
    ],
)
def test_a_body_without_a_query_is_a_bad_request(shop: Shop, body: bytes) -> None:
    answer = shop.session.post(shop.endpoint, data=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json() == {"errors": {"query": "Required parameter missing or invalid"}}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        pytest.param(
            "{ products { nodes { id } } }", "you must provide one of first or last", id="no-page-size"
        ),
        pytest.param(
            '{ products(first: 1, after: "nope") { nodes { id } } }', "Malformed cursor", id="bad-cursor"
        ),
    ],
)
def test_bad_connection_arguments(shop: Shop, query: str, message: str) -> None:
    body = shop.post(query).json()
    assert body["data"] is None
    assert body["errors"][0]["message"] == message
    assert body["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}
    assert body["errors"][0]["path"] == ["products"]
    assert body["extensions"]["cost"]["actualQueryCost"] == 2  # the connection itself, as Shopify charges


def test_a_malformed_id_literal_is_refused_before_running(shop: Shop) -> None:
    body = shop.post('{ product(id: "8000000000003") { id } }').json()
    assert body == {
        "errors": [
            {
                "message": "Invalid global id '8000000000003'",
                "locations": [{"line": 1, "column": 11}],
                "path": ["query", "product", "id"],
                "extensions": {"code": "argumentLiteralsIncompatible", "typeName": "CoercionError"},
            }
        ]
    }


def test_a_missing_variable_answers_like_shopify(shop: Shop) -> None:
    body = shop.post("query Q($id: ID!) { product(id: $id) { id } }", {}).json()
    assert body == {
        "errors": [
            {
                "message": "Variable $id of type ID! was provided invalid value",
                "locations": [{"line": 1, "column": 9}],
                "extensions": {
                    "code": "INVALID_VARIABLE",
                    "value": None,
                    "problems": [{"path": [], "explanation": "Expected value to not be null"}],
                },
            }
        ]
    }


def test_the_official_client_runs_queries(shop: Shop) -> None:
    shopify.ShopifyResource.set_site(f"{shop.url}/admin/api/{VERSION}")
    shopify.ShopifyResource.set_headers({"X-Shopify-Access-Token": shop.store.token})
    try:
        raw = shopify.GraphQL().execute(
            "query($first: Int!) { products(first: $first) { nodes { id } } shop { name } }", {"first": 3}
        )
    finally:
        shopify.ShopifyResource.clear_session()
    answer = json.loads(raw)
    assert len(answer["data"]["products"]["nodes"]) == 3
    assert answer["extensions"]["cost"]["requestedQueryCost"] == 2 + connection_size(3) + 1


def test_a_request_without_the_token_is_refused(shop: Shop) -> None:
    answer = requests.post(shop.endpoint, json={"query": "{ shop { id } }"})
    assert answer.status_code == 401
