"""The Shopify connector's pure parts: settings, the GraphQL query (against Shopify's published
schema), its cost by the documented rules, page sizing, scopes and error bodies."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from graphql import parse, validate
from graphql.validation import NoDeprecatedCustomRule, specified_rules

from connectors.pacing import RestoringBucket
from connectors.shopify import ShopifyConnector, ShopifySettings, describe_error
from connectors.shopify.graphql import COUNT, FOLLOW_UPS, MAX_QUERY_COST, PRODUCTS, SHOP, PageSizer, QueryCost
from connectors.shopify.reader import ShopFacts
from sandbox.shopify.graphql_schema import admin_schema

TOKEN = "shpat_0123456789abcdef0123456789abcdef"


# -- settings ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "url"),
    [
        pytest.param("mystore", "https://mystore.myshopify.com", id="shop-name"),
        pytest.param("  MyStore ", "https://mystore.myshopify.com", id="shop-name-case"),
        pytest.param("mystore.myshopify.com", "https://mystore.myshopify.com", id="domain"),
        pytest.param("https://mystore.myshopify.com/", "https://mystore.myshopify.com", id="url"),
        pytest.param("https://mystore.myshopify.com/admin", "https://mystore.myshopify.com", id="admin-path"),
        pytest.param(
            "https://admin.shopify.com/store/mystore/products", "https://mystore.myshopify.com", id="admin"
        ),
        pytest.param("http://127.0.0.1:8001", "http://127.0.0.1:8001", id="sandbox"),
        pytest.param("shop.example.com:8443", "https://shop.example.com:8443", id="domain-port"),
    ],
)
def test_url_forms_are_normalised(given: str, url: str) -> None:
    assert ShopifySettings(given, TOKEN).url == url


@pytest.mark.parametrize(
    "given",
    [
        pytest.param("", id="empty"),
        pytest.param("ftp://mystore.myshopify.com", id="scheme"),
        pytest.param("https://mystore.myshopify.com/products/x", id="path"),
        pytest.param("https://mystore.myshopify.com/?a=1", id="query"),
        pytest.param("https://user:pw@mystore.myshopify.com", id="credentials"),
        pytest.param("my store", id="space"),
        pytest.param("https://-bad-.com", id="bad-host"),
        pytest.param("https://admin.shopify.com/settings", id="admin-without-store"),
        pytest.param("http://127.0.0.1:99999", id="bad-port"),
    ],
)
def test_bad_urls_are_refused_naming_the_field(given: str) -> None:
    with pytest.raises(ValueError, match=r"^url ") as caught:
        ShopifySettings(given, TOKEN)
    assert "mystore.myshopify.com" in str(caught.value)  # says which forms are accepted


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"token": " "}, "token is empty", id="empty-token"),
        pytest.param({"token": "shpat_ab cd"}, "token contains spaces", id="spaced-token"),
        pytest.param({"api": "soap"}, "api must be one of graphql, rest", id="api"),
        pytest.param({"api_version": "2025-08"}, "api_version must be a Shopify release", id="version"),
        pytest.param({"api_version": "2024-10"}, "older than 2025-07", id="old-for-graphql"),
    ],
)
def test_bad_settings_name_the_field(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        ShopifySettings(**{"url": "mystore", "token": TOKEN, **changes})
    assert "ab cd" not in str(caught.value)


def test_settings_keep_valid_values() -> None:
    settings = ShopifySettings("mystore", f" {TOKEN} ", api="REST", api_version="2024-10")
    assert (settings.token, settings.api, settings.api_version) == (TOKEN, "rest", "2024-10")


def test_the_token_never_shows_in_a_repr() -> None:
    settings = ShopifySettings("mystore", TOKEN)
    connector = ShopifyConnector(settings)
    assert TOKEN not in repr(settings) and TOKEN not in str(settings) and TOKEN not in repr(connector)
    assert connector.client.session.headers["X-Shopify-Access-Token"] == TOKEN


# -- the queries, against Shopify's published Admin schema ------------------------------------
@pytest.mark.parametrize(
    "query",
    [
        pytest.param(PRODUCTS, id="products"),
        *(pytest.param(query, id=f"follow-up-{name}") for name, query in FOLLOW_UPS.items()),
        pytest.param(SHOP, id="shop"),
        pytest.param(COUNT, id="count"),
    ],
)
def test_queries_are_valid_and_use_no_deprecated_field(query: str) -> None:
    errors = validate(admin_schema(), parse(query), [*specified_rules, NoDeprecatedCustomRule])
    assert not errors, errors


@pytest.mark.parametrize(
    ("query", "variables", "cost"),
    [
        # shop is an object (1), its fields scalars (0).
        pytest.param("{ shop { name id } }", {}, 1, id="object"),
        # A connection: 2 + first x one node (an object).
        pytest.param("{ products(first: 10) { nodes { id title } } }", {}, 12, id="connection"),
        pytest.param("query($n: Int!) { products(first: $n) { nodes { id } } }", {"n": 7}, 9, id="variable"),
        pytest.param(
            "{ products(first: 10) { pageInfo { hasNextPage } nodes {"
            " variants(first: 5) { nodes { id } } } } }",
            {},
            2 + 10 * (1 + 2 + 5),
            id="nested",
        ),
        # An interface costs its dearest possible selection.
        pytest.param(
            "{ products(first: 2) { nodes {"
            " media(first: 3) { nodes { id ... on MediaImage { image { url } } } } } } }",
            {},
            2 + 2 * (1 + 2 + 3 * 2),
            id="interface",
        ),
    ],
)
def test_query_cost_by_the_documented_rules(query: str, variables: dict[str, Any], cost: int) -> None:
    assert QueryCost(query)(variables) == cost


def test_the_listing_starts_within_the_single_query_maximum() -> None:
    cost = QueryCost(PRODUCTS)
    sizer = PageSizer(lambda n: cost({"first": n}))
    assert cost({"first": sizer.size}) <= MAX_QUERY_COST < cost({"first": sizer.size + 1})


def test_page_sizer_grows_from_reported_costs_and_halves_when_refused() -> None:
    sizer = PageSizer(lambda n: 2 + 300 * n)  # the documented bound allows 3
    assert sizer.size == 3 and sizer.cost(3) == 902
    sizer.learn(3, requested=100)  # Shopify costs it far lower: 30 fit
    assert sizer.size == 30
    assert sizer.cost(30) == 1000  # at most 100 x 10, capped at the maximum
    sizer.learn(30, requested=400)
    assert sizer.size == 75
    sizer.refused(75, cost=None)
    assert sizer.size == 37 and sizer.ceiling == 37
    sizer.learn(37, requested=100)
    assert sizer.size == 37  # never back above a refused size
    sizer.refused(37, cost=4000)  # Shopify's figure shrinks it further than halving would
    assert sizer.size == sizer.ceiling == 9


# -- scopes and error bodies ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("scopes", "missing"),
    [
        pytest.param({"read_products", "read_inventory"}, (), id="both"),
        pytest.param({"write_products", "read_inventory"}, (), id="write-implies-read"),
        pytest.param({"read_products"}, ("read_inventory",), id="no-inventory"),
        pytest.param({"read_orders"}, ("read_products", "read_inventory"), id="neither"),
    ],
)
def test_missing_scopes(scopes: set[str], missing: tuple[str, ...]) -> None:
    assert ShopFacts("shop", None, None, None, frozenset(scopes)).missing_scopes == missing


def response(status: int, body: Any) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer._content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return answer


@pytest.mark.parametrize(
    ("body", "text"),
    [
        pytest.param(
            {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"},
            "[API] Invalid API key or access token (unrecognized login or wrong password)",
            id="string",
        ),
        pytest.param(
            {"errors": {"line_items": ["must have at least one line item"]}},
            "line_items: must have at least one line item",
            id="object",
        ),
        pytest.param({"errors": [{"message": "Throttled"}]}, "Throttled", id="graphql"),
        pytest.param(
            {"error": "invalid_request", "error_description": "bad code"},
            "invalid_request; bad code",
            id="oauth",
        ),
        pytest.param("<html><body>Not Found</body></html>", "", id="html"),
    ],
)
def test_describe_error(body: Any, text: str) -> None:
    assert describe_error(response(400, body)) == text


def test_a_refused_query_is_refunded_to_the_pacer() -> None:
    # MAX_COST_EXCEEDED is refused before it runs: the points the pacer spent come back.
    slept: list[float] = []
    bucket = RestoringBucket(1000, 50, clock=lambda: 0.0, sleep=slept.append)
    bucket.wait(900)
    bucket.refund(900)
    assert bucket.wait(900) == 0.0 and slept == []
