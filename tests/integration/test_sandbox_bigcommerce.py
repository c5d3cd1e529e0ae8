"""The BigCommerce store's REST API, read with the official `bigcommerce` package and plain HTTP."""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import bigcommerce
import pytest
import requests

from sandbox.bigcommerce import BigCommerceStore, ids
from sandbox.catalog import Catalog, Product
from sandbox.settings import SandboxSettings
from tests.shapes import assert_same_shape, sample

# 120 products: enough for the catalog's ugly cases (no SKU at key 52, a SKU shared with the previous
# product at key 70, a price never set at key 112) and for several pages.
CATALOG = Catalog(7, 120)
SAMPLES = "bigcommerce/openapi_examples"
TYPE = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"
RATE_HEADERS = (
    "X-Rate-Limit-Time-Window-Ms",
    "X-Rate-Limit-Time-Reset-Ms",
    "X-Rate-Limit-Requests-Quota",
    "X-Rate-Limit-Requests-Left",
)


@pytest.fixture
def shop(serve) -> tuple[BigCommerceStore, str]:
    store = BigCommerceStore(CATALOG.copy(), SandboxSettings(seed=7))
    return store, serve(store)


@pytest.fixture
def api(shop) -> Iterator[Any]:
    """GET `path` under /stores/{store_hash} with the store's token, over one keep-alive session."""
    store, url = shop
    with requests.Session() as session:
        session.headers["X-Auth-Token"] = store.token

        def get(path: str, **params: Any) -> requests.Response:
            return session.get(f"{url}/stores/{store.store_hash}{path}", params=params)

        yield get


@pytest.fixture
def everything(api) -> list[dict[str, Any]]:
    """Every product with its variants, in id order."""
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        body = api("/v3/catalog/products", include="variants", limit=250, page=page).json()
        found += body["data"]
        if page >= body["meta"]["pagination"]["total_pages"]:
            return found
        page += 1


def pid_with(test) -> int:
    return ids.product_id(next(product.key for product in CATALOG.products() if test(product)))


def multi_variant(product: Product) -> bool:
    return len(product.variants) > 1


# -- the official client --------------------------------------------------------------------------
def test_official_client_pages_every_product(shop) -> None:
    """`bigcommerce.connection` builds "https://" + host + "/stores/{hash}/v2/..." for relative paths
    but sends any URL starting with "http" as it is (Connection._run_method), so the package reaches
    the sandbox through its own OAuthConnection, token header and response handling, unpatched."""
    store, url = shop
    client = bigcommerce.api.BigcommerceApi(
        client_id="ferry-sandbox", store_hash=store.store_hash, access_token=store.token
    )
    connection = client.connection
    endpoint = f"{url}/stores/{store.store_hash}/v3/catalog/products"
    seen: list[dict[str, Any]] = []
    page, pages = 1, 1
    while page <= pages:
        body = connection.get(endpoint, page=page, limit=50, include="variants,images,custom_fields")
        seen += body["data"]
        pages = body["meta"]["pagination"]["total_pages"]
        page += 1
    assert pages == 3
    assert len(seen) == body["meta"]["pagination"]["total"] == len(CATALOG)
    assert len({product["id"] for product in seen}) == len(seen)
    assert all({"variants", "images", "custom_fields"} <= product.keys() for product in seen)
    assert all(product["variants"] for product in seen)
    # The package read the quota headers of the last answer (OAuthConnection._handle_response).
    assert connection.rate_limit["requests_quota"] == 150
    assert connection.rate_limit["requests_remaining"] == 150 - 3


def test_official_client_reads_filters_with_colons_and_refuses_a_bad_token(shop) -> None:
    store, url = shop
    endpoint = f"{url}/stores/{store.store_hash}/v3/catalog/products"
    good = bigcommerce.api.BigcommerceApi(
        client_id="x", store_hash=store.store_hash, access_token=store.token
    )
    body = good.connection.get(endpoint, **{"id:in": "2,4,6"})
    assert [product["id"] for product in body["data"]] == [2, 4, 6]
    bad = bigcommerce.api.BigcommerceApi(client_id="x", store_hash=store.store_hash, access_token="wrong")
    with pytest.raises(bigcommerce.exception.ClientRequestException) as raised:
        bad.connection.get(endpoint)
    assert raised.value.response.status_code == 401


