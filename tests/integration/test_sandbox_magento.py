"""The fake Magento store over real HTTP with `requests` (Magento has no official Python client):
tokens, searchCriteria paging and its last-page quirk, filters, store views, configurables, the
published shapes, errors and faults, and catalog changes seen through an updated_at filter."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import yaml

from sandbox.catalog import DUPLICATE_SKU_EVERY, LONG_OPTION_NAME, NO_SKU_EVERY, Catalog
from sandbox.magento import MagentoStore
from sandbox.settings import SandboxSettings
from tests.shapes import SAMPLES, assert_same_shape, sample

PRODUCTS = 150  # enough for every ugly case of the generator (no SKU, duplicate SKU, long option...)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
NOT_AUTHORIZED = "The consumer isn't authorized to access %resources."
NO_ROUTE = {"message": "Request does not match any route."}
Group = list[tuple[str, str, str | None]]
Sort = tuple[tuple[str, str | None], ...]
TOKEN_ERRORS = sample("magento/magento2_tests_transcribed/ERRORS_from_AdminTokenServiceTest.json")


class Magento:
    """A served store and a session that sends the integration token."""

    def __init__(self, store: MagentoStore, url: str) -> None:
        self.store = store
        self.url = url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {store.integration_token}"

    def get(self, path: str, params: Any = None, store: str | None = None) -> requests.Response:
        prefix = f"/rest/{store}" if store else "/rest"
        return self.session.get(f"{self.url}{prefix}/V1{path}", params=params)

    def search(self, *filters: Group, sort: Sort = (), **extra: Any) -> dict[str, Any]:
        """GET /V1/products with these filter groups, sort orders and other keys, answered 200."""
        reply = self.get("/products", criteria(*filters, sort=sort, **extra))
        assert reply.status_code == 200, reply.text
        return reply.json()

    def all_items(self, store: str | None = None) -> list[dict[str, Any]]:
        reply = self.get("/products", {"searchCriteria": ""}, store)
        assert reply.status_code == 200, reply.text
        return reply.json()["items"]


def criteria(*groups: Group, sort: Sort = (), **extra: Any) -> dict[str, Any]:
    """searchCriteria query parameters: filter groups of (field, value, condition or None), sort
    orders of (field, direction or None), and pageSize/currentPage."""
    params: dict[str, Any] = {}
    for g, group in enumerate(groups):
        for f, (field, value, condition) in enumerate(group):
            prefix = f"searchCriteria[filter_groups][{g}][filters][{f}]"
            params[f"{prefix}[field]"] = field
            params[f"{prefix}[value]"] = value
            if condition is not None:
                params[f"{prefix}[condition_type]"] = condition
    for index, (field, direction) in enumerate(sort):
        params[f"searchCriteria[sortOrders][{index}][field]"] = field
        if direction is not None:
            params[f"searchCriteria[sortOrders][{index}][direction]"] = direction
    for key, value in extra.items():
        params[f"searchCriteria[{key}]"] = value
    return params or {"searchCriteria": ""}


def custom(item: dict[str, Any], code: str) -> Any:
    return next(
        (entry["value"] for entry in item["custom_attributes"] if entry["attribute_code"] == code), None
    )


def ids(items: list[dict[str, Any]] | None) -> list[int]:
    return [item["id"] for item in items or []]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog(11, PRODUCTS)


@pytest.fixture
def magento(serve, catalog: Catalog) -> Iterator[Magento]:
    store = MagentoStore(catalog.copy(), SandboxSettings(seed=11, products=PRODUCTS))
    client = Magento(store, serve(store))
    yield client
    client.session.close()


@pytest.fixture
def items(magento: Magento) -> list[dict[str, Any]]:
    return magento.all_items()


# -- paging ---------------------------------------------------------------------------------------
def test_paging_the_whole_catalog_meets_the_last_page_quirk(magento: Magento, catalog: Catalog) -> None:
    sort = (("entity_id", "ASC"),)
    seen: list[int] = []
    page = 1
    while True:
        body = magento.search(pageSize=50, currentPage=page, sort=sort)
        seen += ids(body["items"])
        assert body["search_criteria"]["page_size"] == 50 and body["search_criteria"]["current_page"] == page
        if page * 50 >= body["total_count"]:
            break
        page += 1
    entities = sum(1 if product.is_simple else 1 + len(product.variants) for product in catalog.products())
    assert body["total_count"] == entities == len(seen) == len(set(seen))
    assert seen == sorted(seen)
    # Magento clamps a page past the end to the last page (Data\Collection::getCurPage).
    past = magento.search(pageSize=50, currentPage=page + 1, sort=sort)
    assert ids(past["items"]) == ids(body["items"]) and past["items"]
    assert past["search_criteria"]["current_page"] == page + 1
    assert past["total_count"] == entities
    assert ids(magento.search(pageSize=50, currentPage=0, sort=sort)["items"]) == seen[:50]


def test_the_empty_mode_answers_no_items_past_the_last_page(serve, catalog: Catalog) -> None:
    settings = SandboxSettings(seed=11, products=PRODUCTS, magento_past_last_page="empty")
    store = MagentoStore(catalog.copy(), settings)
    magento = Magento(store, serve(store))
    body = magento.search(pageSize=50, currentPage=10_000)
    assert body["items"] == [] and body["total_count"] > 0


def test_without_page_size_every_row_comes_and_the_echo_has_no_paging(magento: Magento, items) -> None:
    body = magento.search()
    assert len(body["items"]) == body["total_count"] == len(items)
    assert body["search_criteria"] == {"filter_groups": []}
    assert ids(magento.search(currentPage=3)["items"]) == ids(items)


# -- tokens ---------------------------------------------------------------------------------------
def token(magento: Magento, body: Any) -> requests.Response:
    return requests.post(f"{magento.url}/rest/V1/integration/admin/token", json=body)


def test_an_admin_token_is_a_json_string_that_opens_the_api_for_four_hours(magento: Magento) -> None:
    reply = token(magento, {"username": "admin", "password": magento.store.admin_password})
    assert reply.status_code == 200
    admin = reply.json()
    assert isinstance(admin, str) and admin
    bearer = {"Authorization": f"Bearer {admin}"}
    assert requests.get(f"{magento.url}/rest/V1/store/storeViews", headers=bearer).status_code == 200
    magento.store.clock = lambda: datetime.now(UTC).timestamp() + 4 * 3600 + 1
    expired = requests.get(f"{magento.url}/rest/V1/store/storeViews", headers=bearer)
    assert expired.status_code == 401
    # The integration token does not expire.
    assert magento.get("/store/storeViews").status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        pytest.param(
            {"username": "admin", "password": "wrong"},
            401,
            TOKEN_ERRORS[
                "POST /V1/integration/admin/token with wrong credentials (also after lockout) -> HTTP 401"
            ],
            id="wrong-password",
        ),
        pytest.param(
            {"username": "", "password": ""},
            400,
            TOKEN_ERRORS["POST /V1/integration/admin/token with empty username/password -> HTTP 400"],
            id="empty-credentials",
        ),
        pytest.param(
            {"username": "admin"},
            400,
            {
                "message": '"%fieldName" is required. Enter and try again.',
                "parameters": {"fieldName": "password"},
            },
            id="one-field-missing",
        ),
    ],
)
def test_bad_credentials_get_magentos_bodies(magento: Magento, body, status, expected) -> None:
    reply = token(magento, body)
    assert reply.status_code == status
    assert reply.json() == expected


def test_a_malformed_json_body_is_a_decoding_error(magento: Magento) -> None:
    reply = requests.post(
        f"{magento.url}/rest/V1/integration/admin/token",
        data='{"username": "admin",',
        headers={"Content-Type": "application/json"},
    )
    assert reply.status_code == 400
    assert reply.json() == {"message": "Decoding error."}


@pytest.mark.parametrize(
    ("path", "resource"),
    [
        pytest.param("/products?searchCriteria", "Magento_Catalog::products", id="products"),
        pytest.param("/products/anything/media", "Magento_Catalog::catalog", id="media"),
        pytest.param(
            "/products/attributes/color/options", "Magento_Catalog::attributes_attributes", id="options"
        ),
        pytest.param("/configurable-products/x/children", "Magento_Catalog::products", id="children"),
        pytest.param("/categories", "Magento_Catalog::categories", id="categories"),
        pytest.param("/store/storeViews", "Magento_Backend::store", id="store-views"),
    ],
)
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic YWRtaW46YWRtaW4="])
def test_without_a_valid_token_each_route_names_its_acl_resource(
    magento, path, resource, authorization
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    reply = requests.get(f"{magento.url}/rest/V1{path}", headers=headers)
    assert reply.status_code == 401
    assert reply.json() == {"message": NOT_AUTHORIZED, "parameters": {"resources": resource}}


# -- filters ---------------------------------------------------------------------------------------
def price_of(item: dict[str, Any]) -> float | None:
    return item.get("price")


CONDITIONS = [
    pytest.param(
        [("type_id", "configurable", None)], lambda i: i["type_id"] == "configurable", id="eq-default"
    ),
    pytest.param(
        [("type_id", "CONFIGURABLE", "eq")], lambda i: i["type_id"] == "configurable", id="eq-no-case"
    ),
    pytest.param([("type_id", "configurable", "neq")], lambda i: i["type_id"] != "configurable", id="neq"),
    pytest.param([("price", "50", "gt")], lambda i: (price_of(i) or -1) > 50, id="gt"),
    pytest.param([("price", "59", "gteq")], lambda i: (price_of(i) or -1) >= 59, id="gteq"),
    pytest.param([("price", "20", "lt")], lambda i: price_of(i) is not None and price_of(i) < 20, id="lt"),
    pytest.param(
        [("price", "19.99", "lteq")], lambda i: price_of(i) is not None and price_of(i) <= 19.99, id="lteq"
    ),
    pytest.param([("name", "%shirt%", "like")], lambda i: "shirt" in i["name"].lower(), id="like"),
    pytest.param([("name", "%shirt%", "nlike")], lambda i: "shirt" not in i["name"].lower(), id="nlike"),
    pytest.param([("entity_id", "1,2,3,1001", "in")], lambda i: i["id"] in {1, 2, 3, 1001}, id="in"),
    pytest.param([("entity_id", "1,2,3", "nin")], lambda i: i["id"] not in {1, 2, 3}, id="nin"),
    pytest.param(
        [("special_price", "", "notnull")], lambda i: custom(i, "special_price") is not None, id="notnull"
    ),
    pytest.param([("special_price", "", "null")], lambda i: custom(i, "special_price") is None, id="null"),
    pytest.param(
        [("created_at", "2024-06-01 00:00:00", "from")], lambda i: i["created_at"] >= "2024-06-01", id="from"
    ),
    pytest.param(
        [("created_at", "2024-06-01", "to")], lambda i: i["created_at"] <= "2024-06-01 00:00:00", id="to"
    ),
    pytest.param([("color", "16", "finset")], lambda i: custom(i, "color") == "16", id="finset"),
    pytest.param(
        [("category_id", "5", None)], lambda i: "5" in (custom(i, "category_ids") or []), id="category"
    ),
    pytest.param(
        [("url_key", "%-1_-%", "like")],
        lambda i: re.search(r"-1.-", custom(i, "url_key")),
        id="like-one-char",
    ),
    # An unknown condition type falls through Pdo\Mysql::prepareSqlCondition to equality.
    pytest.param(
        [("type_id", "configurable", "moreq")], lambda i: i["type_id"] == "configurable", id="unknown-is-eq"
    ),
    pytest.param(
        [("type_id", "configurable", "eq"), ("visibility", "1", "eq")],
        lambda i: i["type_id"] == "configurable" or i["visibility"] == 1,
        id="or-within-a-group",
    ),
]


@pytest.mark.parametrize(("group", "expected"), CONDITIONS)
def test_each_condition_type_selects_what_mysql_would(magento: Magento, items, group, expected) -> None:
    body = magento.search(group)
    wanted = [item["id"] for item in items if expected(item)]
    assert wanted, "the case must select something to prove anything"
    assert ids(body["items"]) == wanted
    assert body["total_count"] == len(wanted)


def test_groups_are_anded(magento: Magento, items) -> None:
    body = magento.search([("type_id", "simple", None)], [("visibility", "1", None)])
    children = [item["id"] for item in items if item["visibility"] == 1]
    assert ids(body["items"]) == children and children
    assert magento.search([("type_id", "configurable", None)], [("visibility", "1", None)])["items"] == []


def test_both_spellings_filter_alike_and_echo_in_snake_case(magento: Magento) -> None:
    camel = {
        "searchCriteria[filterGroups][0][filters][0][field]": "price",
        "searchCriteria[filterGroups][0][filters][0][value]": "100",
        "searchCriteria[filterGroups][0][filters][0][conditionType]": "gt",
        "searchCriteria[sortOrders][0][field]": "price",
        "searchCriteria[sortOrders][0][direction]": "desc",
        "searchCriteria[pageSize]": "20",
    }
    snake = {
        key.replace("filterGroups", "filter_groups").replace("conditionType", "condition_type"): value
        for key, value in camel.items()
    }
    one, two = magento.get("/products", camel).json(), magento.get("/products", snake).json()
    assert ids(one["items"]) == ids(two["items"]) and one["items"]
    assert one["search_criteria"] == {
        "filter_groups": [{"filters": [{"field": "price", "value": "100", "condition_type": "gt"}]}],
        "sort_orders": [{"field": "price", "direction": "DESC"}],
        "page_size": 20,
    }
    prices = [item["price"] for item in one["items"]]
    assert prices == sorted(prices, reverse=True)


def test_a_sort_order_without_direction_sorts_descending(magento: Magento, items) -> None:
    body = magento.search(sort=(("entity_id", None),))
    assert ids(body["items"]) == sorted(ids(items), reverse=True)


def test_fields_trim_the_response(magento: Magento) -> None:
    reply = magento.get("/products", {**criteria(pageSize=3), "fields": "items[sku,name]"})
    assert list(reply.json()) == ["items"]
    assert all(set(item) == {"sku", "name"} for item in reply.json()["items"])
    reply = magento.get(
        "/products",
        {**criteria(pageSize=3), "fields": "items[id,extension_attributes[stock_item[qty]]],total_count"},
    )
    first = reply.json()["items"][0]
    assert set(reply.json()) == {"items", "total_count"}
    assert set(first) == {"id", "extension_attributes"} and set(
        first["extension_attributes"]["stock_item"]
    ) == {"qty"}


# -- bad searchCriteria ----------------------------------------------------------------------------
def type_error(value: str, kind: str, *fields: str) -> dict[str, str]:
    """The input processor's type error, wrapped once per object it sits in."""
    message = f'The "{value}" value\'s type is invalid. The "{kind}" type was expected. Verify and try again.'
    for field in reversed(fields):
        message = f'Error occurred during "{field}" processing. {message}'
    return {"message": message}


