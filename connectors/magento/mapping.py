"""Magento product entities -> canonical products: pure functions of the payloads and of what a run
looks up once (the store view's media URL and weight unit, the category tree, attribute metadata).

The item shape is `catalog-data-product-interface` (tests/samples/magento/adobedocs/
POST_V1_products_*.response.json; api-notes §3.6): prices are numbers, `updated_at` is
"YYYY-MM-DD HH:MM:SS" in UTC without an offset, `custom_attributes` is a list of
`{attribute_code, value}` where a select holds option ids (`"size": "168"`), never labels.

A configurable product and its simple children become ONE product whose variants are the children
(https://developer.adobe.com/commerce/webapi/rest/tutorials/configurable-product/).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from connectors.model import Category, CustomField, Image, Option, Product, ProductStatus, Variant

EMPTY: Mapping[str, Any] = MappingProxyType({})


class UnmappableProduct(ValueError):
    """A product whose payload cannot become a canonical product; the message says why."""


# Magento has no vendor, tag or barcode field of its own. Luma and most stores keep the vendor in
# the `manufacturer` select, barcodes in a text attribute named after the standard, and the only
# list of words per product is the comma-separated `meta_keyword`, which becomes the tags.
VENDOR_CODES = ("manufacturer", "brand")
BARCODE_CODES = ("ean", "gtin", "barcode", "upc", "isbn")
TAGS_CODE = "meta_keyword"
# Attributes read into canonical fields, and the ones that only steer Magento's own admin and
# storefront (layout, display flags, media roles, dates of a special price): never custom fields.
MAPPED = frozenset(
    {"name", "description", "url_key", "price", "special_price", "cost", "weight", "status"}
    | {"visibility", TAGS_CODE, *VENDOR_CODES, *BARCODE_CODES}
)
STRUCTURAL = frozenset(
    {
        "category_ids", "options_container", "required_options", "has_options", "tax_class_id",
        "image", "small_image", "thumbnail", "swatch_image", "image_label", "small_image_label",
        "thumbnail_label", "media_gallery", "url_path", "page_layout", "custom_layout",
        "custom_layout_update", "custom_layout_update_file", "custom_design", "custom_design_from",
        "custom_design_to", "news_from_date", "news_to_date", "special_from_date", "special_to_date",
        "gift_message_available", "gift_wrapping_available", "msrp_display_actual_price_type",
        "quantity_and_stock_status", "links_purchased_separately", "links_title", "links_exist",
        "samples_title", "shipment_type", "price_type", "price_view", "sku_type", "weight_type",
        "tier_price", "minimal_price",
    }
)  # fmt: skip
NOT_CUSTOM = MAPPED | STRUCTURAL
# Selects (and booleans) hold option ids, a multiselect a comma-separated list of them.
SELECT_INPUTS = frozenset({"select", "multiselect", "boolean"})
OPTION_IDS = re.compile(r"^\d+(,\d+)*$")
# Weight is in the store's unit (storeConfigs `weight_unit`: "kgs" or "lbs").
GRAMS_PER_UNIT = {"kgs": Decimal(1000), "lbs": Decimal("453.59237")}
# Level 0 is "Root Catalog" and level 1 each store's root ("Default Category"), which shoppers never
# see; a product's categories start at level 2 (tests/samples/magento/adobedocs/GET_V1_categories).
FIRST_CATEGORY_LEVEL = 2


@dataclass(frozen=True)
class Attribute:
    """A product attribute's metadata (`GET /V1/products/attributes/{code}`) and option labels."""

    code: str
    attribute_id: str
    label: str
    input: str  # frontend_input: text, textarea, select, multiselect, boolean, price, date...
    # Option id -> label, in the store view's language.
    options: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Attribute:
        code = str(payload["attribute_code"])
        # The options list starts with the empty choice {"label": " ", "value": ""}
        # (tests/samples/magento/adobedocs/GET_V1_products_attribute-sets_9_attributes.response.json).
        options = {
            str(option["value"]): str(option.get("label") or "").strip()
            for option in payload.get("options") or ()
            if str(option.get("value") or "") != ""
        }
        return cls(
            code=code,
            attribute_id=str(payload.get("attribute_id") or ""),
            label=str(payload.get("default_frontend_label") or code),
            input=str(payload.get("frontend_input") or ""),
            options=options,
        )

    def text(self, value: Any) -> str:
        """The value as shoppers read it: a select's option label, else the value as text."""
        if self.input not in SELECT_INPUTS or not self.options:
            return text(value)
        ids = text(value).split(",") if self.input == "multiselect" else [text(value)]
        return ", ".join(self.options.get(part.strip(), part.strip()) for part in ids if part.strip())