# -- shapes ---------------------------------------------------------------------------------------
def _fixed_variants_sample() -> Any:
    """The published variants example shows `map_price: {}`; the spec says number and a real
    response (the dev-docs hoodie) shows 0."""
    published = copy.deepcopy(sample(f"{SAMPLES}/GET_v3_catalog_products_{{product_id}}_variants.200.json"))
    for item in published["data"]:
        item["map_price"] = 0
    return published


@pytest.mark.parametrize(
    ("path", "params", "published", "pick"),
    [
        pytest.param(
            "/v3/catalog/products",
            {"limit": 10, "sort": "name"},
            sample("bigcommerce/dev-docs/GET_v3_catalog_products_limit10_sort_name.200.json")["data"][0],
            lambda body: body["data"][0],
            id="product-in-list",
        ),
        pytest.param(
            "/v3/catalog/products/{multi}",
            {},
            sample(f"{SAMPLES}/GET_v3_catalog_products_{{product_id}}.200.json"),
            lambda body: body,
            id="one-product",
        ),
        pytest.param(
            "/v3/catalog/products/{simple}",
            {"include": "variants,images,primary_image,videos,custom_fields,bulk_pricing_rules,reviews"},
            sample("bigcommerce/dev-docs/POST_v3_catalog_products_hoodie.200.json"),
            lambda body: body,
            id="product-with-sub-resources",
        ),
        pytest.param(
            "/v3/catalog/products/{multi}/variants",
            {},
            _fixed_variants_sample(),
            lambda body: body,
            id="variants",
        ),
        pytest.param(
            "/v3/catalog/products/{multi}/images",
            {},
            sample(f"{SAMPLES}/GET_v3_catalog_products_{{product_id}}_images.200.json"),
            lambda body: body,
            id="images",
        ),
        pytest.param(
            "/v3/catalog/products/{multi}/custom-fields",
            {},
            sample(f"{SAMPLES}/POST_v3_catalog_products.200.json")["custom_fields"][0],
            lambda body: body["data"][0],
            id="custom-fields",
        ),
        pytest.param(
            "/v2/store", {}, sample(f"{SAMPLES}/GET_v2_store.200.json"), lambda body: body, id="v2-store"
        ),
        pytest.param(
            "/v2/time", {}, sample(f"{SAMPLES}/GET_v2_time.200.json"), lambda body: body, id="v2-time"
        ),
    ],
)
def test_responses_have_the_published_shapes(api, path, params, published, pick) -> None:
    with_images = pid_with(lambda p: multi_variant(p) and len(p.images) >= 2)
    simple = pid_with(lambda p: p.is_simple and p.images)
    reply = api(path.format(multi=with_images, simple=simple), **params)
    assert reply.status_code == 200
    assert_same_shape(published, pick(reply.json()))


def test_prices_are_json_numbers_and_dates_are_utc(api) -> None:
    product = api("/v3/catalog/products/1", include="variants").json()["data"]
    assert isinstance(product["price"], int | float) and not isinstance(product["price"], bool)
    assert all(isinstance(variant["calculated_price"], int | float) for variant in product["variants"])
    assert product["date_modified"].endswith("+00:00") and product["date_created"].endswith("+00:00")


# -- paging ---------------------------------------------------------------------------------------
def test_pagination_links_echo_the_request(api) -> None:
    first = api("/v3/catalog/products", limit=10, sort="name").json()["meta"]["pagination"]
    assert first == {
        "total": 120,
        "count": 10,
        "per_page": 10,
        "current_page": 1,
        "total_pages": 12,
        "links": {"current": "?limit=10&sort=name&page=1", "next": "?limit=10&sort=name&page=2"},
    }
    middle = api("/v3/catalog/products", limit=10, sort="name", page=2).json()["meta"]["pagination"]
    assert middle["links"] == {
        "previous": "?limit=10&sort=name&page=1",
        "current": "?limit=10&sort=name&page=2",
        "next": "?limit=10&sort=name&page=3",
    }
    last = api("/v3/catalog/products", page=3).json()["meta"]["pagination"]
    assert last["links"] == {"previous": "?page=2&limit=50", "current": "?page=3&limit=50"}
    assert last["count"] == 20
    colons = api("/v3/catalog/products", **{"include": "variants,images", "id:in": "1,2"}).json()
    assert colons["meta"]["pagination"]["links"] == {
        "current": "?include=variants%2Cimages&id%3Ain=1%2C2&page=1&limit=50"
    }


