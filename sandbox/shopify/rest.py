"""Catalog objects rendered as Shopify Admin REST payloads (2025-07 shapes).

Every shape follows the vendor's generated examples in tests/samples/shopify/rest_2025-07
(extracted from Shopify/shopify-api-ruby `test/rest/2025_07/*_test.rb`): prices and amounts are
strings, tags one comma-separated string, timestamps ISO-8601 with the shop's UTC offset, ids
64-bit integers from `ids`, and `admin_graphql_api_id` the matching GID.
"""

from __future__ import annotations

import functools
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.catalog import EPOCH, Catalog, Category, Image, Metafield, Product, Variant
from sandbox.shopify import ids

# The shop of the vendor examples (GET_shop.json) keeps its clock in New York; REST timestamps carry
# that offset ("2025-07-02T11:29:59-05:00"), GraphQL ones are UTC.
SHOP_TIMEZONE = ZoneInfo("America/New_York")
CURRENCY = "USD"
WEIGHT_UNIT = "kg"
# "The REST API won't return more than 100 variants for each product"
# https://shopify.dev/api/admin/migrate/new-product-model
MAX_REST_VARIANTS = 100
# A product created without options has one option "Title" and one variant "Default Title"
# (product_test.rb test_24 in tests/samples/shopify/rest_2025-07/product_test_stubs_all.json).
DEFAULT_OPTION = "Title"
DEFAULT_TITLE = "Default Title"
# Ids the shared `ids` module does not cover, in ranges of their own.
COLLECT_BASE = 30_000_000_000_000
# Category keys are below this, so a collect id is unique per (product, collection).
COLLECT_SLOTS = 100
# REST plan names as shops report them; Shopify documents no list, these are the ones apps observe
# (https://community.shopify.com/t/difference-between-plan-fetched-for-shop-from-rest-api-vs-graphql/266865).
PLANS = {
    "standard": ("professional", "Shopify"),
    "advanced": ("unlimited", "Advanced Shopify"),
    "plus": ("shopify_plus", "Shopify Plus"),
}
SHOP_CREATED = EPOCH.replace(year=2019)


@functools.lru_cache(maxsize=1024)  # one product repeats its two stamps on every variant and image
def timestamp(moment: datetime | None) -> str | None:
    """`2025-07-02T11:29:59-05:00`: whole seconds, in the shop's zone, with its offset."""
    if moment is None:
        return None
    return moment.astimezone(SHOP_TIMEZONE).isoformat(timespec="seconds")


def money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def variant_price(variant: Variant) -> str:
    # Shopify has no price-less variant: one created without a price reads "0.00" (test_24 above).
    return money(variant.price) or "0.00"


def image_src(image: Image, product: Product) -> str:
    # The CDN path embeds the shop id in 4-digit groups, as in the examples (548380009 -> 0005/4838/0009).
    digits = f"{ids.SHOP_ID:012d}"
    folder = "/".join(digits[i : i + 4] for i in range(0, 12, 4))
    version = int(product.updated_at.timestamp())
    return f"https://cdn.shopify.com/s/files/1/{folder}/products/{image.filename}?v={version}"


def _image(product: Product, index: int, variant_ids: list[int]) -> dict[str, Any]:
    image = product.images[index]
    number = ids.image_id(image.key)
    return {
        "id": number,
        "alt": image.alt or None,
        "position": index + 1,
        "product_id": ids.product_id(product.key),
        "created_at": timestamp(product.created_at),
        "updated_at": timestamp(product.updated_at),
        "admin_graphql_api_id": ids.gid("MediaImage", number),
        "width": image.width,
        "height": image.height,
        "src": image_src(image, product),
        "variant_ids": variant_ids,
    }


def images(product: Product) -> list[dict[str, Any]]:
    shown = product.variants[:MAX_REST_VARIANTS]
    return [
        _image(product, index, [ids.variant_id(v.key) for v in shown if v.image_index == index])
        for index in range(len(product.images))
    ]


