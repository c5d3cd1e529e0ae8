"""BigCommerce v3 records -> canonical products, on the payloads BigCommerce publishes (tests/samples);
and the connector's pure helpers: settings, `since` timestamps, resume tokens."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from connectors.bigcommerce.connector import BigCommerceSettings, Pass, parse_token, timestamp
from connectors.bigcommerce.mapping import (
    StoreContext,
    category_index,
    grams_per_unit,
    map_product,
    map_records,
)
from connectors.model import Category, CustomField, Image, Option, ProductStatus
from tests.shapes import SAMPLES

CATEGORY_ROWS = [
    {"category_id": 19, "parent_id": 0, "name": "Shop All", "tree_id": 1},
    {"category_id": 21, "parent_id": 19, "name": "Kitchen", "tree_id": 1},
    {"category_id": 23, "parent_id": 21, "name": "Jars", "tree_id": 1},
    {"category_id": 20, "parent_id": 0, "name": "Apparel", "tree_id": 2},
]
CONTEXT = StoreContext(
    categories=category_index(CATEGORY_ROWS),
    brands={36: "OFS", 37: "Common Good"},
    grams_per_unit=grams_per_unit("Ounces"),
)


def published(relative: str) -> Any:
    """A published payload parsed the way StoreClient.get_json parses answers (numbers as Decimal)."""
    return json.loads((SAMPLES / "bigcommerce" / relative).read_text(), parse_float=Decimal)


def hoodie() -> dict[str, Any]:
    """The dev-docs product created with variants, images and custom fields included: no options."""
    return published("dev-docs/POST_v3_catalog_products_hoodie.200.json")["data"]


def jar_with_colours() -> dict[str, Any]:
    """Product 174 of the published listing, with the published variants (Color: Beige, Grey,
    Black), images and custom fields included as `include=variants,images,custom_fields` returns
    them; a product with options has no base variant."""
    product = copy.deepcopy(
        published("dev-docs/GET_v3_catalog_products_limit10_sort_name.200.json")["data"][0]
    )
    product["base_variant_id"] = None
    product["variants"] = published(
        "openapi_examples/GET_v3_catalog_products_{product_id}_variants.200.json"
    )["data"]
    product["images"] = published("openapi_examples/GET_v3_catalog_products_{product_id}_images.200.json")[
        "data"
    ]
    product["custom_fields"] = published("openapi_examples/POST_v3_catalog_products.200.json")[
        "custom_fields"
    ]
    return product


def test_a_product_without_options_is_one_variant() -> None:
    product = map_product(hoodie(), CONTEXT)
    assert product.source_id == "196"
    assert product.title == "BigCommerce Hoodie"
    assert product.handle == "bigcommerce-hoodie"
    assert product.updated_at == product.created_at == datetime(2018, 9, 21, 17, 12, 59, tzinfo=UTC)
    assert product.status is ProductStatus.ACTIVE
    assert product.vendor is None  # brand_id 0: no brand
    assert product.options == () and not product.is_variable
    assert [category.path for category in product.categories] == [("Apparel",), ("Shop All", "Kitchen")]
    assert product.images == () and product.custom_fields == () and product.tags == ()
    (variant,) = product.variants
    assert variant.source_id == "402"
    assert variant.sku is None  # "" is a SKU never entered
    assert variant.price == Decimal("25.99") and variant.compare_at_price is None
    assert variant.option_values == ()
    assert variant.weight_grams == Decimal(5) * Decimal("28.349523125")  # 5 oz
    assert (variant.manage_stock, variant.stock_quantity) == (False, None)
    assert variant.barcode is None and variant.image is None and variant.cost is None
    assert product.raw["id"] == 196


def test_a_product_with_options_reads_them_off_its_variants() -> None:
    product = map_product(jar_with_colours(), CONTEXT)
    assert product.options == (Option("Color", ("Beige", "Grey", "Black")),)
    assert [v.option_values for v in product.variants] == [
        (("Color", "Beige"),),
        (("Color", "Grey"),),
        (("Color", "Black"),),
    ]
    assert [v.sku for v in product.variants] == ["SMIT", "SMIT-1", "SMIT-2"]
    # sale_price is what the customer pays; price is the "was" price beside it.
    assert [(v.price, v.compare_at_price) for v in product.variants] == [
        (Decimal(8), Decimal(10)),
        (Decimal(20), Decimal(25)),
        (Decimal(20), Decimal(25)),
    ]
    assert [v.cost for v in product.variants] == [None, Decimal(25), Decimal(25)]
    assert product.vendor == "OFS"
    assert [category.path for category in product.categories] == [
        ("Shop All", "Kitchen", "Jars"),
        ("Shop All", "Kitchen"),
    ]
    assert product.handle == "1l-le-parfait-jar"  # the last part of /all/1l-le-parfait-jar/
    assert product.tags == ("jar", "glass")
    assert product.custom_fields == (CustomField("ISBN", "1234567890123"),)
    assert [image.source_id for image in product.images] == ["382", "383"]
    assert product.images[0].src.endswith("60806.1534344511.1280.1280.jpg?c=2")  # url_zoom


def _with(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**record, **changes}


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        pytest.param({}, ProductStatus.ACTIVE, id="visible"),
        pytest.param({"availability": "preorder"}, ProductStatus.ACTIVE, id="preorder"),
        pytest.param({"is_visible": False}, ProductStatus.DRAFT, id="hidden"),
        pytest.param({"availability": "disabled"}, ProductStatus.ARCHIVED, id="disabled"),
        pytest.param({"availability": "disabled", "is_visible": False}, ProductStatus.ARCHIVED, id="both"),
    ],
)
def test_status(changes: dict[str, Any], status: ProductStatus) -> None:
    assert map_product(_with(hoodie(), **changes), CONTEXT).status is status


def _priced(product: dict[str, Any], variant: dict[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    record = hoodie()
    record.update(product)
    record["variants"] = [{**record["variants"][0], **variant}]
    (mapped,) = map_product(record, CONTEXT).variants
    return mapped.price, mapped.compare_at_price


D = Decimal


@pytest.mark.parametrize(
    ("product", "variant", "expected"),
    [
        pytest.param({}, {"price": D(30), "sale_price": D(0)}, (D(30), None), id="regular"),
        pytest.param({}, {"price": D(30), "sale_price": D(24)}, (D(24), D(30)), id="on-sale"),
        pytest.param({}, {"price": D(30), "sale_price": D(35)}, (D(35), None), id="sale-above-price"),
        pytest.param({}, {"price": D(30), "retail_price": D(40)}, (D(30), D(40)), id="msrp"),
        pytest.param(
            {},
            {"price": D(30), "sale_price": D(24), "retail_price": D(40)},
            (D(24), D(30)),
            id="sale-and-msrp",
        ),
        pytest.param({"price": D(12)}, {"price": None}, (D(12), None), id="price-inherited"),
        pytest.param(
            {"price": D(12), "sale_price": D(9)},
            {"price": None, "sale_price": None},
            (D(9), D(12)),
            id="sale-inherited",
        ),
        pytest.param({}, {"price": D(0)}, (D(0), None), id="free"),
        pytest.param({"price": None}, {"price": None, "sale_price": None}, (None, None), id="no-price"),
        pytest.param({}, {"price": "19.99"}, (D("19.99"), None), id="price-as-text"),
    ],
)
def test_prices(product: dict[str, Any], variant: dict[str, Any], expected: tuple[Any, Any]) -> None:
    assert _priced(product, variant) == expected


@pytest.mark.parametrize(
    ("tracking", "expected"),
    [
        pytest.param("none", [(False, None), (False, None)], id="untracked"),
        pytest.param("variant", [(True, 3), (True, 0)], id="per-variant"),
        pytest.param("product", [(True, 40), (True, 40)], id="per-product"),
    ],
)
def test_stock(tracking: str, expected: list[tuple[bool, int | None]]) -> None:
    record = jar_with_colours()
    record["inventory_tracking"] = tracking
    record["inventory_level"] = 40
    record["variants"] = record["variants"][:2]
    record["variants"][0]["inventory_level"] = 3
    assert [(v.manage_stock, v.stock_quantity) for v in map_product(record, CONTEXT).variants] == expected


@pytest.mark.parametrize(
    ("units", "grams"),
    [
        pytest.param("Grams", D(1), id="grams"),
        pytest.param("KGS", D(1000), id="kilograms"),
        pytest.param("LBS", D("453.59237"), id="pounds"),
        pytest.param("Ounces", D("28.349523125"), id="ounces"),
        pytest.param("Tonnes", D(1_000_000), id="tonnes"),
        pytest.param("stone", None, id="unknown"),
        pytest.param(None, None, id="missing"),
    ],
)
def test_weight_units(units: str | None, grams: Decimal | None) -> None:
    assert grams_per_unit(units) == grams
    record = _with(hoodie(), weight=D(2))
    record["variants"] = [{**record["variants"][0], "weight": None}]  # inherits the product's weight
    (variant,) = map_product(record, StoreContext(grams_per_unit=grams)).variants
    assert variant.weight_grams == (None if grams is None else 2 * grams)


def test_barcode_image_and_sku_of_a_variant() -> None:
    record = hoodie()
    record["variants"] = [
        {
            **record["variants"][0],
            "gtin": "",
            "upc": "012345678905",
            "image_url": "https://cdn/v.jpg",
            "sku": " ",
        }
    ]
    (variant,) = map_product(record, CONTEXT).variants
    assert variant.barcode == "012345678905"
    assert variant.image == Image("https://cdn/v.jpg")
    assert variant.sku is None
    record["variants"][0]["gtin"] = "00012345678905"
    assert map_product(record, CONTEXT).variants[0].barcode == "00012345678905"


def test_the_thumbnail_comes_first_and_standard_size_stands_in_for_zoom() -> None:
    record = hoodie()
    record["images"] = [
        {
            "id": 1,
            "is_thumbnail": False,
            "sort_order": 0,
            "url_zoom": "",
            "url_standard": "s1",
            "description": "",
        },
        {
            "id": 2,
            "is_thumbnail": True,
            "sort_order": 5,
            "url_zoom": "z2",
            "url_standard": "s2",
            "description": "x",
        },
    ]
    assert map_product(record, CONTEXT).images == (Image("z2", "x", "2"), Image("s1", "", "1"))


def test_categories_resolve_to_their_path_and_unknown_ids_are_left_out() -> None:
    index = category_index([*CATEGORY_ROWS, {"category_id": 30, "parent_id": 31, "name": "Loop"},
                            {"category_id": 31, "parent_id": 30, "name": "Back"}])  # fmt: skip
    assert index[23] == Category("23", "Jars", ("Shop All", "Kitchen"))
    assert index[30].path == ("Back", "Loop")  # a corrupt cycle ends instead of looping
    record = _with(hoodie(), categories=[23, 999])
    assert [c.source_id for c in map_product(record, StoreContext(categories=index)).categories] == ["23"]


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        pytest.param({"variants": []}, "no variants", id="no-variants"),
        pytest.param({"name": None, "variants": None}, "no variants", id="variants-null"),
        pytest.param({"date_modified": "yesterday"}, "ValueError", id="bad-date"),
        pytest.param({"price": "abc"}, "expected a number, got 'abc'", id="bad-price"),
        pytest.param({"price": "NaN"}, "expected a number", id="nan-price"),
        pytest.param({"inventory_tracking": "sometimes"}, "inventory_tracking", id="bad-tracking"),
        pytest.param({"price": True}, "expected a number", id="boolean-price"),
    ],
)
def test_a_malformed_record_is_rejected_with_its_reason(broken: dict[str, Any], reason: str) -> None:
    good = hoodie()
    bad = _with(hoodie(), id=7, **broken)
    if "price" in broken:  # the variant inherits the product's price
        bad["variants"] = [{**good["variants"][0], "price": None}]
    no_id = {k: v for k, v in hoodie().items() if k != "id"}
    products, rejected = map_records([good, bad, no_id, "junk"], CONTEXT)  # type: ignore[list-item]
    assert [p.source_id for p in products] == ["196"]
    assert rejected[0][0] == "7" and reason in rejected[0][1]
    assert rejected[1] == ("?", "missing field 'id'")
    assert rejected[2][0] == "?"


def test_published_listing_without_variants_is_rejected_not_guessed() -> None:
    listing = published("dev-docs/GET_v3_catalog_products_limit10_sort_name.200.json")["data"]
    products, rejected = map_records(listing, CONTEXT)
    assert products == [] and len(rejected) == len(listing)
    assert all(reason == "missing field 'variants'" for _, reason in rejected)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        pytest.param(
            datetime(2025, 1, 15, 0, 3, 17, 900_000, tzinfo=UTC), "2025-01-15T00:03:17Z", id="floored"
        ),
        pytest.param(
            datetime.fromisoformat("2025-01-15T02:03:17+02:00"), "2025-01-15T00:03:17Z", id="to-utc"
        ),
    ],
)
def test_since_is_always_a_full_utc_timestamp(moment: datetime, text: str) -> None:
    assert timestamp(moment) == text


def test_a_naive_since_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        timestamp(datetime(2025, 1, 15))


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("variants:12", id="other-run-kind"),
        pytest.param("all:x", id="not-an-id"),
        pytest.param(12, id="bare-number"),
    ],
)
def test_a_foreign_resume_token_is_refused(token: Any) -> None:
    with pytest.raises(ValueError, match="does not belong to this run"):
        parse_token(token, [Pass.ALL])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"url": "api.bigcommerce.com"}, "url", id="no-scheme"),
        pytest.param({"url": "https://api.bigcommerce.com/stores/abc123/v3"}, "url", id="full-api-path"),
        pytest.param({"url": "https://store-abc123.mybigcommerce.com"}, "url", id="control-panel-address"),
        pytest.param({"store_hash": ""}, "store_hash", id="empty-hash"),
        pytest.param({"store_hash": "store-abc/123"}, "store_hash", id="hash-with-slash"),
        pytest.param({"token": ""}, "token", id="empty-token"),
        pytest.param({"token": "two words"}, "token", id="token-with-space"),
    ],
)
def test_settings_name_the_bad_field(changes: dict[str, str], field: str) -> None:
    values = {"store_hash": "abc123", "token": "s3cr3t-token", **changes}
    with pytest.raises(ValueError, match=f"^{field}: ") as raised:
        BigCommerceSettings(**values)
    assert "s3cr3t" not in str(raised.value)


def test_settings_default_to_the_real_api_and_hide_the_token() -> None:
    settings = BigCommerceSettings(store_hash=" abc123 ", token="s3cr3t-token")
    assert settings.api_root == "https://api.bigcommerce.com/stores/abc123/"
    assert "s3cr3t" not in repr(settings)
    assert (
        BigCommerceSettings(url="http://127.0.0.1:9/", store_hash="x", token="t").url == "http://127.0.0.1:9"
    )
