"""The Shopify store's Admin REST API, read with the official `shopify` package and plain HTTP."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import shopify

from sandbox.catalog import Catalog
from sandbox.settings import SandboxSettings
from sandbox.shopify import ShopifyStore, ids
from tests.shapes import assert_same_shape, sample

VERSION = "2025-07"
# 120 products: enough for the catalog's ugly cases (a 120-variant product at key 96, a price never
# set at key 112) and for several pages, small enough to build in a blink.
CATALOG = Catalog(7, 120)
REST = "shopify/rest_2025-07"
LINK = re.compile(r'<(?P<url>[^>]+)>; rel="(?P<rel>previous|next)"')


@pytest.fixture
def shop(serve) -> tuple[ShopifyStore, str]:
    store = ShopifyStore(CATALOG.copy(), SandboxSettings(seed=7))
    return store, serve(store)


@pytest.fixture
def api(shop) -> Iterator[Any]:
    """GET `path` under /admin/api/2025-07/ with the store's token, over one keep-alive session."""
    store, url = shop
    with requests.Session() as session:
        session.headers["X-Shopify-Access-Token"] = store.token

        def get(path: str, **params: Any) -> requests.Response:
            target = path if path.startswith("http") else f"{url}/admin/api/{VERSION}/{path}"
            return session.get(target, params=params)

        yield get


@pytest.fixture
def official(shop) -> Iterator[Any]:
    """The `shopify` package, its session on the sandbox.

    The package only builds https://{name}.myshopify.com/admin/api/{version}; the least intrusive
    change is to activate a normal session (token header, version) and then point the `site` every
    resource class reads at the loopback server. Paths, headers and Link parsing stay the package's.
    """
    store, url = shop
    shopify.ShopifyResource.activate_session(
        shopify.Session("ferry-sandbox.myshopify.com", VERSION, store.token)
    )
    shopify.ShopifyResource.site = f"{url}/admin/api/{VERSION}"
    yield shopify
    shopify.ShopifyResource.clear_session()


def links(response: requests.Response) -> dict[str, str]:
    header = response.headers.get("Link")
    if header is None:
        return {}
    parts = header.split(", ")
    found = [LINK.fullmatch(part) for part in parts]
    assert all(found), f"Link header not in Shopify's format: {header}"
    return {match["rel"]: match["url"] for match in found if match}


def key_with(test) -> int:
    return next(product.key for product in CATALOG.products() if test(product))


# -- the official client ---------------------------------------------------------------------------
def test_official_client_pages_every_product_by_page_info(official) -> None:
    page = official.Product.find(limit=17)
    seen = [product.id for product in page]
    while page.has_next_page():
        page = page.next_page()
        seen += [product.id for product in page]
    assert len(seen) == len(set(seen)) == official.Product.count() == len(CATALOG)


def test_official_client_pages_every_product_by_since_id(official) -> None:
    seen: list[int] = []
    while True:
        page = official.Product.find(since_id=seen[-1] if seen else 0, limit=25)
        if not page:
            break
        seen += [product.id for product in page]
    assert seen == sorted(seen)
    assert len(set(seen)) == official.Product.count() == len(CATALOG)


def test_official_client_reads_the_shop_and_its_call_limit(official) -> None:
    assert official.Shop.current().plan_name == "professional"
    assert official.Limits.credit_limit() == 40
    assert 1 <= official.Limits.credit_used() <= 40


def test_default_order_is_by_title_and_since_id_orders_by_id(api) -> None:
    titles = [p["title"] for p in api("products.json", limit=250).json()["products"]]
    assert titles == sorted(titles, key=str.casefold) and len(titles) == len(CATALOG)
    by_id = [p["id"] for p in api("products.json", limit=250, since_id=0).json()["products"]]
    assert by_id == sorted(by_id)


# -- shapes against the published examples ----------------------------------------------------------
IMAGED = key_with(lambda p: p.images and p.options and any(v.image_index is not None for v in p.variants))