INVALID_ATTRIBUTE = 'The "%1" attribute name is invalid. Reset the name and try again.'
SORT_ORDER = "The sort order has to be specified as %1 for ascending order or %2 for descending order."
REQUIRED = '"%fieldName" is required. Enter and try again.'


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param(
            {}, {"message": REQUIRED, "parameters": {"fieldName": "searchCriteria"}}, id="no-criteria"
        ),
        pytest.param(
            {"searchCriteria[pageSize]": "ten"}, type_error("ten", "int", "pageSize"), id="page-size-nan"
        ),
        pytest.param(
            {"searchCriteria[filter_groups][0][filters][0][field][x]": "sku"},
            type_error("array", "string", "filter_groups", "filters", "field"),
            id="nested-type-error",
        ),
        pytest.param(
            criteria([("colour", "1", None)]),
            {"message": INVALID_ATTRIBUTE, "parameters": ["colour"]},
            id="unknown-field",
        ),
        pytest.param(
            {"searchCriteria[filter_groups][0][filters][0][value]": "1"},
            {"message": INVALID_ATTRIBUTE, "parameters": [None]},
            id="filter-without-field",
        ),
        pytest.param(
            {
                "searchCriteria[sortOrders][0][field]": "name",
                "searchCriteria[sortOrders][0][direction]": "up",
            },
            {"message": SORT_ORDER, "parameters": ["ASC", "DESC"]},
            id="bad-direction",
        ),
    ],
)
def test_bad_search_criteria_get_magentos_errors(magento: Magento, params, expected) -> None:
    reply = magento.get("/products", params)
    assert reply.status_code == 400
    assert reply.json() == expected


