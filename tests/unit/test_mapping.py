"""The default mapping and rules over it: canonical products in, WooCommerce products out."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors.model import Category, CustomField, Image, Option, Product, ProductStatus, Variant
from jobs.definition import FieldRule, MappingSpec
from jobs.mapping import Mapper

WHEN = datetime(2024, 5, 1, tzinfo=UTC)


def simple(**changes: object) -> Product:
    fields: dict = {
        "source_id": "42",
        "title": "Linen Shirt",
        "updated_at": WHEN,
        "description_html": "<p>Cool</p>",
        "handle": "linen-shirt",
        "vendor": "Acme",
        "status": ProductStatus.ACTIVE,
        "tags": ("sale",),
        "categories": (Category("3", "Shirts", ("Apparel", "Men")),),
        "variants": (
            Variant(
                "v1",
                "LS-1",
                Decimal("20.00"),
                Decimal("25.00"),
                weight_grams=Decimal(250),
                manage_stock=True,
                stock_quantity=7,
            ),
        ),
        "images": (Image("https://cdn.example.com/a.jpg", "front"),),
        "custom_fields": (CustomField("material", "Linen", "custom"),),
    }
    fields.update(changes)
    return Product(**fields)


def variable() -> Product:
    return simple(
        options=(Option("Size", ("S", "M")),),
        variants=(
            Variant(
                "v1",
                "LS-S",
                Decimal("20.00"),
                option_values=(("Size", "S"),),
                image=Image("https://cdn.example.com/s.jpg"),
            ),
            Variant("v2", None, None, option_values=(("Size", "M"),)),
        ),
    )


def test_default_mapping_of_a_simple_product_on_sale() -> None:
    woo = Mapper(MappingSpec(), "shopify:shop").map(simple())
    assert woo.source_key == "shopify:shop:42"
    assert (woo.name, woo.description, woo.slug, woo.status) == (
        "Linen Shirt",
        "<p>Cool</p>",
        "linen-shirt",
        "publish",
    )
    assert (woo.sku, woo.regular_price, woo.sale_price) == ("LS-1", Decimal("25.00"), Decimal("20.00"))
    assert (woo.manage_stock, woo.stock_quantity, woo.weight_grams) == (True, 7, Decimal(250))
    assert woo.category_paths == (("Apparel", "Men", "Shirts"),)
    assert woo.tags == ("sale",)
    assert woo.images == (("https://cdn.example.com/a.jpg", "front"),)
    assert woo.meta_data == (("custom.material", "Linen"),)
    assert [(a.name, a.options, a.variation) for a in woo.attributes] == [("Brand", ("Acme",), False)]
    assert woo.variations == ()


def test_default_mapping_of_a_variable_product() -> None:
    woo = Mapper(MappingSpec(), "shopify:shop").map(variable())
    assert woo.sku is None and woo.regular_price is None
    size = woo.attributes[0]
    assert (size.name, size.options, size.variation) == ("Size", ("S", "M"), True)
    first, second = woo.variations
    assert first.source_key == "shopify:shop:42/v1"
    assert (first.sku, first.regular_price, first.sale_price, first.options) == (
        "LS-S",
        Decimal("20.00"),
        None,
        (("Size", "S"),),
    )
    assert first.image_src == "https://cdn.example.com/s.jpg"
    assert (second.sku, second.regular_price) == (None, None)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        pytest.param(ProductStatus.DRAFT, "draft", id="draft"),
        pytest.param(ProductStatus.ARCHIVED, "private", id="archived"),
    ],
)
def test_statuses(status: ProductStatus, expected: str) -> None:
    assert Mapper(MappingSpec(), "x:y").map(simple(status=status)).status == expected


def test_rules_override_the_default_with_transforms() -> None:
    spec = MappingSpec(
        fields={
            "regular_price": FieldRule(
                source="price",
                transforms=({"name": "markup_percent", "value": 20}, {"name": "round_to", "value": ".99"}),
            ),
            "sale_price": FieldRule(constant=None, source="raw.missing"),
            "name": FieldRule(source="title", transforms=({"name": "suffix", "value": " (imported)"},)),
            "sku": FieldRule(
                source="sku", transforms=({"name": "template", "template": "{vendor}-{value}"},)
            ),
            "status": FieldRule(constant="draft"),
        }
    )
    woo = Mapper(spec, "x:y").map(simple())
    assert woo.regular_price == Decimal("24.99")
    assert woo.sale_price is None
    assert woo.name == "Linen Shirt (imported)"
    assert woo.sku == "Acme-LS-1"
    assert woo.status == "draft"


def test_rules_read_the_raw_payload() -> None:
    product = simple(raw={"seo": {"title": "Best shirt"}})
    spec = MappingSpec(fields={"short_description": FieldRule(source="raw.seo.title")})
    assert Mapper(spec, "x:y").map(product).short_description == "Best shirt"


def test_a_status_rule_that_gives_no_woo_status_fails_the_product() -> None:
    spec = MappingSpec(fields={"status": FieldRule(source="status")})  # "active" is no Woo status
    with pytest.raises(ValueError, match="status must be one of"):
        Mapper(spec, "x:y").map(simple())
