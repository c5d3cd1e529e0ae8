"""Shopify raw -> Product, on Shopify's published examples (tests/samples/shopify) and on broken
records, which must be rejected with a reason rather than crash or vanish."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from connectors.model import Category, CustomField, Image, Option, ProductStatus
from connectors.shopify.mapping import MappingError, product_from_graphql, product_from_rest
from connectors.shopify.reader import page_of
from tests.shapes import sample

REST = "shopify/rest_2025-07"
PRODUCTS = sample(f"{REST}/GET_products.json")["products"]
IPOD_NANO, IPOD_TOUCH = PRODUCTS


def published_products() -> list[Any]:
    """Every whole product in the generated REST reference examples (GET, PUT, POST); examples
    trimmed with `fields` are not whole products."""
    found = []
    for stub in sample(f"{REST}/product_test_stubs_all.json"):
        body = stub["response_body"] or {}
        records = body.get("products") or ([body["product"]] if "product" in body else [])
        found += [
            pytest.param(record, id=f"{stub['test']}-{record['id']}")
            for record in records
            if "variants" in record
        ]
    return found


@pytest.mark.parametrize("record", published_products())
def test_every_published_product_maps(record: dict[str, Any]) -> None:
    product = product_from_rest(record)
    assert product.source_id == str(record["id"])
    assert len(product.variants) == len(record["variants"])
    assert product.updated_at.tzinfo is not None


def test_rest_product_field_by_field() -> None:
    product = product_from_rest(IPOD_NANO, categories=(Category("841564295", "IPods"),))
    assert product.source_id == "632910392"
    assert product.title == "IPod Nano - 8GB"
    assert product.handle == "ipod-nano"
    assert product.vendor == "Apple"
    assert product.product_type == "Cult Products"
    assert product.status is ProductStatus.ACTIVE
    assert product.description_html.startswith("<p>It's the small iPod")
    # "tags": "Emotive, Flash Memory, MP3, Music": one comma-separated string.
    assert product.tags == ("Emotive", "Flash Memory", "MP3", "Music")
    assert product.updated_at == datetime(2025, 7, 2, 11, 29, 59, tzinfo=timezone(timedelta(hours=-5)))
    assert product.categories == (Category("841564295", "IPods"),)
    assert product.options == (Option("Color", ("Pink", "Red", "Green", "Black")),)
    pink = product.variants[0]
    assert (pink.source_id, pink.sku, pink.barcode) == ("808950810", "IPOD2008PINK", "1234_pink")
    assert pink.price == Decimal("199.00") and pink.compare_at_price is None
    assert pink.option_values == (("Color", "Pink"),)
    assert pink.weight_grams == Decimal("1.25") * Decimal("453.59237")  # "weight": 1.25, "lb"
    assert (pink.manage_stock, pink.stock_quantity) == (True, 10)
    # Images are known by their MediaImage id, as GraphQL knows them; variant 808950810 has image 562641783.
    assert pink.image == Image(
        src="https://cdn.shopify.com/s/files/1/0005/4838/0009/products/ipod-nano-2.png?v=1735835399",
        source_id="1071517486",
    )
    assert [image.source_id for image in product.images] == ["498048120", "1071517486", "220090436"]
    assert product.variants[1].image is None
    assert product.raw is IPOD_NANO


def test_the_placeholder_title_option_makes_a_simple_product() -> None:
    # The second published product: one option "Title" holding its one variant's title ("Black").
    product = product_from_rest(IPOD_TOUCH)
    assert product.options == () and not product.is_variable
    assert product.variants[0].option_values == ()


def test_default_title_product_created_as_draft() -> None:
    created = next(
        stub for stub in sample(f"{REST}/product_test_stubs_all.json") if stub["test"] == "test_24"
    )["response_body"]["product"]
    product = product_from_rest(created)
    assert created["variants"][0]["title"] == "Default Title"
    assert product.status is ProductStatus.DRAFT
    assert product.options == ()
    assert product.variants[0].price == Decimal("0.00")


def test_two_options_give_value_pairs_in_option_order() -> None:
    created = sample(f"{REST}/POST_products_multiple_variants.response.json")["product"]
    product = product_from_rest(created)
    names = tuple(option.name for option in product.options)
    assert len(names) == 2
    for variant, raw in zip(product.variants, created["variants"], strict=True):
        assert variant.option_values == tuple(
            (name, raw[f"option{index}"]) for index, name in enumerate(names, 1) if raw[f"option{index}"]
        )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        pytest.param({"title": ""}, "no title", id="empty-title"),
        pytest.param({"variants": None}, "unexpected shape", id="variants-null"),
        pytest.param({"updated_at": "2025-07-02 11:29:59"}, "no time zone", id="naive-timestamp"),
        pytest.param({"updated_at": "yesterday"}, "not an ISO 8601", id="bad-timestamp"),
        pytest.param({"status": "pending"}, "unknown status", id="unknown-status"),
        pytest.param({"variants": [{"id": 1, "price": "12,50"}]}, "price is not a number", id="bad-price"),
        pytest.param({"variants": [{"id": 1, "weight": 2, "weight_unit": "st"}]}, "weight unit", id="unit"),
    ],
)
def test_malformed_records_are_rejected_with_a_reason(change: dict[str, Any], reason: str) -> None:
    record = {**copy.deepcopy(IPOD_NANO), **change}
    with pytest.raises(MappingError, match=reason):
        product_from_rest(record)
    page = page_of([IPOD_TOUCH, record], product_from_rest, resume=7)
    assert [product.source_id for product in page.products] == ["921728736"]
    assert page.raw_count == 2 and page.resume == 7
    assert page.rejected[0][0] == "632910392" and reason in page.rejected[0][1]


def test_missing_id_is_rejected_not_raised() -> None:
    record = {key: value for key, value in IPOD_NANO.items() if key != "id"}
    page = page_of([record], product_from_rest, resume=None)
    assert page.products == [] and page.rejected == [("?", "missing field 'id'")]


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        pytest.param({"sku": ""}, {"sku": None}, id="empty-sku"),
        pytest.param({"sku": None, "barcode": ""}, {"sku": None, "barcode": None}, id="null-sku"),
        pytest.param({"price": None}, {"price": None}, id="no-price"),
        pytest.param({"compare_at_price": "249.00"}, {"compare_at_price": Decimal("249.00")}, id="compare"),
        pytest.param({"weight": 0.12, "weight_unit": "kg"}, {"weight_grams": Decimal("120.00")}, id="kg"),
        pytest.param({"weight": 4, "weight_unit": "oz"}, {"weight_grams": Decimal("113.398092500")}, id="oz"),
        pytest.param({"weight": None, "grams": 567}, {"weight_grams": Decimal(567)}, id="grams-only"),
        pytest.param({"inventory_management": None}, {"manage_stock": False}, id="untracked"),
    ],
)
def test_variant_fields(variant: dict[str, Any], expected: dict[str, Any]) -> None:
    record = copy.deepcopy(IPOD_NANO)
    record["variants"][0].update(variant)
    mapped = product_from_rest(record).variants[0]
    assert {name: getattr(mapped, name) for name in expected} == expected


# -- GraphQL: a node as the reader's query asks for it (the fields of the Admin schema) ----------
def graphql_node() -> dict[str, Any]:
    """IPod Nano as the GraphQL Admin API answers the reader's query (same ids as the REST example)."""
    return {
        "id": "gid://shopify/Product/632910392",
        "legacyResourceId": "632910392",
        "title": "IPod Nano - 8GB",
        "handle": "ipod-nano",
        "descriptionHtml": IPOD_NANO["body_html"],
        "vendor": "Apple",
        "productType": "Cult Products",
        "status": "ACTIVE",
        "tags": ["Emotive", "Flash Memory", "MP3", "Music"],
        "createdAt": "2025-07-02T16:29:59Z",
        "updatedAt": "2025-07-02T16:29:59Z",
        "options": [{"name": "Color", "values": ["Pink", "Red"]}],
        "variants": {
            "pageInfo": {"hasNextPage": False, "endCursor": "eyJ9"},
            "nodes": [
                {
                    "legacyResourceId": "808950810",
                    "sku": "IPOD2008PINK",
                    "price": "199.00",
                    "compareAtPrice": "249.00",
                    "barcode": "1234_pink",
                    "inventoryQuantity": 10,
                    "selectedOptions": [{"name": "Color", "value": "Pink"}],
                    "inventoryItem": {
                        "tracked": True,
                        "unitCost": {"amount": "80.5"},
                        "measurement": {"weight": {"unit": "POUNDS", "value": Decimal("1.25")}},
                    },
                    "media": {"nodes": [{"id": "gid://shopify/MediaImage/1071517486"}]},
                },
                {
                    "legacyResourceId": "49148385",
                    "sku": "",
                    "price": "199.00",
                    "compareAtPrice": None,
                    "barcode": None,
                    "inventoryQuantity": 0,
                    "selectedOptions": [{"name": "Color", "value": "Red"}],
                    "inventoryItem": {"tracked": False, "unitCost": None, "measurement": {"weight": None}},
                    "media": {"nodes": []},
                },
            ],
        },
        "media": {
            "pageInfo": {"hasNextPage": False, "endCursor": None},
            "nodes": [
                {
                    "id": "gid://shopify/MediaImage/1071517486",
                    "alt": "Pink nano",
                    "image": {"url": "https://cdn.shopify.com/ipod-nano-2.png", "altText": "Pink nano"},
                },
                {"id": "gid://shopify/Video/5", "alt": "", "image": None},
            ],
        },
        "collections": {
            "pageInfo": {"hasNextPage": False, "endCursor": None},
            "nodes": [{"legacyResourceId": "841564295", "title": "IPods"}],
        },
        "metafields": {
            "pageInfo": {"hasNextPage": False, "endCursor": None},
            "nodes": [{"namespace": "custom", "key": "material", "value": "Aluminium"}],
        },
    }