@dataclass(frozen=True)
class StoreContext:
    """What a run looks up once and every product mapping reads."""

    media_url: str  # the store view's base_media_url, e.g. "https://shop.example.com/media/"
    weight_unit: str = "kgs"
    categories: Mapping[str, Category] = field(default_factory=dict)  # by category id
    attributes: Mapping[str, Attribute] = field(default_factory=dict)  # by attribute code
    _by_id: Mapping[str, Attribute] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id = {attribute.attribute_id: attribute for attribute in self.attributes.values()}
        object.__setattr__(self, "_by_id", by_id)

    def image_url(self, file: str) -> str:
        """base_media_url + "catalog/product" + the gallery entry's `file` ("/m/j/mj03.jpg")."""
        return f"{self.media_url.rstrip('/')}/catalog/product/{file.lstrip('/')}"

    def attribute_by_id(self, attribute_id: str) -> Attribute | None:
        return self._by_id.get(attribute_id)

    def text(self, code: str, value: Any) -> str:
        attribute = self.attributes.get(code)
        return attribute.text(value) if attribute else text(value)


# -- small readers ----------------------------------------------------------------------------
def text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(text(item) for item in value)
    return "" if value is None else str(value)


def money(value: Any) -> Decimal | None:
    """A JSON number (already Decimal) or numeric text ("25.000000"); None when unset."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise UnmappableProduct(f"expected an amount, got {value!r}")
    return Decimal(str(value))


def timestamp(value: Any) -> datetime:
    """Magento's "2017-11-29 19:57:20" is UTC without an offset (api-notes §5)."""
    moment = datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def extension(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    return raw.get("extension_attributes") or EMPTY


def custom_attributes(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {str(entry["attribute_code"]): entry.get("value") for entry in raw.get("custom_attributes") or ()}


def attributes_to_look_up(raws: Iterable[Mapping[str, Any]]) -> set[str]:
    """Codes whose values look like option ids and whose labels the mapping needs (vendor, custom
    fields, a configurable's axes): their metadata says whether they really are selects."""
    wanted = set()
    for raw in raws:
        for code, value in custom_attributes(raw).items():
            if code in NOT_CUSTOM and code not in VENDOR_CODES:
                continue
            if isinstance(value, str | int) and not isinstance(value, bool) and OPTION_IDS.match(str(value)):
                wanted.add(code)
    return wanted


def child_ids(raw: Mapping[str, Any]) -> list[int]:
    """The simple products of a configurable, as `configurable_product_links` lists them."""
    if raw.get("type_id") != "configurable":
        return []
    return [int(link) for link in extension(raw).get("configurable_product_links") or ()]


def category_index(tree: Mapping[str, Any]) -> dict[str, Category]:
    """Every category of a `GET /V1/categories` tree by id, with its ancestors' names (roots left out)."""
    found: dict[str, Category] = {}
    stack: list[tuple[Mapping[str, Any], tuple[str, ...]]] = [(tree, ())]
    while stack:
        node, ancestors = stack.pop()
        name = text(node.get("name"))
        visible = int(node.get("level") or 0) >= FIRST_CATEGORY_LEVEL
        if visible:
            found[str(node["id"])] = Category(str(node["id"]), name, ancestors)
        below = (*ancestors, name) if visible else ancestors
        stack.extend((child, below) for child in node.get("children_data") or ())
    return found


# -- the mapping ------------------------------------------------------------------------------
def to_product(raw: Mapping[str, Any], children: Sequence[Mapping[str, Any]], store: StoreContext) -> Product:
    """One product from its entity and, for a configurable, its child entities (in any order)."""
    values = custom_attributes(raw)
    if not text(raw.get("name")).strip():
        raise UnmappableProduct("the product has no name")
    if raw.get("type_id") == "configurable":
        if not children:
            raise UnmappableProduct("a configurable product without child products has nothing to sell")
        axes = configurable_axes(raw, [custom_attributes(child) for child in children], store)
        variants = tuple(variant(child, store, axes, with_image=True) for child in children)
        options = tuple(option for _, option in axes)
    else:
        # simple, virtual, downloadable, and bundle/grouped as one item at their own price.
        axes, options = (), ()
        variants = (variant(raw, store, (), with_image=False),)
    axis_codes = {code for code, _ in axes}
    return Product(
        source_id=str(raw["id"]),
        title=text(raw["name"]),
        updated_at=max(timestamp(entity["updated_at"]) for entity in (raw, *children)),
        created_at=timestamp(raw["created_at"]) if raw.get("created_at") else None,
        description_html=text(values.get("description")),
        handle=text(values.get("url_key")) or None,
        vendor=next((store.text(code, values[code]) for code in VENDOR_CODES if values.get(code)), None),
        # Magento has enabled (1) and disabled (2) only.
        status=ProductStatus.ACTIVE if str(raw.get("status")) == "1" else ProductStatus.DRAFT,
        tags=tuple(
            dict.fromkeys(tag.strip() for tag in text(values.get(TAGS_CODE)).split(",") if tag.strip())
        ),
        categories=categories(raw, values, store),
        options=options,
        variants=variants,
        images=images(raw, store),
        custom_fields=tuple(
            CustomField(code, store.text(code, value))
            for code, value in values.items()
            if code not in NOT_CUSTOM and code not in axis_codes and text(value) != ""
        ),
        raw={**raw, "children": list(children)} if children else raw,
    )


def configurable_axes(
    raw: Mapping[str, Any], child_values: Sequence[Mapping[str, Any]], store: StoreContext
) -> tuple[tuple[str, Option], ...]:
    """(attribute code, option) per `configurable_product_options` entry, in position order; the
    labels of `values[].value_index` come from the attribute's options (the entries name only the
    attribute id, so its code is the one of the children's attributes with that id). Values the
    children use that the entry does not list are added after the listed ones."""
    entries = sorted(
        extension(raw).get("configurable_product_options") or (),
        key=lambda entry: int(entry.get("position") or 0),
    )
    if not entries:
        raise UnmappableProduct("a configurable product without configurable_product_options")
    axes = []
    for entry in entries:
        attribute = store.attribute_by_id(str(entry.get("attribute_id")))
        if attribute is None:
            raise UnmappableProduct(
                f"configurable option {entry.get('label')!r} (attribute id {entry.get('attribute_id')}) "
                "is not among the attributes its children carry"
            )
        listed = [str(value["value_index"]) for value in entry.get("values") or ()]
        used = [text(values[attribute.code]) for values in child_values if values.get(attribute.code)]
        labels = tuple(dict.fromkeys(attribute.text(option_id) for option_id in [*listed, *used]))
        axes.append((attribute.code, Option(text(entry.get("label")) or attribute.label, labels)))
    return tuple(axes)


def variant(
    raw: Mapping[str, Any], store: StoreContext, axes: Sequence[tuple[str, Option]], *, with_image: bool
) -> Variant:
    values = custom_attributes(raw)
    option_values = []
    for code, option in axes:
        if text(values.get(code)) == "":
            raise UnmappableProduct(f"child {raw.get('sku')!r} has no value for {option.name!r}")
        option_values.append((option.name, store.text(code, values[code])))
    # `price` is the regular price and the `special_price` attribute the sale price when lower
    # (https://experienceleague.adobe.com/en/docs/commerce-admin/catalog/products/pricing/product-price-special).
    regular, special = money(raw.get("price")), money(values.get("special_price"))
    price, compare_at = (
        (special, regular)
        if special is not None and (regular is None or special < regular)
        else (regular, None)
    )
    stock = extension(raw).get("stock_item") or EMPTY
    manage = bool(stock.get("manage_stock"))
    quantity = stock.get("qty")
    weight = money(raw.get("weight"))
    found_images = images(raw, store) if with_image else ()
    return Variant(
        source_id=str(raw["id"]),
        sku=text(raw.get("sku")) or None,
        price=price,
        compare_at_price=compare_at,
        option_values=tuple(option_values),
        barcode=next((text(values[code]) for code in BARCODE_CODES if values.get(code)), None),
        weight_grams=None
        if weight is None
        else weight * GRAMS_PER_UNIT.get(store.weight_unit, Decimal(1000)),
        manage_stock=manage,
        stock_quantity=int(Decimal(str(quantity))) if manage and quantity is not None else None,
        image=found_images[0] if found_images else None,
        cost=money(values.get("cost")),
    )


def categories(
    raw: Mapping[str, Any], values: Mapping[str, Any], store: StoreContext
) -> tuple[Category, ...]:
    links = sorted(
        extension(raw).get("category_links") or (), key=lambda link: int(link.get("position") or 0)
    )
    ids = [str(link["category_id"]) for link in links] or [text(i) for i in values.get("category_ids") or ()]
    return tuple(dict.fromkeys(store.categories[i] for i in ids if i in store.categories))


def images(raw: Mapping[str, Any], store: StoreContext) -> tuple[Image, ...]:
    """Enabled gallery images, the base image ("image" role) first, then by position; videos left out."""
    entries = [
        entry
        for entry in raw.get("media_gallery_entries") or ()
        if entry.get("media_type", "image") == "image" and not entry.get("disabled") and entry.get("file")
    ]
    entries.sort(
        key=lambda entry: ("image" not in (entry.get("types") or ()), int(entry.get("position") or 0))
    )
    return tuple(
        Image(
            src=store.image_url(text(entry["file"])),
            alt=text(entry.get("label")),
            source_id=None if entry.get("id") is None else text(entry["id"]),
        )
        for entry in entries
    )