@pytest.mark.parametrize(
    ("path", "params", "published"),
    [
        pytest.param("products.json", {}, "GET_products.json", id="products"),
        pytest.param(
            f"products/{ids.product_id(IMAGED)}.json", {}, "GET_products_632910392.json", id="product"
        ),
        pytest.param(
            "products.json",
            {"since_id": ids.product_id(IMAGED)},
            "GET_products_since_id_632910392.json",
            id="since-id",
        ),
        pytest.param(
            "products.json",
            {"fields": "id,images,title"},
            "GET_products_fields_id,images,title.json",
            id="fields",
        ),
        pytest.param("products/count.json", {}, "GET_products_count.json", id="count"),
        pytest.param("shop.json", {}, "GET_shop.json", id="shop"),
        pytest.param(
            f"products/{ids.product_id(IMAGED)}/variants.json",
            {},
            "GET_products_632910392_variants.json",
            id="variants",
        ),
        pytest.param(
            f"products/{ids.product_id(IMAGED)}/images.json",
            {},
            "GET_products_632910392_images.json",
            id="images",
        ),
    ],
)
def test_payloads_have_the_published_shapes(api, path: str, params: dict[str, Any], published: str) -> None:
    reply = api(path, **params)
    assert reply.status_code == 200
    assert_same_shape(sample(f"{REST}/{published}"), reply.json())


def test_product_values_are_typed_as_shopify_types_them(api) -> None:
    product = api(f"products/{ids.product_id(IMAGED)}.json").json()["product"]
    source = CATALOG.get(IMAGED)
    assert product["tags"] == ", ".join(source.tags)
    assert product["admin_graphql_api_id"] == f"gid://shopify/Product/{product['id']}"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d", product["updated_at"])
    for variant, original in zip(product["variants"], source.variants, strict=True):
        assert variant["price"] == f"{original.price:.2f}"
        assert variant["title"] == " / ".join(original.option_values)
        assert variant["inventory_management"] == ("shopify" if original.inventory_tracked else None)
    linked = {image["id"]: image["variant_ids"] for image in product["images"]}
    for variant in product["variants"]:
        if variant["image_id"] is not None:
            assert variant["id"] in linked[variant["image_id"]]
    assert product["image"] == (product["images"][0] if product["images"] else None)


def test_a_simple_product_has_the_default_title_option(api) -> None:
    key = key_with(lambda p: p.is_simple)
    product = api(f"products/{ids.product_id(key)}.json").json()["product"]
    assert [(o["name"], o["values"]) for o in product["options"]] == [("Title", ["Default Title"])]
    [variant] = product["variants"]
    assert (variant["title"], variant["option1"], variant["option2"]) == (
        "Default Title",
        "Default Title",
        None,
    )


@pytest.mark.parametrize(
    ("key", "check"),
    [
        pytest.param(112, lambda p: p["variants"][0]["price"] == "0.00", id="price-never-set-reads-0.00"),
        pytest.param(52, lambda p: {v["sku"] for v in p["variants"]} == {""}, id="no-sku-reads-empty"),
        pytest.param(96, lambda p: len(p["variants"]) == 100, id="at-most-100-variants"),
    ],
)
def test_ugly_catalog_cases_render_as_on_shopify(api, key: int, check) -> None:
    assert check(api(f"products/{ids.product_id(key)}.json").json()["product"])


def test_metafields_keep_their_json_types(api) -> None:
    key = key_with(lambda p: any(m.type == "number_integer" for m in p.metafields))
    fields = api(f"products/{ids.product_id(key)}/metafields.json").json()["metafields"]
    values = {f["key"]: f["value"] for f in fields}
    assert isinstance(values["warranty_years"], int) and values["material"] in {
        "Cotton",
        "Linen",
        "Wool",
        "Hemp",
    }
    assert {f["owner_resource"] for f in fields} == {"product"}


def test_fields_trims_every_product_to_the_listed_keys(api) -> None:
    products = api("products.json", fields="id,title,nonsense").json()["products"]
    assert products and all(list(p) == ["id", "title"] for p in products)


