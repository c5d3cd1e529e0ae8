"""Mapped products -> WooCommerce JSON, and the writer's other pure parts, checked against the
requests and answers WooCommerce publishes (tests/samples/woocommerce)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from connectors.pagination import RawPage
from connectors.woocommerce import WooTarget, WooWriter
from connectors.woocommerce.batch import _answers, chunks
from connectors.woocommerce.model import SOURCE_META, WooAttribute, WooProduct, WooVariation, WriteItem
from connectors.woocommerce.payload import (
    image_ids,
    image_refs,
    is_upload_of,
    money,
    product_payload,
    variation_payload,
    weight,
)
from connectors.woocommerce.reconcile import _sku_groups, source_of
from connectors.woocommerce.target import TotalPagesPaginator, WooSettings, describe_error
from connectors.woocommerce.taxonomy import SLUG_LIMIT, Lookups, attribute_slug, fold
from connectors.woocommerce.writer import _Job, _screen
from tests.shapes import SAMPLES, sample

DOCS = "woocommerce/rest-api-docs/"
LONG = "Choose your preferred gift wrapping and personalised message style"


def lookups(**attributes: int | None) -> Lookups:
    return Lookups(
        categories={("Clothing",): 9, ("Clothing", "Shirts"): 14},
        tags={"cotton": 31},
        attributes={fold(name.replace("_", " ")): value for name, value in attributes.items()},
    )


# -- values -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(Decimal("21.99"), "21.99", id="two-decimals"),
        pytest.param(Decimal("21.9"), "21.90", id="padded"),
        pytest.param(Decimal("7"), "7.00", id="whole"),
        pytest.param(Decimal("0.005"), "0.01", id="half-up"),
        pytest.param(Decimal("0"), "0.00", id="zero"),
        pytest.param(None, "", id="none-clears"),
    ],
)
def test_prices_go_out_as_strings_with_two_decimals(value: Decimal | None, expected: str) -> None:
    assert money(value) == expected


@pytest.mark.parametrize(
    ("grams", "unit", "expected"),
    [
        pytest.param(Decimal(250), "kg", "0.25", id="kg"),
        pytest.param(Decimal(250), "g", "250", id="g"),
        pytest.param(Decimal(1000), "lbs", "2.2046", id="lbs"),
        pytest.param(Decimal(100), "oz", "3.5274", id="oz"),
        pytest.param(Decimal(0), "kg", "0", id="zero"),
        pytest.param(Decimal(12000), "kg", "12", id="no-exponent"),
        pytest.param(None, "kg", "", id="none"),
    ],
)
def test_weights_convert_from_grams_to_the_store_unit(
    grams: Decimal | None, unit: str, expected: str
) -> None:
    assert weight(grams, unit) == expected


# -- products --------------------------------------------------------------------------------------
def test_a_simple_product_matches_the_published_create_request() -> None:
    published = sample(DOCS + "POST_products_simple.request.json")
    product = WooProduct(
        source_key="shopify:demo:1",
        name=published["name"],
        description=published["description"],
        short_description=published["short_description"],
        regular_price=Decimal(published["regular_price"]),
        category_paths=(("Clothing",), ("Clothing", "Shirts")),
        images=tuple((image["src"], "") for image in published["images"]),
    )
    payload = product_payload(product, lookups(), "kg")
    for name, value in published.items():
        assert payload[name] == value, name
    assert payload["meta_data"] == [{"key": SOURCE_META, "value": "shopify:demo:1"}]
    assert payload["sale_price"] == "" and payload["sku"] == "" and "slug" not in payload


def test_a_variable_product_names_global_attributes_by_id_and_local_ones_by_name() -> None:
    published = sample(DOCS + "POST_products_variable.request.json")
    color = WooAttribute("Color", tuple(published["attributes"][0]["options"]), True)
    size = WooAttribute("Size", tuple(published["attributes"][1]["options"]), True)
    product = WooProduct(
        source_key="s:2",
        name=published["name"],
        attributes=(color, size),
        variations=(WooVariation("s:2/1", options=(("Color", "Black"), ("Size", "S"))),),
        regular_price=Decimal("9"),
    )
    payload = product_payload(product, lookups(Color=6, Size=None), "kg")
    assert payload["type"] == published["type"] == "variable"
    assert [a.get("id") for a in payload["attributes"]] == [6, None]
    assert payload["attributes"][1]["name"] == "Size"
    for ours, theirs in zip(payload["attributes"], published["attributes"], strict=True):
        assert ours["options"] == theirs["options"] and ours["variation"] is True
    assert "regular_price" not in payload, "a variable product's prices are its variations'"


def test_a_variation_matches_the_published_batch_request() -> None:
    published = sample(DOCS + "POST_products_22_variations_batch.request.json")["create"][0]
    variation = WooVariation(
        "s:2/1", regular_price=Decimal("10"), options=(("Color", "Blue"),), stock_quantity=3
    )
    payload = variation_payload(variation, lookups(Color=6), "kg", {})
    assert payload["regular_price"] == published["regular_price"]
    assert payload["attributes"] == published["attributes"]
    assert payload["stock_quantity"] == 3 and isinstance(payload["stock_quantity"], int)
    assert payload["meta_data"] == [{"key": SOURCE_META, "value": "s:2/1"}]
    assert "image" not in payload


def test_a_variation_image_reuses_the_products_attachment() -> None:
    variation = WooVariation("s:2/1", image_src="https://cdn.example.com/red.jpg")
    assert variation_payload(variation, lookups(), "kg", {"https://cdn.example.com/red.jpg": 71})[
        "image"
    ] == {"id": 71}
    assert variation_payload(variation, lookups(), "kg", {})["image"] == {
        "src": "https://cdn.example.com/red.jpg"
    }


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        pytest.param({"prices"}, {"regular_price", "sale_price", "meta_data"}, id="prices-only"),
        pytest.param({"stock"}, {"manage_stock", "stock_quantity", "meta_data"}, id="stock-only"),
        pytest.param({"categories"}, {"categories", "tags", "meta_data"}, id="categories-and-tags"),
        pytest.param({"status", "images"}, {"status", "images", "meta_data"}, id="status-images"),
        pytest.param(
            {"content"},
            {"name", "description", "short_description", "sku", "weight", "slug", "meta_data"},
            id="content",
        ),
        pytest.param({"attributes"}, {"type", "attributes", "meta_data"}, id="attributes"),
        pytest.param(set(), {"meta_data"}, id="nothing-but-identity"),
    ],
)
def test_an_update_sends_only_its_groups_and_always_the_source_meta(
    groups: set[str], expected: set[str]
) -> None:
    product = WooProduct(
        "s:1",
        "Shirt",
        sku="SH-1",
        slug="shirt",
        regular_price=Decimal("5"),
        stock_quantity=4,
        category_paths=(("Clothing",),),
        tags=("cotton",),
        meta_data=(("vendor", "Acme"),),
    )
    kept = product_payload(product, lookups(), "kg", frozenset(groups))
    assert set(kept) == expected
    assert {"key": SOURCE_META, "value": "s:1"} in kept["meta_data"]


def test_categories_and_tags_are_sent_once_each() -> None:
    product = WooProduct(
        "s:1", "Shirt", category_paths=(("Clothing",), ("Clothing",)), tags=("cotton", "Cotton")
    )
    payload = product_payload(product, lookups(), "kg")
    assert payload["categories"] == [{"id": 9}] and payload["tags"] == [{"id": 31}]


def test_a_product_refuses_a_status_woocommerce_does_not_have() -> None:
    with pytest.raises(ValueError, match="status must be one of"):
        WooProduct("s:1", "Shirt", status="active")
    with pytest.raises(ValueError, match="update_groups: unknown group 'price'"):
        WriteItem(WooProduct("s:1", "Shirt"), update_groups=frozenset({"price"}))


# -- attribute slugs -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("Color", "color", id="plain"),
        pytest.param("Shoe Size (EU)", "shoe-size-eu", id="words"),
        pytest.param("Größe", None, id="german-sharp-s"),
        pytest.param("Farbe & Muster", "farbe-muster", id="ampersand"),
        pytest.param("Café", "cafe", id="accent"),
        pytest.param("Type", None, id="reserved"),
        pytest.param(LONG, None, id="long"),
        pytest.param("Размер", None, id="cyrillic"),
        pytest.param("!!!", None, id="no-letters"),
    ],
)
def test_attribute_slugs_fit_woocommerce(name: str, expected: str | None) -> None:
    slug = attribute_slug(name)
    assert len(slug.encode()) <= SLUG_LIMIT
    assert slug == slug.lower() and set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert slug == attribute_slug(name), "the same name gives the same slug on every run"
    if expected is not None:
        assert slug == expected
    else:
        assert slug[-7] == "-", "a stable suffix from the full name"


def test_long_names_sharing_their_start_get_different_slugs() -> None:
    other = LONG.replace("style", "styles")
    assert attribute_slug(LONG) != attribute_slug(other)
    assert attribute_slug(LONG).startswith("choose-your-preferred")


# -- images ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("src", "uploaded", "same"),
    [
        pytest.param(
            "https://cdn.x.com/a/T_2_front.jpg",
            "https://shop/wp-content/uploads/2024/05/T_2_front.jpg",
            True,
            id="same",
        ),
        pytest.param(
            "https://cdn.x.com/a/shirt.jpg?v=17",
            "https://shop/wp-content/uploads/2024/05/shirt-1.jpg",
            True,
            id="numbered",
        ),
        pytest.param(
            "https://cdn.x.com/a/shirt.jpg", "https://shop/uploads/shirt-2-scaled.jpg", True, id="scaled"
        ),
        pytest.param(
            "https://cdn.x.com/a/shirt.jpg", "https://shop/uploads/shirt-blue.jpg", False, id="other"
        ),
        pytest.param(
            "https://cdn.x.com/a/shirt-2.jpg", "https://shop/uploads/shirt.jpg", False, id="not-the-base"
        ),
    ],
)
def test_an_upload_is_recognised_by_its_file_name(src: str, uploaded: str, same: bool) -> None:
    assert is_upload_of(src, uploaded) is same


def test_images_already_uploaded_go_by_id_and_new_ones_by_src() -> None:
    wanted = (
        ("https://cdn.x.com/front.jpg", "Front"),
        ("https://cdn.x.com/back.jpg", ""),
        ("https://cdn.x.com/new.jpg", ""),
    )
    current = [
        {"id": 5, "src": "https://shop/uploads/back.jpg"},
        {"id": 4, "src": "https://shop/uploads/front-1.jpg"},
    ]
    assert image_refs(wanted, current) == [
        {"id": 4, "alt": "Front"},
        {"id": 5},
        {"src": "https://cdn.x.com/new.jpg"},
    ]
    assert image_ids(wanted, current) == {"https://cdn.x.com/front.jpg": 4, "https://cdn.x.com/back.jpg": 5}


# -- screening -------------------------------------------------------------------------------------
def job(
    key: str, sku: str | None = None, woo_id: int | None = None, variant_skus: tuple[str, ...] = ()
) -> _Job:
    variations = tuple(WooVariation(f"{key}/{n}", sku=s) for n, s in enumerate(variant_skus))
    product = WooProduct(key, key, sku=sku, variations=variations)
    return _Job(WriteItem(product, woo_id), woo_id, frozenset())


def test_one_sku_on_two_products_fails_the_second_with_a_reason() -> None:
    jobs = [job("a", "S-1"), job("b", "s-1"), job("c", "S-2"), job("d", variant_skus=("S-2",))]
    _screen(jobs)
    assert [j.error is None for j in jobs] == [True, False, True, False]
    assert "SKU 's-1' is also used by a, which is imported first" in (jobs[1].error or "")


def test_a_product_already_in_woocommerce_keeps_its_sku_first() -> None:
    jobs = [job("new", "S-1"), job("old", "S-1", woo_id=7)]
    _screen(jobs)
    assert jobs[1].error is None and "used by old" in (jobs[0].error or "")


def test_a_sku_twice_within_one_product_and_a_product_twice_are_refused() -> None:
    jobs = [job("a", variant_skus=("V", "V")), job("b"), job("b")]
    _screen(jobs)
    assert "twice within this product" in (jobs[0].error or "")
    assert jobs[1].error is None and "appears twice" in (jobs[2].error or "")


# -- answers and helpers ---------------------------------------------------------------------------
def test_batch_answers_keep_per_item_errors_in_place() -> None:
    published = sample(DOCS + "POST_products_batch.response.json")
    published["create"].insert(
        1,
        {
            "id": 0,
            "error": {
                "code": "product_invalid_sku",
                "message": "Invalid or duplicated SKU.",
                "data": {"status": 400, "resource_id": 801, "unique_sku": "S-1-1"},
            },
        },
    )
    answers = _answers(published, "create", 3)
    assert [a.ok for a in answers] == [True, False, True]
    assert answers[0].id == published["create"][0]["id"]
    assert answers[1].code == "product_invalid_sku" and answers[1].data["resource_id"] == 801
    assert answers[1].reason == "Invalid or duplicated SKU. (product_invalid_sku)"
    assert not _answers(published, "update", 2)[1].ok, "a missing entry is an error, not a success"


def test_the_source_key_is_read_from_meta_data() -> None:
    published = sample(DOCS + "GET_products_794.response.json")
    assert source_of(published) is None
    published["meta_data"].append({"id": 1, "key": SOURCE_META, "value": "shopify:x:1"})
    assert source_of(published) == "shopify:x:1"


def test_sku_lookups_group_many_skus_per_request() -> None:
    groups = list(_sku_groups([f"SKU-{n:04d}" for n in range(250)] + ["A,B", "SKU-0001"]))
    assert [len(g) for g in groups] == [100, 100, 50]
    long_groups = list(_sku_groups(["x" * 400 + str(n) for n in range(10)]))
    assert all(len(",".join(g)) <= 1500 for g in long_groups) and sum(map(len, long_groups)) == 10


def test_chunks_of_at_most_100() -> None:
    assert [len(c) for c in chunks(list(range(230)))] == [100, 100, 30]


def test_pages_follow_x_wp_totalpages() -> None:
    paginator = TotalPagesPaginator()
    assert paginator.next_token(1, RawPage(records=[{}], headers={"X-WP-TotalPages": "3"})) == 2
    assert paginator.next_token(3, RawPage(records=[{}], headers={"X-WP-TotalPages": "3"})) is None


# -- settings and errors ---------------------------------------------------------------------------
KEY, SECRET = "ck_" + "a" * 40, "cs_" + "b" * 40


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("https://shop.example.com/", "https://shop.example.com", id="slash"),
        pytest.param("https://example.com/shop/wp-json/wc/v3/", "https://example.com/shop", id="api-pasted"),
        pytest.param(" https://shop.example.com/wp-json ", "https://shop.example.com", id="index-pasted"),
    ],
)
def test_settings_keep_the_site_url(url: str, expected: str) -> None:
    assert WooSettings(url, KEY, SECRET).url == expected


@pytest.mark.parametrize(
    ("values", "message"),
    [
        pytest.param({"url": ""}, "url is required", id="no-url"),
        pytest.param({"url": "shop.example.com"}, "url must start with https://", id="no-scheme"),
        pytest.param(
            {"url": "https://shop.example.com/?a=1"}, "url must be the store's address alone", id="query"
        ),
        pytest.param({"key": ""}, "key is required", id="no-key"),
        pytest.param(
            {"key": SECRET}, "key must be a WooCommerce consumer key, which starts with ck_", id="swapped"
        ),
        pytest.param({"secret": "cs_ a"}, "secret must be the consumer secret alone", id="spaces"),
    ],
)
def test_settings_name_the_field_in_every_message(values: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match="^" + message):
        WooSettings(**{"url": "https://shop.example.com", "key": KEY, "secret": SECRET, **values})


def test_settings_never_show_the_keys() -> None:
    assert KEY not in repr(WooSettings("https://shop.example.com", KEY, SECRET))
    assert SECRET not in repr(WooSettings("https://shop.example.com", KEY, SECRET))


def test_errors_read_the_published_wp_error_body() -> None:
    response = requests.Response()
    response._content = (SAMPLES / DOCS / "ERROR_woocommerce_rest_term_invalid_404.json").read_bytes()
    assert describe_error(response) == "Resource doesn't exist. (woocommerce_rest_term_invalid)"
    response._content = b"<html><head><title>429 Too Many Requests</title></head></html>"
    assert describe_error(response) == "an HTML page: 429 Too Many Requests"


def test_a_target_and_its_writer_never_show_the_keys() -> None:
    target = WooTarget(WooSettings("https://shop.example.com", KEY, SECRET))
    for text in (repr(target), repr(WooWriter(target)), repr(target.settings)):
        assert KEY not in text and SECRET not in text
