"""The WooCommerce sandbox store through real HTTP and the official `woocommerce` client (OAuth
1.0a over plain http): products, variations, batches, SKUs, listing, terms, images, meta data,
faults, the capacity model and saved state. Refusals are in test_sandbox_woocommerce_errors.py."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import pytest
import requests

from sandbox.settings import SandboxSettings
from sandbox.woocommerce import WooCommerceStore
from tests.integration.woocommerce_calls import (
    DOCS,
    Woo,
    error_body,
    serve_woo,
    simple,
)
from tests.shapes import assert_same_shape, sample


@pytest.fixture
def woo(serve: Callable[[WooCommerceStore], str]) -> Woo:
    return serve_woo(serve)


# -- products ---------------------------------------------------------------------------------------
def test_the_official_client_creates_and_reads_back_a_product(woo: Woo) -> None:
    request = sample(DOCS + "POST_products_simple.request.json")
    created = woo.api.post("products", request)
    assert created.status_code == 201
    product = created.json()
    assert created.headers["Location"] == woo.endpoint(f"products/{product['id']}")
    assert_same_shape(sample(DOCS + "POST_products_simple.response.json"), product)
    read = woo.api.get(f"products/{product['id']}").json()
    assert_same_shape(sample(DOCS + "GET_products_794.response.json"), read)
    assert (read["name"], read["regular_price"], read["price"], read["slug"]) == (
        "Premium Quality",
        "21.99",
        "21.99",
        "premium-quality",
    )
    # Categories 9 and 14 do not exist here: the product falls back to the default category.
    assert read["categories"] == [{"id": 15, "name": "Uncategorized", "slug": "uncategorized"}]
    assert [image["src"].rsplit("/", 1)[-1] for image in read["images"]] == ["T_2_front.jpg", "T_2_back.jpg"]
    assert read["description"].startswith("<p>Pellentesque") and product["description"].startswith(
        "Pellentesque"
    )


def test_a_variable_product_gets_its_variations_through_a_batch(woo: Woo) -> None:
    color = woo.color()
    request = sample(DOCS + "POST_products_variable.request.json")
    request["attributes"][0]["id"] = request["default_attributes"][0]["id"] = color
    created = woo.api.post("products", request)
    assert created.status_code == 201
    parent = created.json()
    assert_same_shape(sample(DOCS + "POST_products_variable.response.json"), parent)
    assert parent["default_attributes"] == [
        {"id": color, "name": "Color", "option": "black"},
        {"id": 0, "name": "Size", "option": "S"},
    ]
    variations = [
        {
            "regular_price": "10.00",
            "sku": "SHIP-BS",
            "attributes": [{"id": color, "option": "Black"}, {"name": "Size", "option": "S"}],
        },
        {
            "regular_price": "12.00",
            "sku": "SHIP-GM",
            "attributes": [{"id": color, "option": "Green"}, {"name": "size", "option": "M"}],
        },
    ]
    reply = woo.api.post(f"products/{parent['id']}/variations/batch", {"create": variations})
    assert reply.status_code == 200
    answer = reply.json()
    assert list(answer) == ["create"]
    assert_same_shape(
        sample(DOCS + "POST_products_22_variations_batch.response.json")["create"][0], answer["create"][0]
    )
    # (POST_products_22_variations.response.json shows "status": true, a leftover of v2's `visible`.)
    listed = woo.api.get(f"products/{parent['id']}/variations").json()
    assert_same_shape(sample(DOCS + "GET_products_22_variations_list.response.json"), listed)
    assert {(item["sku"], item["price"]) for item in listed} == {("SHIP-BS", "10.00"), ("SHIP-GM", "12.00")}
    assert listed[0]["attributes"][0] == {"id": color, "name": "Color", "option": "Green"}
    again = woo.api.get(f"products/{parent['id']}").json()
    assert sorted(again["variations"]) == sorted(item["id"] for item in answer["create"])
    assert again["price"] == "10.00"


def test_variations_belong_to_their_parent(woo: Woo) -> None:
    shirt = woo.post(
        "products",
        {
            "name": "Shirt",
            "type": "variable",
            "attributes": [{"name": "Size", "variation": True, "options": ["S", "M"]}],
        },
    ).json()
    other = woo.post("products", {"name": "Other", "type": "variable"}).json()
    small = woo.post(
        f"products/{shirt['id']}/variations",
        {
            "regular_price": "5",
            "attributes": [{"name": "Size", "option": "S"}, {"name": "Color", "option": "Red"}],
        },
    ).json()
    assert small["attributes"] == [
        {"id": 0, "name": "Size", "option": "S"}
    ]  # not a parent attribute: skipped
    moved = woo.http.put(
        woo.endpoint(f"products/{other['id']}/variations/{small['id']}"), json={"regular_price": "6"}
    )
    assert moved.status_code == 401
    assert moved.json()["message"] == "Parent product does not match current variation."
    through_products = woo.http.put(woo.endpoint(f"products/{small['id']}"), json={"regular_price": "6"})
    assert through_products.json()["code"] == "woocommerce_rest_invalid_product_id"
    orphan = woo.post("products/999/variations", {"regular_price": "1"})
    assert (orphan.status_code, orphan.json()["code"]) == (
        404,
        "woocommerce_rest_product_variation_invalid_parent",
    )
    woo.http.delete(woo.endpoint(f"products/{shirt['id']}"), params={"force": "true"})
    assert (
        woo.get(f"products/{shirt['id']}/variations/{small['id']}").status_code == 404
    )  # deleted with its parent


def test_the_published_batch_example_runs_and_keeps_its_shape(woo: Woo) -> None:
    color = woo.color()
    variable = sample(DOCS + "POST_products_variable.request.json")
    variable["attributes"][0]["id"] = variable["default_attributes"][0]["id"] = color
    to_update = woo.post("products", variable).json()["id"]
    to_delete = woo.post("products", sample(DOCS + "POST_products_simple.request.json")).json()["id"]
    request = sample(DOCS + "POST_products_batch.request.json")
    request["update"][0]["id"] = to_update
    request["update"][0]["default_attributes"][0]["id"] = color
    request["delete"] = [to_delete]
    reply = woo.post("products/batch", request)
    assert reply.status_code == 200
    answer = reply.json()
    published = sample(DOCS + "POST_products_batch.response.json")
    # The docs' example predates WooCommerce 3.0's download ids, MD5 strings (schema type "string").
    published["create"][0]["downloads"][0]["id"] = "md5"
    for name in ("create", "update", "delete"):
        assert len(answer[name]) == len(published[name])
        for item in answer[name]:
            assert_same_shape(published[name][0], item)
    assert answer["update"][0]["default_attributes"][0]["option"] == "green"
    assert woo.get(f"products/{to_delete}").status_code == 404  # batch deletes are forced


def test_a_batch_of_more_than_100_objects_is_refused_whole(woo: Woo) -> None:
    reply = woo.api.post(
        "products/batch", {"create": [simple(f"B{n}") for n in range(60)], "delete": list(range(41))}
    )
    assert reply.status_code == 413
    assert reply.json() == error_body(
        "woocommerce_rest_request_entity_too_large",
        "Unable to accept more than 100 items for this request.",
        413,
    )
    assert woo.products() == []
    assert (
        woo.api.post("products/batch", {"create": [simple(f"B{n}") for n in range(100)]}).status_code == 200
    )
    assert len(woo.products()) == 100


def test_listing_pages_with_wordpress_headers(woo: Woo) -> None:
    woo.post("products/batch", {"create": [simple(f"P{n:02d}") for n in range(25)]})
    reply = woo.api.get("products", params={"per_page": 10, "page": 2})
    assert reply.status_code == 200
    assert (reply.headers["X-WP-Total"], reply.headers["X-WP-TotalPages"]) == ("25", "3")
    assert_same_shape(sample(DOCS + "GET_products_list.response.json"), reply.json())
    assert set(reply.links) == {"https://api.w.org/", "prev", "next"}
    assert "page=3" in reply.links["next"]["url"] and "page=1" in reply.links["prev"]["url"]
    # Newest first; ties on the second broken by id, so pages never overlap.
    seen = [item["sku"] for page in (1, 2, 3) for item in woo.get("products", per_page=10, page=page).json()]
    assert seen == [f"P{n:02d}" for n in reversed(range(25))]
    beyond = woo.get("products", per_page=10, page=4)
    assert beyond.json() == [] and beyond.headers["X-WP-Total"] == "25"
    ordered = woo.get("products", orderby="title", order="asc", per_page=3).json()
    assert [item["sku"] for item in ordered] == ["P00", "P01", "P02"]


def test_list_filters_select_as_woocommerce_does(woo: Woo) -> None:
    woo.post("products", simple("F-1", name="Linen shirt", status="draft"))
    woo.post("products", simple("F-2", name="Wool coat"))
    woo.post("products", simple("F-3", name="Linen trousers", type="external"))
    skus = lambda **params: sorted(item["sku"] for item in woo.get("products", **params).json())  # noqa: E731
    assert skus() == ["F-1", "F-2", "F-3"]
    assert skus(status="draft") == ["F-1"]
    assert skus(search="linen") == ["F-1", "F-3"]
    assert skus(type="external") == ["F-3"]
    assert skus(sku="f-2,F-3") == ["F-2", "F-3"]  # a comma-separated list, compared without case
    # modified_after is compared with the site-local column (UTC-3) unless dates_are_gmt is set,
    # and any offset in the value is ignored.
    a_minute_ago = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    assert skus(modified_after=a_minute_ago) == []
    assert skus(modified_after=a_minute_ago, dates_are_gmt="true") == ["F-1", "F-2", "F-3"]


# -- SKUs ----------------------------------------------------------------------------------------------
def test_skus_are_unique_across_products_and_variations(woo: Woo) -> None:
    parent = woo.post(
        "products",
        {
            "name": "Tee",
            "type": "variable",
            "attributes": [{"name": "Size", "variation": True, "options": ["S"]}],
        },
    ).json()
    variation = woo.post(
        f"products/{parent['id']}/variations",
        {"sku": "TEE-S", "regular_price": "5", "attributes": [{"name": "Size", "option": "S"}]},
    ).json()
    # MySQL compares SKUs without case: "tee-s" is taken by the variation.
    taken = woo.post("products", simple("tee-s"))
    assert taken.status_code == 400
    assert taken.json() == {
        "code": "product_invalid_sku",
        "message": "Invalid or duplicated SKU.",
        "data": {"status": 400, "resource_id": variation["id"], "unique_sku": "tee-s-1"},
    }
    found = woo.get("products", sku="TEE-S,NOPE").json()
    assert [(item["id"], item["type"], item["parent_id"]) for item in found] == [
        (variation["id"], "variation", parent["id"])
    ]


def test_a_trashed_product_frees_its_sku_but_a_second_trash_is_410(woo: Woo) -> None:
    first = woo.post("products", simple("T-1")).json()
    trashed = woo.http.delete(woo.endpoint(f"products/{first['id']}"))
    assert trashed.status_code == 200 and trashed.json()["status"] == "publish"  # rendered before the trash
    assert woo.get(f"products/{first['id']}").json()["status"] == "trash"
    assert (
        woo.http.delete(woo.endpoint(f"products/{first['id']}")).json()["code"]
        == "woocommerce_rest_already_trashed"
    )
    second = woo.post("products", simple("T-1"))
    assert second.status_code == 201
    assert [item["id"] for item in woo.get("products", sku="T-1").json()] == [second.json()["id"]]
    woo.http.delete(woo.endpoint(f"products/{first['id']}"), params={"force": "true"})
    assert woo.get(f"products/{first['id']}").status_code == 404


def test_a_duplicate_sku_fails_only_its_own_batch_item(woo: Woo) -> None:
    woo.post("products", simple("DUP"))
    reply = woo.post(
        "products/batch",
        {"create": [simple("A-1"), simple("dup"), simple("A-2")], "update": [{"id": 999999, "name": "x"}]},
    )
    assert reply.status_code == 200
    answer = reply.json()
    assert [item.get("sku") for item in answer["create"]] == ["A-1", None, "A-2"]
    assert answer["create"][1]["id"] == 0
    assert answer["create"][1]["error"]["code"] == "product_invalid_sku"
    assert answer["create"][1]["error"]["data"]["unique_sku"] == "dup-1"
    assert answer["update"] == [
        {
            "id": 999999,
            "error": {
                "code": "woocommerce_rest_product_invalid_id",
                "message": "Invalid ID.",
                "data": {"status": 400},
            },
        }
    ]
    assert sorted(item["sku"] for item in woo.products()) == ["A-1", "A-2", "DUP"]


# -- data -------------------------------------------------------------------------------------------------
def test_images_are_recorded_under_uploads_and_bad_ones_refused(woo: Woo) -> None:
    first = woo.post(
        "products", simple("I-1", images=[{"src": "https://cdn.example.com/a/shirt.jpg?v=2", "alt": "Front"}])
    ).json()
    second = woo.post(
        "products", simple("I-2", images=[{"src": "https://cdn.example.com/b/shirt.jpg"}])
    ).json()
    assert first["images"][0]["src"].endswith("/shirt.jpg") and first["images"][0]["alt"] == "Front"
    assert second["images"][0]["src"].endswith("/shirt-1.jpg")  # wp_unique_filename()
    assert "/wp-content/uploads/" in second["images"][0]["src"]
    assert first["images"][0]["id"] < first["id"]  # sideloaded before the product is saved
    refused = woo.post("products", simple("I-3", images=[{"src": "https://images.invalid/x.jpg"}]))
    assert refused.status_code == 400
    assert refused.json() == {
        "code": "woocommerce_product_image_upload_error",
        "message": "Error getting remote image https://images.invalid/x.jpg."
        " Error: cURL error 6: Could not resolve host: images.invalid",
        "data": {"status": 400},
    }
    not_image = woo.post("products", simple("I-4", images=[{"src": "https://cdn.example.com/manual.pdf"}]))
    assert (
        not_image.json()["message"] == "Invalid image: Sorry, you are not allowed to upload this file type."
    )
    assert sorted(item["sku"] for item in woo.products()) == ["I-1", "I-2"]


def test_meta_data_updates_by_key_and_reads_back_as_stored(woo: Woo) -> None:
    product = woo.post(
        "products", simple("M-1", meta_data=[{"key": "origin", "value": 5}, {"key": "gone", "value": "x"}])
    ).json()
    assert [(item["key"], item["value"]) for item in product["meta_data"]] == [("origin", "5"), ("gone", "x")]
    origin_id = product["meta_data"][0]["id"]
    updated = woo.http.put(
        woo.endpoint(f"products/{product['id']}"),
        json={"meta_data": [{"key": "origin", "value": "shopify"}, {"key": "gone", "value": None}]},
    ).json()
    assert updated["meta_data"] == [{"id": origin_id, "key": "origin", "value": "shopify"}]
    nested = {"width": 1.5, "tags": ["a", 2]}
    again = woo.http.put(
        woo.endpoint(f"products/{product['id']}"), json={"meta_data": [{"key": "dims", "value": nested}]}
    )
    assert again.json()["meta_data"][1] == {"id": origin_id + 2, "key": "dims", "value": nested}
    json.dumps(woo.store.dump_state())  # what --state-dir writes


def test_categories_nest_with_wordpress_slugs_and_refuse_sibling_duplicates(woo: Woo) -> None:
    created = woo.post("products/categories", sample(DOCS + "POST_products_categories.request.json"))
    assert created.status_code == 201
    assert_same_shape(sample(DOCS + "POST_products_categories.response.json"), created.json())
    men = woo.post("products/categories", {"name": "Men"}).json()
    women = woo.post("products/categories", {"name": "Women"}).json()
    shirts_men = woo.post("products/categories", {"name": "Shirts & Tops", "parent": men["id"]}).json()
    shirts_women = woo.post("products/categories", {"name": "Shirts & Tops", "parent": women["id"]}).json()
    assert (shirts_men["name"], shirts_men["slug"]) == ("Shirts &amp; Tops", "shirts-tops")
    assert shirts_women["slug"] == "shirts-tops-women"
    again = woo.post("products/categories", {"name": "shirts & tops", "parent": men["id"]})
    assert again.status_code == 400
    assert again.json() == {
        "code": "term_exists",
        "message": "A term with the name provided already exists with this parent.",
        "data": {"status": 400, "resource_id": shirts_men["id"]},
    }
    woo.post("products", simple("C-1", categories=[{"id": shirts_men["id"]}]))
    assert [item["sku"] for item in woo.get("products", category=men["id"]).json()] == [
        "C-1"
    ]  # children included
    assert woo.get(f"products/categories/{shirts_men['id']}").json()["count"] == 1
    listed = sample(DOCS + "GET_products_categories_list.response.json")
    for category in woo.get("products/categories").json():  # the example's [0] is a child, [1] a top category
        assert_same_shape(listed[0] if category["parent"] else listed[1], category)
    batch = woo.post(
        "products/categories/batch", sample(DOCS + "POST_products_categories_batch.request.json")
    ).json()
    published = sample(DOCS + "POST_products_categories_batch.response.json")
    assert_same_shape(published["create"][1], batch["create"][0])  # a top-level category
    assert_same_shape(published["create"][0], shirts_men)  # a child: its links go "up"
    assert batch["create"][1]["error"]["code"] == "term_exists"  # "Clothing" exists already
    assert [item["error"]["code"] for item in batch["update"] + batch["delete"]] == [
        "woocommerce_rest_term_invalid"
    ] * 3


def test_attribute_terms_and_tags(woo: Woo) -> None:
    color = woo.color()
    reply = woo.post(
        f"products/attributes/{color}/terms/batch",
        {"create": [{"name": "Red"}, {"name": "Blue"}, {"name": "red"}]},
    )
    answer = reply.json()["create"]
    assert [item.get("slug") for item in answer] == ["red", "blue", None]
    assert answer[2]["error"]["message"] == "A term with the name provided already exists in this taxonomy."
    listed = woo.get(f"products/attributes/{color}/terms").json()
    assert [item["name"] for item in listed] == ["Blue", "Red"]  # by name
    tagged = woo.post("products", simple("TAG-1", tags=[{"name": "Summer"}, {"name": "summer"}])).json()
    assert [tag["slug"] for tag in tagged["tags"]] == ["summer"]
    assert woo.get("products/tags").json()[0]["count"] == 1
    missing = woo.get("products/attributes/99/terms")
    assert missing.status_code == 404 and missing.json()["code"] == "woocommerce_rest_taxonomy_invalid"


# -- faults, capacity, state ------------------------------------------------------------------------------
def test_drop_next_commits_the_batch_then_resets_the_connection(woo: Woo) -> None:
    woo.store.faults.update({"drop_next": 1})
    with pytest.raises(requests.ConnectionError):
        requests.post(
            woo.endpoint("products/batch"),
            auth=woo.http.auth,
            json={"create": [simple("D-1"), simple("D-2")]},
        )
    assert sorted(item["sku"] for item in woo.products()) == ["D-1", "D-2"]
    again = woo.post("products/batch", {"create": [simple("D-1")]}).json()
    assert again["create"][0]["error"]["code"] == "product_invalid_sku"


def test_no_more_requests_are_served_at_once_than_there_are_workers(
    serve: Callable[[WooCommerceStore], str],
) -> None:
    woo = serve_woo(serve, SandboxSettings(woo_workers=2, woo_request_ms=200, woo_create_ms=1))
    store = woo.store
    replies: list[int] = []
    threads = [
        threading.Thread(
            target=lambda: replies.append(
                requests.get(woo.endpoint("products"), auth=woo.http.auth).status_code
            )
        )
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert replies == [200] * 6
    woo.post("products/batch", {"create": [simple("W-1"), simple("W-2")]})
    stats = store.stats()
    assert stats["peak_in_flight"] == 2
    assert (stats["in_flight"], stats["created"], stats["workers"]) == (0, 2, 2)
    assert stats["requests"]["GET /products"] == 6


def test_state_survives_a_dump_and_load_and_reset_empties_the_store(woo: Woo) -> None:
    woo.post(
        "products",
        simple("S-1", categories=[{"id": woo.post("products/categories", {"name": "Kept"}).json()["id"]}]),
    )
    version = woo.store.state_version()
    state = json.loads(json.dumps(woo.store.dump_state()))
    woo.store.reset()
    assert woo.products() == [] and woo.store.state_version() != version
    woo.store.load_state(state)
    read = woo.get("products", sku="S-1").json()[0]
    assert read["categories"][0]["name"] == "Kept"
    assert woo.post("products", simple("S-1")).json()["code"] == "product_invalid_sku"  # indexes rebuilt