def test_a_400_with_positional_parameters_has_the_published_shape(magento: Magento) -> None:
    reply = magento.get("/products", criteria([("colour", "1", None)]))
    assert_same_shape(sample("magento/adobedocs/ERROR_PUT_V1_products_sku_400.response.json"), reply.json())


def test_an_unknown_criteria_property_is_a_masked_internal_error(magento: Magento) -> None:
    reply = magento.get("/products", {"searchCriteria[page]": "2"})
    assert reply.status_code == 500
    assert re.fullmatch(
        r"Internal Error\. Details are available in Magento log file\. Report ID: webapi-[0-9a-f]{13}",
        reply.json()["message"],
    )


# -- store views -----------------------------------------------------------------------------------
def test_store_views_show_their_own_values(magento: Magento, items) -> None:
    simple = next(item for item in items if item["type_id"] == "simple" and item["visibility"] == 4)
    path = f"/products/{simple['sku']}"
    default, french = magento.get(path, store="default").json(), magento.get(path, store="fr").json()
    assert magento.get(path).json() == default == magento.get(path, store="all").json()
    assert french["id"] == default["id"] and french.get("price") == default.get("price")
    assert french["name"] != default["name"] and default["name"] in french["name"]
    assert custom(french, "description") != custom(default, "description")
    listed = {item["id"]: item["name"] for item in magento.all_items(store="fr")}
    assert listed[simple["id"]] == french["name"]
    views = magento.get("/store/storeViews").json()
    assert {"code": "fr", "name": "French Store View"}.items() <= next(
        v for v in views if v["code"] == "fr"
    ).items()