def test_a_page_past_the_end_is_empty(api) -> None:
    body = api("/v3/catalog/products", page=9).json()
    assert body["data"] == []
    assert body["meta"]["pagination"]["current_page"] == 9
    assert body["meta"]["pagination"]["total_pages"] == 3
    assert "next" not in body["meta"]["pagination"]["links"]


def test_options_or_modifiers_limit_a_page_to_ten(api) -> None:
    for include in ("options", "modifiers"):
        body = api("/v3/catalog/products", include=include, limit=50).json()
        assert len(body["data"]) == body["meta"]["pagination"]["per_page"] == 10


def test_options_come_from_the_catalog(api) -> None:
    pid = pid_with(lambda p: len(p.options) == 2)
    product = api(f"/v3/catalog/products/{pid}", include="options,variants").json()["data"]
    values = {value["id"] for option in product["options"] for value in option["option_values"]}
    used = {value["id"] for variant in product["variants"] for value in variant["option_values"]}
    assert len(product["options"]) == 2 and used == values


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"include_fields": "name,price"}, {"id", "name", "price"}, id="include-fields"),
        pytest.param(
            {"include_fields": "name", "include": "variants"}, {"id", "name", "variants"}, id="includes-stay"
        ),
        pytest.param({"exclude_fields": "id,description"}, None, id="exclude-fields"),
    ],
)
def test_include_and_exclude_fields(api, params, expected) -> None:
    product = api("/v3/catalog/products", limit=1, **params).json()["data"][0]
    if expected is None:
        assert "id" in product and "description" not in product and "name" in product
    else:
        assert set(product) == expected


# -- errors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("headers", "store_hash", "path", "status", "body"),
    [
        pytest.param({}, None, "/v3/catalog/products", 401, "X-Auth-Token header is required", id="no-token"),
        pytest.param(
            {"X-Auth-Token": ""},
            None,
            "/v3/catalog/products",
            401,
            "X-Auth-Token header should have correct format",
            id="empty-token",
        ),
        pytest.param(
            {"X-Auth-Client": "ferry"},
            None,
            "/v2/time",
            401,
            "X-Auth-Token header is required",
            id="client-id-only",
        ),
        pytest.param(
            {"X-Auth-Token": "wrong"},
            None,
            "/v3/catalog/products",
            401,
            {"status": 401, "title": "Unauthorized", "type": TYPE, "errors": {}},
            id="wrong-token",
        ),
        pytest.param(
            None,
            "abcdefghij",
            "/v3/catalog/products",
            403,
            {
                "status": 403,
                "title": "You don't have a required scope to access the endpoint",
                "type": TYPE,
                "errors": {},
            },
            id="wrong-store-hash",
        ),
        pytest.param(
            {}, None, "/v3/catalog/nothing", 404, "The route is not found, check the URL", id="no-route"
        ),
    ],
)
def test_gateway_errors(shop, headers, store_hash, path, status, body) -> None:
    store, url = shop
    sent = {"X-Auth-Token": store.token} if headers is None else headers
    reply = requests.get(f"{url}/stores/{store_hash or store.store_hash}{path}", headers=sent)
    assert reply.status_code == status
    if isinstance(body, str):
        assert reply.headers["Content-Type"].startswith("text/plain")
        assert reply.text == body
    else:
        assert reply.json() == body
    # Refused before the store: no quota spent, no quota headers.
    assert not set(RATE_HEADERS) & set(reply.headers)