def test_graphql_node_field_by_field() -> None:
    node = graphql_node()
    product = product_from_graphql(node)
    assert (product.source_id, product.title, product.handle) == ("632910392", "IPod Nano - 8GB", "ipod-nano")
    assert product.status is ProductStatus.ACTIVE
    assert product.updated_at == datetime(2025, 7, 2, 16, 29, 59, tzinfo=UTC)
    assert product.tags == ("Emotive", "Flash Memory", "MP3", "Music")
    assert product.categories == (Category("841564295", "IPods"),)
    assert product.custom_fields == (CustomField(key="material", value="Aluminium", namespace="custom"),)
    # The video has no image: only images become product images.
    assert product.images == (Image("https://cdn.shopify.com/ipod-nano-2.png", "Pink nano", "1071517486"),)
    pink, red = product.variants
    assert pink.image == product.images[0] and red.image is None
    assert (pink.price, pink.compare_at_price, pink.cost) == (
        Decimal("199.00"),
        Decimal("249.00"),
        Decimal("80.5"),
    )
    assert pink.weight_grams == Decimal("1.25") * Decimal("453.59237")
    assert (pink.manage_stock, pink.stock_quantity, red.manage_stock) == (True, 10, False)
    assert (red.sku, red.barcode, red.weight_grams, red.cost) == (None, None, None, None)
    assert pink.option_values == (("Color", "Pink"),)
    assert product.raw is node