def test_an_unknown_store_code_matches_no_route_before_any_token_check(magento: Magento) -> None:
    reply = requests.get(f"{magento.url}/rest/nowhere/V1/products", params={"searchCriteria": ""})
    assert reply.status_code == 404
    assert reply.json() == NO_ROUTE


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/rest/V1/nothing", id="unknown-path"),
        pytest.param("DELETE", "/rest/V1/products", id="wrong-method"),
        pytest.param("GET", "/rest/default/V1", id="no-resource"),
    ],
)
def test_unknown_routes_answer_magentos_404(magento: Magento, method, path) -> None:
    reply = magento.session.request(method, magento.url + path)
    assert reply.status_code == 404
    assert reply.json() == NO_ROUTE


def test_a_path_outside_rest_is_the_storefronts_404_page(magento: Magento) -> None:
    reply = magento.session.get(f"{magento.url}/V1/products")
    assert reply.status_code == 404
    assert reply.headers["Content-Type"].startswith("text/html")


# -- configurable products -------------------------------------------------------------------------
def test_configurable_children_match_the_parents_links_and_options(magento: Magento, items) -> None:
    parents = [item for item in items if item["type_id"] == "configurable"]
    assert parents
    for parent in parents[:8]:
        extension = parent["extension_attributes"]
        children = magento.get(f"/configurable-products/{parent['sku']}/children").json()
        assert ids(children) == extension["configurable_product_links"]
        options = magento.get(f"/configurable-products/{parent['sku']}/options/all").json()
        assert options == extension["configurable_product_options"]
        assert parent["price"] == 0 and parent["visibility"] == 4
        for option in extension["configurable_product_options"]:
            attribute = magento.get(f"/products/attributes/{parent_code(magento, option)}").json()
            labels = {entry["value"]: entry["label"] for entry in attribute["options"]}
            allowed = {str(value["value_index"]) for value in option["values"]}
            for child in children:
                value = custom(child, attribute["attribute_code"])
                assert value in allowed and labels[value] in child["name"]
                assert child["visibility"] == 1 and child["type_id"] == "simple"
    assert {child["id"] for child in items if child["visibility"] == 1} == {
        link for parent in parents for link in parent["extension_attributes"]["configurable_product_links"]
    }