def test_unknown_product_is_a_v3_404(api) -> None:
    reply = api("/v3/catalog/products/999999")
    assert reply.status_code == 404
    assert reply.json()["status"] == 404 and reply.json()["type"] == TYPE


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        pytest.param({"limit": 999}, 413, "limit", id="limit-over-max"),
        pytest.param({"limit": 0}, 422, "limit", id="limit-zero"),
        pytest.param({"limit": "ten"}, 422, "limit", id="limit-not-a-number"),
        pytest.param({"page": 0}, 422, "page", id="page-zero"),
        pytest.param({"page": "x"}, 422, "page", id="page-not-a-number"),
        pytest.param({"sort": "colour"}, 422, "sort", id="unknown-sort"),
        pytest.param({"direction": "sideways"}, 422, "direction", id="bad-direction"),
        pytest.param({"include": "variants,gifts"}, 422, "include", id="unknown-include"),
        pytest.param({"id:in": "1,two"}, 422, "id:in", id="bad-id-list"),
        pytest.param({"is_visible": "maybe"}, 422, "is_visible", id="bad-boolean"),
        pytest.param({"date_modified:min": "last tuesday"}, 422, "date_modified:min", id="bad-date"),
    ],
)
def test_bad_parameters_get_bigcommerce_errors(api, params, status, field) -> None:
    reply = api("/v3/catalog/products", **params)
    assert reply.status_code == status
    body = reply.json()
    assert set(body) == {"status", "title", "type", "errors"}
    assert body["status"] == status and body["type"] == TYPE and field in body["errors"]
    assert set(RATE_HEADERS) <= set(reply.headers)  # the request reached the store: it counted


# -- filters and sorting --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "keep"),
    [
        pytest.param({"id:in": "3,5,8"}, lambda p: p["id"] in {3, 5, 8}, id="id-in"),
        pytest.param({"id:not_in": "1,2"}, lambda p: p["id"] not in {1, 2}, id="id-not-in"),
        pytest.param({"id:min": 10, "id:max": 20}, lambda p: 10 <= p["id"] <= 20, id="id-min-max"),
        pytest.param({"id:greater": 10, "id:less": 20}, lambda p: 10 < p["id"] < 20, id="id-greater-less"),
        pytest.param({"is_visible": "false"}, lambda p: not p["is_visible"], id="hidden"),
        pytest.param({"name:like": "shirt"}, lambda p: "shirt" in p["name"].lower(), id="name-like"),
        pytest.param({"categories:in": "3,14"}, lambda p: {3, 14} & set(p["categories"]), id="categories-in"),
        pytest.param({"brand_id": 2}, lambda p: p["brand_id"] == 2, id="brand"),
        pytest.param({"inventory_level:greater": 40}, lambda p: p["inventory_level"] > 40, id="stock"),
        pytest.param({"type": "physical"}, lambda p: True, id="type"),
        pytest.param(
            {"keyword": "linen"},
            lambda p: "linen" in (p["name"] + p["description"] + p["sku"]).lower(),
            id="keyword",
        ),
    ],
)
def test_filters(api, everything, params, keep) -> None:
    expected = [product["id"] for product in everything if keep(product)]
    body = api("/v3/catalog/products", limit=250, **params).json()
    assert [product["id"] for product in body["data"]] == expected
    assert body["meta"]["pagination"]["total"] == len(expected)
    assert expected


def test_sku_filters_find_a_simple_product(api, everything) -> None:
    product = next(p for p in everything if p["sku"])
    assert [p["id"] for p in api("/v3/catalog/products", sku=product["sku"]).json()["data"]] == [
        product["id"]
    ]
    found = api("/v3/catalog/products", **{"sku:in": f"{product['sku']},NOPE"}).json()["data"]
    assert [p["id"] for p in found] == [product["id"]]


@pytest.mark.parametrize(
    ("sort", "direction"),
    [
        pytest.param("price", "desc", id="price-desc"),
        pytest.param("name", "asc", id="name"),
        pytest.param("inventory_level", "asc", id="stock"),
        pytest.param("date_modified", "desc", id="date-desc"),
        pytest.param("id", "desc", id="id-desc"),
    ],
)
def test_sort_and_direction(api, everything, sort, direction) -> None:
    """Text sorts without regard to case; equal values keep id order in both directions."""

    def value(product: dict[str, Any]) -> Any:
        field = product[sort]
        return field.casefold() if isinstance(field, str) else field

    expected = sorted(everything, key=value, reverse=direction == "desc")
    body = api("/v3/catalog/products", limit=250, sort=sort, direction=direction).json()
    assert [p["id"] for p in body["data"]] == [p["id"] for p in expected]