# -- pagination ------------------------------------------------------------------------------------
def test_link_header_has_shopifys_exact_format(api) -> None:
    first = api("products.json", limit=10)
    assert list(links(first)) == ["next"]
    second = api(links(first)["next"])
    assert list(links(second)) == ["previous", "next"]
    back = api(links(second)["previous"])
    assert [p["id"] for p in back.json()["products"]] == [p["id"] for p in first.json()["products"]]


def test_a_single_page_has_no_link_header(api) -> None:
    reply = api("products.json", limit=250)
    assert "Link" not in reply.headers and len(reply.json()["products"]) == len(CATALOG)


def test_page_info_carries_the_first_requests_filters(api) -> None:
    reply, drafts = api("products.json", status="draft", limit=2), []
    while True:
        drafts += reply.json()["products"]
        if "next" not in links(reply):
            break
        assert "status" not in links(reply)["next"]
        reply = api(links(reply)["next"])
    assert {p["status"] for p in drafts} == {"draft"}
    assert len(drafts) == api("products/count.json", status="draft").json()["count"] > 2


def test_page_info_is_opaque_base64_json(api) -> None:
    token = re.search(r"page_info=([^&>]+)", api("products.json", limit=1).headers["Link"])[1]
    decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    assert {"direction", "last_id", "last_value"} <= set(decoded)


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"status": "active"}, id="status"),
        pytest.param({"updated_at_min": "2024-01-01T00:00:00-05:00"}, id="updated_at_min"),
        pytest.param({"since_id": "1"}, id="since_id"),
        pytest.param({"vendor": "Acme Goods"}, id="vendor"),
    ],
)
def test_filters_beside_page_info_are_rejected(api, extra: dict[str, str]) -> None:
    following = links(api("products.json", limit=3))["next"]
    reply = api(following, **extra)
    [name] = extra
    assert reply.status_code == 400
    assert reply.json() == {
        "errors": {
            name: f"{name} cannot be passed when page_info is present. "
            "See https://shopify.dev/api/usage/pagination-rest for more information."
        }
    }
    assert api(following, fields="id").status_code == 200


# -- filters ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"vendor": "Acme Goods"}, lambda p: p.vendor == "Acme Goods", id="vendor"),
        pytest.param({"product_type": "Dress"}, lambda p: p.product_type == "Dress", id="product_type"),
        pytest.param({"status": "archived,draft"}, lambda p: p.status != "active", id="status-list"),
        pytest.param({"published_status": "unpublished"}, lambda p: p.published_at is None, id="unpublished"),
        pytest.param(
            {"ids": f"{ids.product_id(3)},{ids.product_id(5)}"}, lambda p: p.key in {3, 5}, id="ids"
        ),
        pytest.param({"since_id": ids.product_id(100)}, lambda p: p.key > 100, id="since_id"),
        pytest.param({"handle": CATALOG.get(9).handle}, lambda p: p.key == 9, id="handle"),
        pytest.param(
            {"created_at_max": "2024-06-01T00:00:00Z"},
            lambda p: p.created_at < datetime(2024, 6, 1, tzinfo=UTC),
            id="created_at_max",
        ),
    ],
)
def test_list_filters_and_count_agree_with_the_catalog(api, params: dict[str, Any], expected) -> None:
    wanted = {ids.product_id(p.key) for p in CATALOG.products() if expected(p)}
    listed = {p["id"] for p in api("products.json", limit=250, **params).json()["products"]}
    assert listed == wanted and wanted
    assert api("products/count.json", **params).json() == {"count": len(wanted)}


def test_catalog_changes_show_up_in_updated_at_min(shop, api) -> None:
    _, url = shop
    since = (datetime.now(UTC) - timedelta(seconds=1)).isoformat(timespec="seconds")
    assert api("products/count.json", updated_at_min=since).json() == {"count": 0}
    changed = requests.post(f"{url}/_sandbox/catalog/update", json={"count": 3}).json()["ids"]
    products = api("products.json", updated_at_min=since).json()["products"]
    assert sorted(p["id"] for p in products) == sorted(changed)
    assert all(p["title"].endswith("(updated)") for p in products)
    assert api("products/count.json", updated_at_min=since).json() == {"count": 3}