def parent_code(magento: Magento, option: dict[str, Any]) -> str:
    """The attribute code behind a configurable option's attribute id."""
    codes = ["size", "color", "material", "choose_your_preferred_gift_wra"]
    return next(
        code
        for code in codes
        if str(magento.get(f"/products/attributes/{code}").json()["attribute_id"]) == option["attribute_id"]
    )


def test_a_simple_product_has_no_children_and_no_configurable_options(magento: Magento, items) -> None:
    simple = next(item for item in items if item["type_id"] == "simple" and item["visibility"] == 4)
    assert magento.get(f"/configurable-products/{simple['sku']}/children").json() == []
    reply = magento.get(f"/configurable-products/{simple['sku']}/options/all")
    assert reply.status_code == 400
    assert reply.json() == {
        "message": 'This is implemented for the "%1" configurable product only.',
        "parameters": [simple["sku"]],
    }


def test_the_long_option_name_becomes_a_cut_attribute_code(magento: Magento, catalog: Catalog) -> None:
    attribute = magento.get("/products/attributes/choose_your_preferred_gift_wra").json()
    assert attribute["default_frontend_label"] == LONG_OPTION_NAME
    labels = [
        entry["label"]
        for entry in magento.get("/products/attributes/choose_your_preferred_gift_wra/options").json()
    ]
    assert labels == [" ", "Kraft paper", "Linen pouch", "No wrapping"]