# -- how the catalog renders ---------------------------------------------------------------------
def test_drafts_and_archived_products_are_hidden(everything) -> None:
    status = {ids.product_id(product.key): product.status for product in CATALOG.products()}
    for product in everything:
        assert product["is_visible"] == (status[product["id"]] == "active")
        assert (product["availability"] == "disabled") == (status[product["id"]] == "archived")
    assert {"draft", "archived"} <= set(status.values())


def test_skus_are_unique_in_the_store_and_missing_ones_are_empty(everything) -> None:
    skus = [
        variant["sku"].lower() for product in everything for variant in product["variants"] if variant["sku"]
    ]
    assert len(skus) == len(set(skus))
    by_id = {product["id"]: product for product in everything}
    shared = CATALOG.get(70).variants[0].sku
    assert shared == CATALOG.get(69).variants[0].sku  # the catalog's duplicate
    assert by_id[ids.product_id(69)]["variants"][0]["sku"] == shared  # the first holder keeps it
    assert by_id[ids.product_id(70)]["variants"][0]["sku"] == ""
    assert all(variant["sku"] == "" for variant in by_id[ids.product_id(52)]["variants"])


def test_a_price_never_set_inherits_the_product_price(everything) -> None:
    product = next(p for p in everything if p["id"] == ids.product_id(112))
    unset = [variant for variant in product["variants"] if variant["price"] is None]
    assert len(unset) == 1
    assert unset[0]["calculated_price"] == product["price"] > 0
    for simple in (p for p in everything if p["base_variant_id"] is not None):
        assert simple["variants"][0]["price"] == simple["price"] is not None


def test_sale_prices_show_as_bigcommerce_sale_prices(everything) -> None:
    on_sale = [variant for product in everything for variant in product["variants"] if variant["sale_price"]]
    assert on_sale
    assert all(v["calculated_price"] == v["sale_price"] < v["price"] for v in on_sale)


def test_stock_is_never_negative_and_variant_tracked_products_sum_it(everything) -> None:
    for product in everything:
        assert all(variant["inventory_level"] >= 0 for variant in product["variants"])
        if product["inventory_tracking"] == "variant":
            assert product["inventory_level"] == sum(v["inventory_level"] for v in product["variants"])


def test_categories_trees_and_brands(api) -> None:
    flat = api("/v3/catalog/categories", limit=250).json()["data"]
    tree = api("/v3/catalog/trees/categories", limit=250).json()["data"]
    nested = api("/v3/catalog/trees/1/categories").json()["data"]
    assert len(flat) == len(tree) == len(CATALOG.categories)
    assert {c["id"]: c["parent_id"] for c in flat} == {c["category_id"]: c["parent_id"] for c in tree}
    assert [root["name"] for root in nested] == [c["name"] for c in flat if c["parent_id"] == 0]
    assert api("/v3/catalog/trees").json()["data"] == [{"id": 1, "name": "Default", "channels": [1]}]
    children = api("/v3/catalog/categories", parent_id=1).json()["data"]
    assert children and all(c["parent_id"] == 1 for c in children)
    brands = api("/v3/catalog/brands", limit=250).json()["data"]
    assert {product.vendor for product in CATALOG.products()} <= {brand["name"] for brand in brands}


def test_a_product_without_images_answers_204(api) -> None:
    pid = pid_with(lambda p: not p.images)
    reply = api(f"/v3/catalog/products/{pid}/images")
    assert reply.status_code == 204 and reply.content == b""


# -- date_modified --------------------------------------------------------------------------------
def test_a_date_without_time_gets_the_current_time_of_day(shop, api) -> None:
    store, _ = shop
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if datetime.now(UTC) - midnight < timedelta(seconds=5):
        pytest.skip("the quirk cannot be told apart from midnight in the first seconds of a day")
    store.catalog.apply({"kind": "update", "keys": [10], "at": (midnight + timedelta(seconds=1)).isoformat()})
    today = midnight.date().isoformat()

    def found(value: str) -> list[int]:
        return [p["id"] for p in api("/v3/catalog/products", **{"date_modified:min": value}).json()["data"]]

    # "If the date modified:min does not include hours, minutes and seconds, the API automatically
    # adds the current time of the request to the date": today at the current time, not midnight.
    assert found(today) == []
    assert found(f"{today}T00:00:00Z") == [ids.product_id(10)]
    assert found(str(int(midnight.timestamp()))) == [ids.product_id(10)]  # unix seconds work too