def test_collections_are_the_catalog_categories(api) -> None:
    product = CATALOG.get(key_with(lambda p: len(p.category_keys) == 2))
    product_id = ids.product_id(product.key)
    names = {CATALOG.category(key).name for key in product.category_keys}
    held = api("custom_collections.json", product_id=product_id).json()["custom_collections"]
    assert {c["title"] for c in held} == names
    collects = api("collects.json", product_id=product_id).json()["collects"]
    assert {c["collection_id"] for c in collects} == {c["id"] for c in held}
    for collection in held:
        members = api("products.json", collection_id=collection["id"], limit=250).json()["products"]
        assert product_id in {p["id"] for p in members}
        count = api(f"custom_collections/{collection['id']}.json").json()["custom_collection"][
            "products_count"
        ]
        assert (
            count
            == len(members)
            == api("collects/count.json", collection_id=collection["id"]).json()["count"]
        )
    every = api("custom_collections.json", limit=250).json()["custom_collections"]
    assert {c["title"] for c in every} == {c.name for c in CATALOG.categories}


def test_access_scopes_are_unversioned(shop, api) -> None:
    _, url = shop
    reply = api(f"{url}/admin/oauth/access_scopes.json")
    assert {"handle": "read_products"} in reply.json()["access_scopes"]
    assert api(f"{url}/admin/api/{VERSION}/oauth/access_scopes.json").status_code == 404


# -- versions --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("prefix", "served"),
    [
        pytest.param(f"/admin/api/{VERSION}", VERSION, id="current"),
        pytest.param("/admin/api/2025-01", "2025-01", id="older-supported"),
        pytest.param("/admin/api/2019-04", "2024-10", id="unsupported-falls-forward"),
        pytest.param("/admin", "2024-10", id="no-version-gets-oldest"),
        pytest.param("/admin/api/2025-05", "2025-07", id="between-releases"),
        pytest.param("/admin/api/unstable", "unstable", id="unstable"),
    ],
)
def test_any_well_formed_version_is_served(shop, api, prefix: str, served: str) -> None:
    _, url = shop
    reply = api(f"{url}{prefix}/products/count.json")
    assert reply.status_code == 200 and reply.headers["X-Shopify-API-Version"] == served


@pytest.mark.parametrize("version", ["2025-13", "latest", "25-07"])
def test_a_malformed_version_is_not_found(shop, api, version: str) -> None:
    _, url = shop
    reply = api(f"{url}/admin/api/{version}/products.json")
    assert (reply.status_code, reply.json()) == (404, {"errors": "Not Found"})


# -- errors ----------------------------------------------------------------------------------------
INVALID_TOKEN = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
NO_WRITE_SCOPE = {"errors": "[API] This action requires merchant approval for write_products scope."}


@pytest.mark.parametrize(
    ("path", "params", "headers", "status", "body"),
    [
        pytest.param(
            "products.json", {}, {"X-Shopify-Access-Token": "shpat_wrong"}, 401, INVALID_TOKEN, id="bad-token"
        ),
        pytest.param("products.json", {}, {"X-Shopify-Access-Token": ""}, 401, INVALID_TOKEN, id="no-token"),
        pytest.param("orders/nowhere.json", {}, {}, 404, {"errors": "Not Found"}, id="unknown-route"),
        pytest.param(
            f"products/{ids.product_id(10_000)}.json", {}, {}, 404, {"errors": "Not Found"}, id="no-product"
        ),
        pytest.param(
            "products.json",
            {"limit": 999},
            {},
            400,
            {"errors": "Limit exceeds maximum limit of 250"},
            id="limit-999",
        ),
        pytest.param(
            "products.json", {"limit": 0}, {}, 400, {"errors": {"limit": "Invalid value."}}, id="limit-0"
        ),
        pytest.param(
            "products.json",
            {"limit": "abc"},
            {},
            400,
            {"errors": {"limit": "Invalid value."}},
            id="limit-abc",
        ),
        pytest.param(
            "products.json",
            {"page_info": "garbled"},
            {},
            400,
            {"errors": {"page_info": "Invalid value."}},
            id="page-info",
        ),
        pytest.param(
            "products.json",
            {"updated_at_min": "yesterday"},
            {},
            400,
            {"errors": {"updated_at_min": "Invalid value."}},
            id="bad-date",
        ),
    ],
)
def test_bad_requests_get_shopifys_errors(shop, path: str, params, headers, status: int, body) -> None:
    store, url = shop
    sent = {"X-Shopify-Access-Token": store.token, **headers}
    reply = requests.get(f"{url}/admin/api/{VERSION}/{path}", params=params, headers=sent)
    assert (reply.status_code, reply.json()) == (status, body)
    assert re.fullmatch(r"\d+/40", reply.headers["X-Shopify-Shop-Api-Call-Limit"])