def test_graphql_and_rest_give_the_same_ids() -> None:
    rest = product_from_rest(IPOD_NANO)
    graphql = product_from_graphql(graphql_node())
    assert graphql.source_id == rest.source_id
    assert [v.source_id for v in graphql.variants] == [v.source_id for v in rest.variants[:2]]
    assert graphql.variants[0].image.source_id == rest.variants[0].image.source_id  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        pytest.param("DRAFT", ProductStatus.DRAFT, id="draft"),
        pytest.param("ARCHIVED", ProductStatus.ARCHIVED, id="archived"),
        pytest.param("UNLISTED", ProductStatus.ACTIVE, id="unlisted-still-sells"),
    ],
)
def test_graphql_statuses(status: str, expected: ProductStatus) -> None:
    assert product_from_graphql({**graphql_node(), "status": status}).status is expected


def test_graphql_default_variant_is_simple() -> None:
    node = graphql_node()
    node["options"] = [{"name": "Title", "values": ["Default Title"]}]
    node["variants"]["nodes"] = node["variants"]["nodes"][:1]
    node["variants"]["nodes"][0]["selectedOptions"] = [{"name": "Title", "value": "Default Title"}]
    product = product_from_graphql(node)
    assert product.options == () and product.variants[0].option_values == ()


def test_graphql_node_without_legacy_id_is_rejected() -> None:
    node = graphql_node()
    del node["legacyResourceId"]
    page = page_of([node], product_from_graphql, resume="eyJ9")
    assert page.products == [] and page.rejected == [
        ("gid://shopify/Product/632910392", "missing field 'legacyResourceId'")
    ]