def variant(product: Product, item: Variant) -> dict[str, Any]:
    values = list(item.option_values) or [DEFAULT_TITLE]
    number = ids.variant_id(item.key)
    price = variant_price(item)
    compare_at = money(item.compare_at_price)
    image_id = None if item.image_index is None else ids.image_id(product.images[item.image_index].key)
    return {
        "id": number,
        "product_id": ids.product_id(product.key),
        "title": " / ".join(values),
        "price": price,
        "position": item.position,
        # Overselling is what lets stock go below zero; everything else refuses it.
        "inventory_policy": "continue" if item.inventory_quantity < 0 else "deny",
        "compare_at_price": compare_at,
        "option1": values[0],
        "option2": values[1] if len(values) > 1 else None,
        "option3": values[2] if len(values) > 2 else None,
        "created_at": timestamp(product.created_at),
        "updated_at": timestamp(product.updated_at),
        "taxable": True,
        "barcode": item.barcode,
        "fulfillment_service": "manual",
        "grams": item.grams,
        "inventory_management": "shopify" if item.inventory_tracked else None,
        "requires_shipping": True,
        # A variant saved without a SKU reads "" over REST, not null (test_24 above).
        "sku": item.sku or "",
        "weight": item.grams / 1000,
        "weight_unit": WEIGHT_UNIT,
        "inventory_item_id": ids.inventory_item_id(item.key),
        "inventory_quantity": item.inventory_quantity,
        "old_inventory_quantity": item.inventory_quantity,
        "presentment_prices": [
            {
                "price": {"amount": price, "currency_code": CURRENCY},
                "compare_at_price": None
                if compare_at is None
                else {"amount": compare_at, "currency_code": CURRENCY},
            }
        ],
        "admin_graphql_api_id": ids.gid("ProductVariant", number),
        "image_id": image_id,
    }


def variants(product: Product) -> list[dict[str, Any]]:
    return [variant(product, item) for item in product.variants[:MAX_REST_VARIANTS]]


def options(product: Product) -> list[dict[str, Any]]:
    declared = [(o.name, list(o.values)) for o in product.options] or [(DEFAULT_OPTION, [DEFAULT_TITLE])]
    return [
        {
            "id": ids.option_id(product.key, position),
            "product_id": ids.product_id(product.key),
            "name": name,
            "position": position,
            "values": values,
        }
        for position, (name, values) in enumerate(declared, start=1)
    ]


def product(item: Product) -> dict[str, Any]:
    number = ids.product_id(item.key)
    rendered_images = images(item)
    return {
        "id": number,
        "title": item.title,
        "body_html": item.body_html,
        "vendor": item.vendor,
        "product_type": item.product_type,
        "created_at": timestamp(item.created_at),
        "handle": item.handle,
        "updated_at": timestamp(item.updated_at),
        "published_at": timestamp(item.published_at),
        "template_suffix": None,
        "published_scope": "web",
        "tags": ", ".join(item.tags),
        "status": item.status,
        "admin_graphql_api_id": ids.gid("Product", number),
        "variants": variants(item),
        "options": options(item),
        "images": rendered_images,
        "image": rendered_images[0] if rendered_images else None,
    }


def metafield_value(field: Metafield) -> Any:
    # Integer metafields come back as JSON numbers, everything else as its string form
    # (products/{id}/metafields.json in metafield_test.rb test_6, "type" => "number_integer").
    return int(field.value) if field.type == "number_integer" else field.value


def metafields(item: Product) -> list[dict[str, Any]]:
    owner = ids.product_id(item.key)
    rendered = []
    for index, field in enumerate(item.metafields):
        number = ids.metafield_id(item.key, index)
        rendered.append(
            {
                "id": number,
                "namespace": field.namespace,
                "key": field.key,
                "value": metafield_value(field),
                "description": None,
                "owner_id": owner,
                "created_at": timestamp(item.created_at),
                "updated_at": timestamp(item.updated_at),
                "owner_resource": "product",
                "type": field.type,
                "admin_graphql_api_id": ids.gid("Metafield", number),
            }
        )
    return rendered