@pytest.mark.parametrize(
    ("method", "path", "token", "status", "body"),
    [
        pytest.param("POST", "products.json", "store", 403, NO_WRITE_SCOPE, id="write-needs-scope"),
        pytest.param(
            "DELETE", f"products/{ids.product_id(1)}.json", "store", 403, NO_WRITE_SCOPE, id="delete"
        ),
        pytest.param("POST", "products.json", "shpat_wrong", 401, INVALID_TOKEN, id="write-bad-token"),
        pytest.param("POST", "graphql.json", "shpat_wrong", 401, INVALID_TOKEN, id="graphql-bad-token"),
    ],
)
def test_writes_and_graphql_check_the_token_first(shop, method, path, token, status: int, body) -> None:
    store, url = shop
    sent = store.token if token == "store" else token
    reply = requests.request(
        method, f"{url}/admin/api/{VERSION}/{path}", json={}, headers={"X-Shopify-Access-Token": sent}
    )
    assert (reply.status_code, reply.json()) == (status, body)


# -- rate limits and faults ------------------------------------------------------------------------
def test_the_standard_bucket_overflows_into_429(shop, api) -> None:
    store, url = shop
    levels, throttled = [], None
    for _ in range(120):  # the bucket holds 40 and leaks 2 a second: quick calls overflow it
        reply = api("shop.json")
        if reply.status_code == 429:
            throttled = reply
            break
        levels.append(int(reply.headers["X-Shopify-Shop-Api-Call-Limit"].split("/")[0]))
    assert throttled is not None, "40 quick calls never filled the bucket"
    assert levels[0] == 1 and max(levels) == 40 and len(levels) >= 40
    assert throttled.headers["Retry-After"] == "2.0"
    assert throttled.headers["X-Shopify-Shop-Api-Call-Limit"] == "40/40"
    assert throttled.json() == {
        "errors": "Exceeded 2 calls per second for api client. "
        "Reduce request rates to resume uninterrupted service."
    }
    # GraphQL has its own cost-based limit: it is neither refused nor counted here.
    graphql = requests.post(
        f"{url}/admin/api/{VERSION}/graphql.json",
        json={"query": "{ shop { name } }"},
        headers={"X-Shopify-Access-Token": store.token},
    )
    assert graphql.status_code == 200 and "X-Shopify-Shop-Api-Call-Limit" not in graphql.headers
    time.sleep(float(throttled.headers["Retry-After"]))
    assert api("shop.json").status_code == 200


@pytest.mark.parametrize(
    ("fault", "status", "check"),
    [
        pytest.param("error_next", 503, lambda r: r.json() == {"errors": "Service Unavailable"}, id="error"),
        pytest.param(
            "rate_limit_next",
            429,
            lambda r: r.headers["Retry-After"] == "2.0" and r.json()["errors"].startswith("Exceeded 2 calls"),
            id="rate-limit",
        ),
        pytest.param("malformed_next", 200, lambda r: r.text.startswith('{"products":['), id="malformed"),
    ],
)
def test_faults_come_back_shopify_shaped(shop, api, fault: str, status: int, check) -> None:
    _, url = shop
    requests.post(f"{url}/_sandbox/faults", json={fault: 1, "match": "products"}).raise_for_status()
    reply = api("products.json")
    assert reply.status_code == status and check(reply)
    assert "X-Shopify-Shop-Api-Call-Limit" in reply.headers
    if fault == "malformed_next":
        with pytest.raises(ValueError):
            reply.json()
    assert api("products.json").status_code == 200