def _change(url: str, kind: str, body: dict[str, Any]) -> None:
    assert requests.post(f"{url}/_sandbox/catalog/{kind}", json=body).status_code == 200


def test_catalog_changes_show_through_date_modified_min(shop, api) -> None:
    _, url = shop
    since = str(int(time.time()))
    updated = pid_with(multi_variant)
    repriced_simple = pid_with(lambda p: p.is_simple)
    repriced_multi = pid_with(lambda p: multi_variant(p) and ids.product_id(p.key) != updated)
    before = api(f"/v3/catalog/products/{repriced_multi}").json()["data"]["date_modified"]
    _change(url, "update", {"ids": [updated]})
    _change(url, "price", {"id": repriced_simple, "price": "12.34"})
    _change(url, "price", {"id": repriced_multi, "price": "23.45"})

    changed = api("/v3/catalog/products", **{"date_modified:min": since, "include": "variants"}).json()[
        "data"
    ]
    assert sorted(p["id"] for p in changed) == sorted([updated, repriced_simple])
    assert all(p["date_modified"] >= datetime.fromtimestamp(int(since), UTC).isoformat() for p in changed)

    # Only the variants of a product with options changed: BigCommerce leaves the product's
    # date_modified alone (see sandbox/bigcommerce/tracking.py), though the variants show the price.
    multi = api(f"/v3/catalog/products/{repriced_multi}", include="variants").json()["data"]
    assert multi["date_modified"] == before
    assert {variant["price"] for variant in multi["variants"]} == {23.45}


def test_a_deleted_product_is_gone(shop, api) -> None:
    _, url = shop
    _change(url, "delete", {"ids": [5]})
    assert api("/v3/catalog/products/5").status_code == 404
    assert api("/v3/catalog/products").json()["meta"]["pagination"]["total"] == len(CATALOG) - 1


# -- rate limits and faults -----------------------------------------------------------------------
def test_the_standard_quota_runs_out_with_a_429(shop, api) -> None:
    _, url = shop
    lefts = [int(api("/v2/time").headers["X-Rate-Limit-Requests-Left"]) for _ in range(150)]
    assert lefts == list(range(149, -1, -1))
    spent = api("/v3/catalog/products")
    assert spent.status_code == 429
    assert spent.headers["X-Rate-Limit-Requests-Quota"] == "150"
    assert spent.headers["X-Rate-Limit-Requests-Left"] == "0"
    assert spent.headers["X-Rate-Limit-Time-Window-Ms"] == "30000"
    reset_ms = int(spent.headers["X-Rate-Limit-Time-Reset-Ms"])
    assert 0 < reset_ms <= 30_000
    assert int(spent.headers["X-Retry-After"]) == math.ceil(reset_ms / 1000)
    assert spent.json()["status"] == 429
    requests.post(f"{url}/_sandbox/reset")
    assert api("/v2/time").status_code == 200


def test_a_pro_store_has_a_bigger_quota(serve) -> None:
    store = BigCommerceStore(CATALOG.copy(), SandboxSettings(seed=7, bigcommerce_plan="pro"))
    url = serve(store)
    reply = requests.get(f"{url}/stores/{store.store_hash}/v2/store", headers={"X-Auth-Token": store.token})
    assert reply.headers["X-Rate-Limit-Requests-Quota"] == "450"
    assert reply.json()["plan_name"] == "Pro"


def test_faults_come_in_bigcommerce_shapes(shop, api) -> None:
    _, url = shop
    requests.post(f"{url}/_sandbox/faults", json={"error_next": 1, "error_status": 503, "match": "products"})
    down = api("/v3/catalog/products")
    assert down.status_code == 503 and down.json()["status"] == 503
    assert api("/v3/catalog/products").status_code == 200

    # An injected 429 is the platform under load: "a 429 response without the API HTTP headers".
    requests.post(f"{url}/_sandbox/faults", json={"rate_limit_next": 1, "match": ""})
    busy = api("/v2/time")
    assert busy.status_code == 429
    assert not set(RATE_HEADERS) & set(busy.headers)
    assert api("/v2/time").status_code == 200