def custom_collection(category: Category, products_count: int | None = None) -> dict[str, Any]:
    """A category as a custom collection; the single-collection answer adds `products_count`."""
    number = ids.collection_id(category.key)
    rendered: dict[str, Any] = {
        "id": number,
        "handle": category.slug,
        "title": category.name,
        "updated_at": timestamp(EPOCH),
        "body_html": category.description,
        "published_at": timestamp(EPOCH),
        "sort_order": "manual",
        "template_suffix": None,
    }
    if products_count is not None:
        rendered["products_count"] = products_count
    rendered.update(published_scope="web", admin_graphql_api_id=ids.gid("Collection", number))
    return rendered


def collect_id(product_key: int, category_key: int) -> int:
    return COLLECT_BASE + product_key * COLLECT_SLOTS + category_key


def collect(item: Product, category_key: int, position: int) -> dict[str, Any]:
    return {
        "id": collect_id(item.key, category_key),
        "collection_id": ids.collection_id(category_key),
        "product_id": ids.product_id(item.key),
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.created_at),
        "position": position,
        "sort_value": f"{position:010d}",
    }


def shop(plan: str, catalog: Catalog) -> dict[str, Any]:
    """The keys of GET_shop.json, for a sandbox shop on `plan`."""
    plan_name, plan_display_name = PLANS[plan]
    updated = max((p.updated_at for p in catalog.products()), default=SHOP_CREATED)
    return {
        "id": ids.SHOP_ID,
        "name": "Ferry Sandbox Outfitters",
        "email": "owner@ferry-sandbox.example",
        "domain": "ferry-sandbox.myshopify.com",
        "province": "New York",
        "country": "US",
        "address1": "1 Harbour Street",
        "zip": "10001",
        "city": "New York",
        "source": None,
        "phone": "2125550100",
        "latitude": 40.7506,
        "longitude": -73.9972,
        "primary_locale": "en",
        "address2": "",
        "created_at": timestamp(SHOP_CREATED),
        "updated_at": timestamp(max(updated, SHOP_CREATED)),
        "country_code": "US",
        "country_name": "United States",
        "currency": CURRENCY,
        "customer_email": "hello@ferry-sandbox.example",
        "timezone": "(GMT-05:00) Eastern Time (US & Canada)",
        "iana_timezone": SHOP_TIMEZONE.key,
        "shop_owner": "Sandbox Owner",
        "money_format": "${{amount}}",
        "money_with_currency_format": "${{amount}} USD",
        "weight_unit": WEIGHT_UNIT,
        "province_code": "NY",
        "taxes_included": False,
        "auto_configure_tax_inclusivity": None,
        "tax_shipping": None,
        "county_taxes": True,
        "plan_display_name": plan_display_name,
        "plan_name": plan_name,
        "has_discounts": False,
        "has_gift_cards": False,
        "myshopify_domain": "ferry-sandbox.myshopify.com",
        "google_apps_domain": None,
        "google_apps_login_enabled": None,
        "money_in_emails_format": "${{amount}}",
        "money_with_currency_in_emails_format": "${{amount}} USD",
        "eligible_for_payments": True,
        "requires_extra_payments_agreement": False,
        "password_enabled": False,
        "has_storefront": True,
        "finances": True,
        "primary_location_id": 655441491,
        "checkout_api_supported": True,
        "multi_location_enabled": True,
        "setup_required": False,
        "pre_launch_enabled": False,
        "enabled_presentment_currencies": [CURRENCY],
        "marketing_sms_consent_enabled_at_checkout": False,
        "transactional_sms_disabled": False,
    }
