"""Magento product entities -> canonical products, on the payloads Adobe publishes (tests/samples)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from connectors.magento.auth import describe_error, missing_resources, render_message
from connectors.magento.mapping import (
    Attribute,
    StoreContext,
    UnmappableProduct,
    attributes_to_look_up,
    category_index,
    child_ids,
    to_product,
)
from connectors.model import Category, CustomField, Image, Option, ProductStatus
from tests.shapes import SAMPLES

MEDIA = "https://shop.example.com/media/"


def published(relative: str) -> Any:
    """A published payload parsed as StoreClient.get_json parses answers (numbers as Decimal)."""
    return json.loads((SAMPLES / "magento" / relative).read_text(), parse_float=Decimal)


def size_attribute() -> Attribute:
    """`size` (id 141) with its options Small 168, Medium 169, Large 170, as published."""
    return Attribute.from_payload(
        published("adobedocs/GET_V1_products_attribute-sets_9_attributes.response.json")[0]
    )


def context(**changes: Any) -> StoreContext:
    values: dict[str, Any] = {
        "media_url": MEDIA,
        "categories": category_index(published("adobedocs/GET_V1_categories.response.json")),
        "attributes": {"size": size_attribute()},
    }
    return StoreContext(**{**values, **changes})


def champ_tee() -> dict[str, Any]:
    """The configurable MS-Champ as created, with the options and links the tutorial then shows on
    `GET /V1/products/MS-Champ` (published as an elided fragment, so it is cut out and parsed here)."""
    product = published("adobedocs/POST_V1_products_configurable_MS-Champ.response.json")
    fragment = (SAMPLES / "magento/adobedocs/GET_V1_products_MS-Champ.FRAGMENT_as_published.txt").read_text()
    inner = fragment.split("...", 1)[1].rsplit("},", 1)[0]
    product["extension_attributes"].update(json.loads("{" + inner + "}", parse_float=Decimal))
    return product


def champ_children() -> list[dict[str, Any]]:
    """MS-Champ-S as published, and its Medium and Large siblings made from it the way the tutorial
    makes them (same payload, next id, its own size)."""
    small = published("adobedocs/POST_V1_products_simple_MS-Champ-S.response.json")
    children = [small]
    for offset, (letter, option) in enumerate((("M", "169"), ("L", "170")), start=1):
        child = copy.deepcopy(small)
        child.update(id=small["id"] + offset, sku=f"MS-Champ-{letter}", updated_at="2017-11-29 20:41:00")
        for entry in child["custom_attributes"]:
            if entry["attribute_code"] == "size":
                entry["value"] = option
        children.append(child)
    return children


def test_a_configurable_and_its_children_become_one_variable_product() -> None:
    parent, children = champ_tee(), champ_children()
    assert child_ids(parent) == [child["id"] for child in children]

    product = to_product(parent, children, context())

    assert (product.source_id, product.title, product.handle) == ("2078", "Champ Tee", "champ-tee")
    assert product.description_html.startswith("The Champ Tee keeps you cool")
    assert product.status is ProductStatus.ACTIVE
    assert product.options == (Option("Size", ("Small", "Medium", "Large")),)
    assert [(v.source_id, v.sku, v.option_values) for v in product.variants] == [
        ("2079", "MS-Champ-S", (("Size", "Small"),)),
        ("2080", "MS-Champ-M", (("Size", "Medium"),)),
        ("2081", "MS-Champ-L", (("Size", "Large"),)),
    ]
    small = product.variants[0]
    assert (small.price, small.compare_at_price, small.weight_grams) == (25, None, 500)
    assert (small.manage_stock, small.stock_quantity) == (True, 10)
    # The newest of the parent's and the children's updated_at, in UTC.
    assert product.updated_at == datetime(2017, 11, 29, 20, 41, tzinfo=UTC)
    assert product.created_at == datetime(2017, 11, 29, 19, 57, 20, tzinfo=UTC)
    # Category 11 ("Men") is in the published tree; 12 and 16 are not, and the root is no category.
    assert product.categories == (Category("11", "Men", ()),)
    # The axis (size) is the variants' business; selects the run did not look up keep their ids.
    assert product.custom_fields == (
        CustomField("color", "52"),
        CustomField("material", "148"),
        CustomField("pattern", "196"),
    )
    assert product.raw["children"] == children


def test_select_looking_attributes_are_looked_up_and_structural_ones_are_not() -> None:
    assert attributes_to_look_up([champ_tee(), *champ_children()]) == {"color", "material", "size", "pattern"}


def test_media_gallery_entries_become_absolute_urls_base_image_first() -> None:
    simple = published("adobedocs/POST_V1_products_simple_MS-Champ-S.response.json")
    entries = published("adobedocs/GET_V1_products_MJ03_media.response.json")
    simple["media_gallery_entries"] = [entries[1], entries[2], entries[0]]  # the base image last
    product = to_product(simple, [], context())
    assert product.images == (
        Image(f"{MEDIA}catalog/product/m/j/mj03-black_main_1.jpg", "", "694"),
        Image(f"{MEDIA}catalog/product/m/j/mj03-black_alt1_1.jpg", "", "695"),
        Image(f"{MEDIA}catalog/product/m/j/mj03-black_back_1.jpg", "", "696"),
    )
    assert product.variants[0].image is None  # a simple product's images are the product's


@pytest.mark.parametrize(
    ("special_price", "price", "compare_at"),
    [
        pytest.param("19.500000", Decimal("19.5"), Decimal(25), id="special-below-price-is-a-sale"),
        pytest.param("30.000000", Decimal(25), None, id="special-above-price-is-ignored"),
        pytest.param(None, Decimal(25), None, id="no-special-price"),
    ],
)
def test_special_price_is_the_sale_price(
    special_price: str | None, price: Decimal, compare_at: Decimal | None
) -> None:
    simple = published("adobedocs/POST_V1_products_simple_MS-Champ-S.response.json")
    if special_price is not None:
        simple["custom_attributes"].append({"attribute_code": "special_price", "value": special_price})
    variant = to_product(simple, [], context()).variants[0]
    assert (variant.price, variant.compare_at_price) == (price, compare_at)


def test_vendor_barcode_cost_tags_and_weight_unit() -> None:
    simple = published("adobedocs/POST_V1_products_simple_MS-Champ-S.response.json")
    simple["custom_attributes"] += [
        {"attribute_code": "manufacturer", "value": "7"},
        {"attribute_code": "ean", "value": "4006381333931"},
        {"attribute_code": "cost", "value": "9.990000"},
        {"attribute_code": "meta_keyword", "value": "summer, tee,summer"},
        {"attribute_code": "features", "value": ["wicking", "light"]},
    ]
    vendor = Attribute("manufacturer", "83", "Manufacturer", "select", {"7": "Luma"})
    product = to_product(simple, [], context(attributes={"manufacturer": vendor}, weight_unit="lbs"))
    variant = product.variants[0]
    assert product.vendor == "Luma"
    assert (variant.barcode, variant.cost) == ("4006381333931", Decimal("9.99"))
    assert variant.weight_grams == Decimal("0.5") * Decimal("453.59237")
    assert product.tags == ("summer", "tee")
    assert CustomField("features", "wicking, light") in product.custom_fields
    assert not {"manufacturer", "ean", "cost", "meta_keyword", "url_key"} & {
        f.key for f in product.custom_fields
    }


def test_a_multiselect_is_resolved_to_its_labels() -> None:
    colours = Attribute("colours", "200", "Colours", "multiselect", {"1": "Red", "2": "Blue"})
    assert colours.text("2,1") == "Blue, Red"


def test_status_two_is_a_draft() -> None:
    simple = published("adobedocs/POST_V1_products_simple_MS-Champ-S.response.json")
    simple["status"] = 2
    assert to_product(simple, [], context()).status is ProductStatus.DRAFT


def test_categories_carry_their_ancestors_and_leave_the_roots_out() -> None:
    tree = {
        "id": 1, "level": 0, "name": "Root Catalog", "children_data": [
            {"id": 2, "level": 1, "name": "Default Category", "children_data": [
                {"id": 3, "level": 2, "name": "Apparel", "children_data": [
                    {"id": 4, "level": 3, "name": "Shirts", "children_data": []},
                ]},
            ]},
        ],
    }  # fmt: skip
    assert category_index(tree) == {
        "3": Category("3", "Apparel", ()),
        "4": Category("4", "Shirts", ("Apparel",)),
    }


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        pytest.param(
            lambda p: p["extension_attributes"].update(configurable_product_links=[]),
            "without child",
            id="no-children",
        ),
        pytest.param(lambda p: p.update(name=""), "no name", id="no-name"),
    ],
)
def test_products_that_cannot_be_mapped_say_why(change: Any, reason: str) -> None:
    parent = champ_tee()
    change(parent)
    children = champ_children() if child_ids(parent) else []
    with pytest.raises(UnmappableProduct, match=reason):
        to_product(parent, children, context())


def test_a_child_without_a_value_for_an_axis_is_refused() -> None:
    children = champ_children()
    children[1]["custom_attributes"] = [
        e for e in children[1]["custom_attributes"] if e["attribute_code"] != "size"
    ]
    with pytest.raises(UnmappableProduct, match="MS-Champ-M"):
        to_product(champ_tee(), children, context())


def test_an_axis_whose_attribute_is_unknown_is_refused() -> None:
    with pytest.raises(UnmappableProduct, match="attribute id 141"):
        to_product(champ_tee(), champ_children(), context(attributes={}))


# -- error bodies -------------------------------------------------------------------------------
TOKEN_ERRORS = published("magento2_tests_transcribed/ERRORS_from_AdminTokenServiceTest.json")


def test_error_templates_are_filled_in() -> None:
    inactive = TOKEN_ERRORS["GET /V1/store/storeConfigs with token of a now-inactive admin -> HTTP 401"]
    assert render_message(inactive["message"], inactive["parameters"]) == (
        "The consumer isn't authorized to access Magento_Backend::store."
    )
    assert render_message("%1 and %10", [*"abcdefghij"]) == "a and j"
    assert missing_resources(
        "The consumer isn't authorized to access Magento_Catalog::products, Magento_Backend::store."
    ) == (
        "Magento_Catalog::products",
        "Magento_Backend::store",
    )


def test_input_errors_list_every_field() -> None:
    import requests

    response = requests.Response()
    body = TOKEN_ERRORS["POST /V1/integration/admin/token with empty username/password -> HTTP 400"]
    response._content = json.dumps(body).encode()
    assert describe_error(response) == (
        'One or more input exceptions have occurred.; "username" is required. Enter and try again.; '
        '"password" is required. Enter and try again.'
    )
