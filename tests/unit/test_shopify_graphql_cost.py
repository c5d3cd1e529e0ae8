"""Calculated query cost against what live Shopify charged for the same documents.

Requested costs are the `extensions.cost.requestedQueryCost` of live Admin API answers recorded in
github.com/airhorns/shopify-draft-proxy (fixtures/conformance, API 2025-01), and one from
https://community.shopify.dev/t/unexpectedly-low-graphql-query-cost-in-shopify-admin-api-seeking-clarification/23101.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import get_operation_ast, parse

from sandbox.shopify.graphql_cost import QueryCost, connection_size
from sandbox.shopify.graphql_schema import admin_schema


def cost(query: str, variables: dict[str, Any] | None = None) -> QueryCost:
    document = parse(query)
    operation = get_operation_ast(document)
    assert operation is not None
    return QueryCost(admin_schema(), document, operation, variables or {})


@pytest.mark.parametrize(
    ("size", "charged"),
    [
        (None, 0),
        (0, 1),
        (1, 1),
        (2, 1),
        (3, 2),
        (5, 3),
        (10, 4),
        (20, 5),
        (25, 6),
        (50, 7),
        (100, 9),
        (250, 11),
    ],
)
def test_connection_sizes(size: int | None, charged: int) -> None:
    assert connection_size(size) == charged


@pytest.mark.parametrize(
    ("query", "variables", "live"),
    [
        pytest.param("query { shop { name } }", {}, 1, id="object"),
        pytest.param(
            "query { currentAppInstallation { accessScopes { handle } } }", {}, 2, id="list-of-objects"
        ),
        pytest.param("query { customersCount { count precision } }", {}, 10, id="count"),
        pytest.param("query { markets(first: 1) { nodes { id name } } }", {}, 3, id="connection-1"),
        pytest.param(
            "query P($first: Int!) { publications(first: $first) { nodes { id name } } }",
            {"first": 50},
            9,
            id="connection-50-variable",
        ),
        pytest.param(
            "query A($q: String!, $after: String) { articles(first: 250, after: $after, query: $q) {"
            " nodes { __typename id handle blog { id } } pageInfo { hasNextPage endCursor } } }",
            {"q": "handle:x"},
            24,
            id="connection-250-nested-object",
        ),
        pytest.param(
            "query S($query: String!) {"
            " products(first: 5, query: $query, sortKey: CREATED_AT, reverse: true)"
            " { nodes { id title tags } }"
            " productsCount(query: $query) { count precision } }",
            {"query": "tag:x"},
            15,
            id="products-and-count",
        ),
        pytest.param(
            "query M($id: ID!) { product(id: $id) { id"
            ' material: metafield(namespace: "custom", key: "m") { namespace key type value }'
            ' metafields(first: 10, namespace: "custom") { nodes { namespace key } } } }',
            {"id": "gid://shopify/Product/1"},
            8,
            id="nested-connection",
        ),
        pytest.param(
            "query C($q: String!) { customers(first: 2, query: $q, sortKey: NAME) {"
            " edges { cursor node { email } } nodes { email } pageInfo { hasNextPage } } }",
            {"q": "tag:x"},
            4,
            id="edges-and-nodes-both-charged",
        ),
        pytest.param(
            "query G($id: ID!) { giftCard(id: $id) { id balance { amount currencyCode }"
            " transactions(first: 10) { nodes { __typename amount { amount currencyCode } } } } }",
            {"id": "gid://shopify/GiftCard/1"},
            7,
            id="money-is-free",
        ),
        pytest.param(
            "mutation C($input: CustomerInput!) { customerCreate(input: $input) {"
            " customer { id email defaultEmailAddress { emailAddress } defaultPhoneNumber { phoneNumber } }"
            " userErrors { field message } } }",
            {"input": {}},
            12,
            id="mutation",
        ),
        pytest.param(
            "query V($id: ID!) { product(id: $id) {"
            " variants(first: 250) { nodes { inventoryItem { id tracked } } } } }",
            {"id": "gid://shopify/Product/1"},
            25,
            id="community-thread",
        ),
    ],
)
def test_requested_cost_equals_what_shopify_charged(query: str, variables: dict[str, Any], live: int) -> None:
    assert cost(query, variables).requested() == live


def test_interfaces_cost_their_dearest_type() -> None:
    query = """query { node(id: "gid://shopify/Product/1") { id
      ... on Product { variants(first: 10) { nodes { id } } }
      ... on Collection { image { url } } } }"""
    assert cost(query).requested() == 1 + 2 + 4 * 1


def test_skipped_fields_cost_nothing() -> None:
    query = "query($skip: Boolean!) { shop { id } productsCount @skip(if: $skip) { count } }"
    assert cost(query, {"skip": True}).requested() == 1
    assert cost(query, {"skip": False}).requested() == 11


@pytest.mark.parametrize(
    ("data", "actual"),
    [
        # Live: an empty page of customers(first: 1) still cost 3; a product that is not there, 1.
        pytest.param({"customers": {"nodes": []}}, 3, id="empty-page"),
        pytest.param({"customers": {"nodes": [{"id": "1"}]}}, 3, id="one-node"),
    ],
)
def test_actual_cost_follows_the_answer(data: dict[str, Any], actual: int) -> None:
    assert cost('query { customers(first: 1, query: "x") { nodes { id } } }').actual(data) == actual


def test_actual_cost_of_a_missing_object_and_a_short_page() -> None:
    query = 'query { product(id: "gid://shopify/Product/1") {'
    query += " variants(first: 250) { nodes { id image { url } } } } }"
    assert cost(query).actual({"product": None}) == 1
    two = {
        "product": {"variants": {"nodes": [{"id": "a", "image": None}, {"id": "b", "image": {"url": "u"}}]}}
    }
    assert cost(query).actual(two) == 1 + 2 + connection_size(2) * (1 + 1)