# -- catalog mapping -------------------------------------------------------------------------------
def test_skus_are_unique_and_the_ugly_cases_are_rendered_as_documented(
    magento: Magento, items, catalog: Catalog
) -> None:
    skus = [item["sku"].casefold() for item in items]
    assert len(skus) == len(set(skus))
    no_sku = catalog.get(NO_SKU_EVERY - 1)
    by_id = {item["id"]: item for item in items}
    assert by_id[no_sku.key * 1000 + 1]["sku"] == no_sku.handle
    original, duplicate = catalog.get(DUPLICATE_SKU_EVERY - 2), catalog.get(DUPLICATE_SKU_EVERY - 1)
    assert duplicate.variants[0].sku == original.variants[0].sku
    first_of = {
        product.key: product.key * 1000 + (1 if product.is_simple else 2) for product in (original, duplicate)
    }
    assert by_id[first_of[original.key]]["sku"] == original.variants[0].sku
    assert by_id[first_of[duplicate.key]]["sku"] == original.variants[0].sku + "-1"
    found = magento.get(f"/products/{original.variants[0].sku.lower()}").json()
    assert found["id"] == first_of[original.key]


def test_item_values_follow_magentos_conventions(items, catalog: Catalog) -> None:
    by_key = {product.key: product for product in catalog.products()}
    for item in items:
        product = by_key[(item["id"] - 1) // 1000]
        assert DATE.match(item["created_at"]) and DATE.match(item["updated_at"])
        assert item["status"] == (1 if product.status == "active" else 2)
        stock = item["extension_attributes"]["stock_item"]
        if not product.variants[0].inventory_tracked:
            assert stock["manage_stock"] is False and stock["is_in_stock"] is True
        if item["type_id"] == "simple":
            variant = (
                product.variants[0] if product.is_simple else product.variants[(item["id"] - 1) % 1000 - 1]
            )
            assert ("price" in item) == (variant.price is not None)
            if variant.compare_at_price:
                assert item["price"] == float(variant.compare_at_price)
                assert custom(item, "special_price") == f"{variant.price:.6f}"
            assert custom(item, "ean") == variant.barcode
        if item["visibility"] == 4:
            assert custom(item, "category_ids") == ([str(key + 2) for key in product.category_keys] or None)
            assert (
                custom(item, "material") is not None
                and custom(item, "care_instructions") == "Wash cold.\nDry flat."
            )


def test_media_urls_are_built_from_the_store_config(magento: Magento, items) -> None:
    item = next(item for item in items if item["media_gallery_entries"])
    config = next(entry for entry in magento.get("/store/storeConfigs").json() if entry["code"] == "default")
    file = item["media_gallery_entries"][0]["file"]
    assert re.fullmatch(r"/\w/\w/[\w.-]+\.jpg", file)
    assert config["base_media_url"] + "catalog/product" + file == f"{magento.url}/media/catalog/product{file}"
    assert magento.get(f"/products/{item['sku']}/media").json() == item["media_gallery_entries"]


def test_store_configs_can_be_asked_for_by_code(magento: Magento) -> None:
    assert [entry["code"] for entry in magento.get("/store/storeConfigs", {"storeCodes[]": "fr"}).json()] == [
        "fr"
    ]
    assert [entry["code"] for entry in magento.get("/store/storeConfigs").json()] == ["default", "fr"]


# -- published shapes --------------------------------------------------------------------------------
def string_valued(item: dict[str, Any]) -> dict[str, Any]:
    """The item without array-valued custom attributes (category_ids), which the published example
    types as string although real data holds arrays there (api-notes §3.6)."""
    attributes = [entry for entry in item["custom_attributes"] if not isinstance(entry["value"], list)]
    return {**item, "custom_attributes": attributes}


def test_items_have_the_published_create_response_shapes(items) -> None:
    simple = next(
        i
        for i in items
        if i["type_id"] == "simple" and "weight" in i and "category_links" in i["extension_attributes"]
    )
    parent = next(
        i for i in items if i["type_id"] == "configurable" and "category_links" in i["extension_attributes"]
    )
    child_sample = sample("magento/adobedocs/POST_V1_products_simple_MS-Champ-S.response.json")
    parent_sample = sample("magento/adobedocs/POST_V1_products_configurable_MS-Champ.response.json")
    parent_sample.pop("weight")  # the request sent one; a configurable parent has no weight of its own
    assert_same_shape(child_sample, string_valued(simple), extra_ok=True)
    assert_same_shape(parent_sample, string_valued(parent), extra_ok=True)
    assert custom(simple, "category_ids") == [
        entry["category_id"] for entry in simple["extension_attributes"]["category_links"]
    ]


def test_lists_media_categories_and_options_have_the_published_shapes(magento: Magento, items) -> None:
    listing = magento.get(
        "/products", criteria([("type_id", "configurable", "eq")], [("visibility", "4", "eq")])
    )
    envelope = sample("magento/adobedocs/GET_V1_eav_attribute-sets_list_searchCriteria.response.json")
    assert set(listing.json()) == set(envelope)
    assert_same_shape(envelope["search_criteria"], listing.json()["search_criteria"])
    with_media = next(item for item in items if len(item["media_gallery_entries"]) > 1)
    media = magento.get(f"/products/{with_media['sku']}/media").json()
    assert_same_shape(sample("magento/adobedocs/GET_V1_products_MJ03_media.response.json"), media)
    assert_same_shape(
        sample("magento/adobedocs/GET_V1_categories.response.json"), magento.get("/categories").json()
    )
    attribute = sample("magento/adobedocs/GET_V1_products_attribute-sets_9_attributes.response.json")[0]
    size = magento.get("/products/attributes/size").json()
    assert_same_shape(attribute, size, extra_ok=True)
    assert_same_shape(attribute["options"], magento.get("/products/attributes/size/options").json())


@pytest.mark.parametrize(
    ("path", "definition"),
    [
        pytest.param("/store/storeViews", "store-data-store-interface", id="store-views"),
        pytest.param("/store/storeConfigs", "store-data-store-config-interface", id="store-configs"),
    ],
)
def test_store_answers_carry_every_field_the_schema_requires(magento: Magento, path, definition) -> None:
    schema = yaml.safe_load((SAMPLES / "magento/admin-schema-2.4.8.EXCERPT.yaml").read_text())
    required = set(schema["definitions"][definition]["required"])
    entries = magento.get(path).json()
    assert entries and all(required <= set(entry) for entry in entries)


# -- categories ------------------------------------------------------------------------------------
def test_the_category_tree_counts_products_and_honours_root_and_depth(magento: Magento, items) -> None:
    tree = magento.get("/categories").json()
    assert (tree["id"], tree["level"], tree["product_count"]) == (2, 1, 0)
    shirts = magento.get("/categories", {"rootCategoryId": 5}).json()
    assert shirts["name"] == "Shirts" and shirts["children_data"] == []
    assert shirts["product_count"] == sum("5" in (custom(item, "category_ids") or []) for item in items)
    shallow = magento.get("/categories", {"depth": 1}).json()
    assert shallow["children_data"] and all(
        child["children_data"] == [] for child in shallow["children_data"]
    )
    missing = magento.get("/categories", {"rootCategoryId": 999})
    assert missing.status_code == 404
    assert missing.json() == {
        "message": "No such entity with %fieldName = %fieldValue",
        "parameters": {"fieldName": "id", "fieldValue": 999},
    }


def test_categories_by_id_and_by_search_criteria(magento: Magento) -> None:
    men = magento.get("/categories/4").json()
    assert (men["name"], men["path"], men["level"], men["children"]) == ("Men", "1/2/3/4", 3, "5,6")
    listed = magento.get("/categories/list", criteria([("level", "2", "eq")])).json()
    assert [item["name"] for item in listed["items"]] == [
        "Apparel",
        "Home",
        "Outdoor",
        "Beauty",
        "Accessories",
    ]
    assert listed["total_count"] == 5
    assert magento.get("/categories/abc").json() == type_error("abc", "int")


# -- faults and changes ------------------------------------------------------------------------------
def test_faults_answer_magentos_masked_error_and_a_proxy_page(magento: Magento) -> None:
    faults = f"{magento.url}/_sandbox/faults"
    requests.post(faults, json={"error_next": 1, "error_status": 500}).raise_for_status()
    reply = magento.get("/store/storeViews")
    assert reply.status_code == 500 and reply.json()["message"].startswith("Internal Error.")
    assert magento.get("/store/storeViews").status_code == 200
    requests.post(faults, json={"error_next": 1, "error_status": 503}).raise_for_status()
    reply = magento.get("/store/storeViews")
    assert reply.status_code == 503 and reply.headers["Content-Type"].startswith("text/html")


def test_catalog_changes_show_through_an_updated_at_filter(magento: Magento, catalog: Catalog) -> None:
    before = (datetime.now(UTC) - timedelta(seconds=2)).strftime("%Y-%m-%d %H:%M:%S")
    assert magento.search([("updated_at", before, "gt")])["total_count"] == 0
    changed = next(product for product in catalog.products() if not product.is_simple)
    control = f"{magento.url}/_sandbox/catalog"
    reply = requests.post(f"{control}/update", json={"ids": [changed.key * 1000 + 1]})
    assert reply.json()["ids"] == [changed.key * 1000 + 1]
    found = magento.search([("updated_at", before, "gt")])["items"]
    assert ids(found) == [changed.key * 1000 + 1 + n for n in range(len(changed.variants) + 1)]
    assert all(item["name"].startswith(changed.title + " (updated)") for item in found)
    added = requests.post(f"{control}/add", json={"count": 1}).json()["ids"]
    assert ids(
        magento.search([("updated_at", before, "gt")], [("visibility", "4", None)])["items"]
    ) == sorted([changed.key * 1000 + 1, *added])
    gone = found[0]["sku"]
    requests.post(f"{control}/delete", json={"ids": [changed.key * 1000 + 1]}).raise_for_status()
    reply = magento.get(f"/products/{gone}")
    assert reply.status_code == 404
    assert reply.json() == {
        "message": "The product that was requested doesn't exist. Verify the product and try again."
    }
