"""The WooCommerce sandbox's refusals, as WooCommerce words them: bad or missing credentials
over every way of authenticating, the read-only key, bad parameters, malformed JSON, unknown
routes and missing ids."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from woocommerce import API

from sandbox.woocommerce import WooCommerceStore
from tests.integration.woocommerce_calls import (
    DOCS,
    Woo,
    client_as_if_https,
    error_body,
    oauth_header,
    serve_woo,
    signed_url,
    simple,
)
from tests.shapes import sample


@pytest.fixture
def woo(serve: Callable[[WooCommerceStore], str]) -> Woo:
    return serve_woo(serve)


@pytest.mark.parametrize(
    "way",
    [
        "oauth-client",
        "oauth-sha1",
        "oauth-header",
        "basic",
        "query-string",
        "client-basic",
        "client-query-string",
    ],
)
def test_every_documented_way_to_authenticate_is_accepted(woo: Woo, way: str) -> None:
    url, key, secret = woo.endpoint("products"), woo.creds["key"], woo.creds["secret"]
    calls = {
        "oauth-client": lambda: woo.api.get("products"),
        "oauth-sha1": lambda: requests.get(signed_url(url, "GET", key, secret, hashlib.sha1)),
        "oauth-header": lambda: requests.get(url, headers=oauth_header(signed_url(url, "GET", key, secret))),
        "basic": lambda: requests.get(url, auth=(key, secret)),
        "query-string": lambda: requests.get(url, params={"consumer_key": key, "consumer_secret": secret}),
        "client-basic": lambda: client_as_if_https(woo, query_string_auth=False).get("products"),
        "client-query-string": lambda: client_as_if_https(woo, query_string_auth=True).get("products"),
    }
    reply = calls[way]()
    assert reply.status_code == 200, reply.text
    assert reply.json() == []


@pytest.mark.parametrize(
    ("way", "expected"),
    [
        pytest.param(
            "basic-wrong-secret",
            error_body("woocommerce_rest_authentication_error", "Consumer secret is invalid."),
            id="basic-wrong-secret",
        ),
        pytest.param(
            "query-wrong-secret",
            error_body("woocommerce_rest_authentication_error", "Consumer secret is invalid."),
            id="query-wrong-secret",
        ),
        # An unknown key over Basic auth is no error at all: the request is anonymous.
        pytest.param(
            "basic-unknown-key",
            error_body("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
            id="basic-unknown-key",
        ),
        pytest.param(
            "no-credentials",
            error_body("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
            id="anonymous",
        ),
        pytest.param(
            "oauth-wrong-secret",
            error_body(
                "woocommerce_rest_authentication_error",
                "Invalid signature - provided signature does not match.",
            ),
            id="oauth-bad-signature",
        ),
        pytest.param(
            "oauth-unknown-key",
            error_body("woocommerce_rest_authentication_error", "Consumer key is invalid."),
            id="oauth-unknown-key",
        ),
        pytest.param(
            "oauth-old-timestamp",
            error_body("woocommerce_rest_authentication_error", "Invalid timestamp."),
            id="oauth-old-timestamp",
        ),
        pytest.param(
            "oauth-missing-nonce",
            error_body(
                "woocommerce_rest_authentication_missing_parameter", "Missing OAuth parameter oauth_nonce"
            ),
            id="oauth-missing-parameter",
        ),
    ],
)
def test_bad_credentials_get_woocommerces_401_bodies(woo: Woo, way: str, expected: dict[str, Any]) -> None:
    url, key, secret = woo.endpoint("products"), woo.creds["key"], woo.creds["secret"]
    calls = {
        "basic-wrong-secret": lambda: requests.get(url, auth=(key, "cs_wrong")),
        "query-wrong-secret": lambda: requests.get(
            url, params={"consumer_key": key, "consumer_secret": "cs_wrong"}
        ),
        "basic-unknown-key": lambda: requests.get(url, auth=("ck_unknown", secret)),
        "no-credentials": lambda: requests.get(url),
        "oauth-wrong-secret": lambda: API(url=woo.url, consumer_key=key, consumer_secret="cs_wrong").get(
            "products"
        ),
        "oauth-unknown-key": lambda: API(url=woo.url, consumer_key="ck_unknown", consumer_secret=secret).get(
            "products"
        ),
        "oauth-old-timestamp": lambda: requests.get(
            signed_url(url, "GET", key, secret, timestamp=int(time.time()) - 3600)
        ),
        "oauth-missing-nonce": lambda: requests.get(
            signed_url(url, "GET", key, secret).replace("oauth_nonce=", "x=")
        ),
    }
    reply = calls[way]()
    assert reply.status_code == 401
    assert reply.json() == expected


def test_an_oauth_nonce_cannot_be_used_twice(woo: Woo) -> None:
    url = signed_url(woo.endpoint("products"), "GET", woo.creds["key"], woo.creds["secret"], nonce="n0nce")
    assert requests.get(url).status_code == 200
    again = requests.get(url)
    assert again.status_code == 401
    assert again.json()["message"] == "Invalid nonce - nonce has already been used."


def test_the_read_only_key_reads_but_cannot_write(woo: Woo) -> None:
    read = (woo.creds["read_key"], woo.creds["read_secret"])
    assert requests.get(woo.endpoint("products"), auth=read).status_code == 200
    refused = requests.post(woo.endpoint("products"), auth=read, json=simple("R1"))
    assert refused.status_code == 401
    assert refused.json() == error_body(
        "woocommerce_rest_authentication_error", "The API key provided does not have write permissions."
    )
    assert woo.products() == []


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        pytest.param(
            {"per_page": 101},
            ("per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)"),
            id="per-page-101",
        ),
        pytest.param(
            {"per_page": "ten"}, ("per_page", "per_page is not of type integer."), id="per-page-text"
        ),
        pytest.param({"page": 0}, ("page", "page must be greater than or equal to 1"), id="page-0"),
        pytest.param(
            {"orderby": "rand"},
            (
                "orderby",
                "orderby is not one of date, id, include, title, slug, modified, price, popularity,"
                " and rating.",
            ),
            id="orderby",
        ),
        pytest.param({"modified_after": "yesterday"}, ("modified_after", "Invalid date."), id="bad-date"),
    ],
)
def test_bad_list_parameters_are_rest_invalid_param(
    woo: Woo, params: dict[str, Any], problem: tuple[str, str]
) -> None:
    reply = woo.get("products", **params)
    assert reply.status_code == 400
    body = reply.json()
    assert (body["code"], body["message"]) == ("rest_invalid_param", f"Invalid parameter(s): {problem[0]}")
    assert body["data"]["params"] == {problem[0]: problem[1]}
    assert body["data"]["details"][problem[0]]["message"] == problem[1]


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        pytest.param(
            {"type": "bundle"},
            ("type", "type is not one of simple, grouped, external, and variable."),
            id="type",
        ),
        pytest.param(
            {"status": "live"},
            (
                "status",
                "status is not one of draft, pending, private, publish, future, auto-draft, and trash.",
            ),
            id="status",
        ),
        pytest.param(
            {"regular_price": 9.5},
            ("regular_price", "regular_price is not of type string."),
            id="price-number",
        ),
        pytest.param(
            {"regular_price": "9,50"},
            ("regular_price", "regular_price does not match pattern ^(-?[0-9]+(\\.[0-9]+)?)?$."),
            id="price-text",
        ),
        pytest.param(
            {"stock_quantity": 1.5},
            ("stock_quantity", "stock_quantity is not of type integer."),
            id="quantity",
        ),
        pytest.param(
            {"images": [{"src": 5}]}, ("images", "images[0][src] is not of type string."), id="nested"
        ),
    ],
)
def test_bad_product_fields_are_rest_invalid_param(
    woo: Woo, payload: dict[str, Any], problem: tuple[str, str]
) -> None:
    reply = woo.post("products", {"name": "Bad", **payload})
    assert reply.status_code == 400
    assert reply.json()["data"]["params"] == {problem[0]: problem[1]}
    assert woo.products() == []


def test_malformed_json_unknown_routes_and_missing_ids(woo: Woo) -> None:
    broken = woo.http.post(
        woo.endpoint("products"), data=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json() == {
        "code": "rest_invalid_json",
        "message": "Invalid JSON body passed.",
        "data": {"status": 400, "json_error_code": 4, "json_error_message": "Syntax error"},
    }
    no_route = sample(DOCS + "ERROR_wp_rest_no_route_404.json")
    for reply in (woo.get("orders-of-magnitude"), woo.http.delete(woo.endpoint("products/batch"))):
        assert (reply.status_code, reply.json()) == (404, no_route)
    outside = requests.get(f"{woo.url}/shop/")
    assert outside.status_code == 404 and outside.headers["Content-Type"].startswith("text/html")
    invalid = {"code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID."}
    for reply, status in (
        (woo.get("products/999"), 404),
        (woo.http.put(woo.endpoint("products/999"), json={}), 400),
    ):
        assert reply.status_code == status
        assert reply.json() == {**invalid, "data": {"status": status}}
