"""The store's product attributes: the system ones every install has, and the ones the catalog needs
(a select attribute per option name, a text attribute per metafield, `ean` for barcodes).

Select attributes hold option ids, never labels: `{"attribute_code": "color", "value": "52"}`, with
the labels at `GET /V1/products/attributes/color/options` (api-notes §3.6). Option ids are numbered
once over fixed vocabularies, so they do not move when the catalog changes.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sandbox.catalog import COLORS, MATERIALS, SIZES, VENDORS, Product
from sandbox.magento import ids

TABLE_SOURCE = "Magento\\Eav\\Model\\Entity\\Attribute\\Source\\Table"
FIRST_OPTION_ID = 5
FIRST_DISCOVERED_ID = 150


@dataclass(frozen=True)
class Attribute:
    code: str
    id: int
    label: str
    input: str  # frontend_input
    backend: str  # backend_type
    kind: str  # how searchCriteria compares it: int | decimal | text | datetime
    scope: str = "store"
    user_defined: bool = False
    static: bool = False  # a column of catalog_product_entity rather than an EAV value
    source: str | None = None
    fixed_options: tuple[tuple[str, str], ...] = ()  # (value, label) of system selects

    @property
    def is_select(self) -> bool:
        return self.input in {"select", "boolean", "multiselect"}


# Ids as in a default 2.4 install where the attribute is built in.
SYSTEM = (
    Attribute("name", 73, "Product Name", "text", "varchar", "text"),
    Attribute("sku", 74, "SKU", "text", "static", "text", "global", static=True),
    Attribute("description", 75, "Description", "textarea", "text", "text"),
    Attribute("short_description", 76, "Short Description", "textarea", "text", "text"),
    Attribute("price", 77, "Price", "price", "decimal", "decimal", "global"),
    Attribute("special_price", 78, "Special Price", "price", "decimal", "decimal", "global"),
    Attribute("cost", 81, "Cost", "price", "decimal", "decimal", "global", user_defined=True),
    Attribute("weight", 82, "Weight", "weight", "decimal", "decimal", "global"),
    Attribute(
        "manufacturer", 83, "Manufacturer", "select", "int", "int", "global", True, source=TABLE_SOURCE
    ),
    Attribute("meta_title", 84, "Meta Title", "text", "varchar", "text"),
    Attribute("meta_keyword", 85, "Meta Keywords", "textarea", "text", "text"),
    Attribute("meta_description", 86, "Meta Description", "textarea", "varchar", "text"),
    Attribute("image", 87, "Base", "media_image", "varchar", "text"),
    Attribute("small_image", 88, "Small", "media_image", "varchar", "text"),
    Attribute("thumbnail", 89, "Thumbnail", "media_image", "varchar", "text"),
    Attribute("color", 93, "Color", "select", "int", "int", "global", True, source=TABLE_SOURCE),
    Attribute(
        "status",
        97,
        "Enable Product",
        "boolean",
        "int",
        "int",
        "website",
        source="Magento\\Catalog\\Model\\Product\\Attribute\\Source\\Status",
        fixed_options=(("1", "Enabled"), ("2", "Disabled")),
    ),
    Attribute(
        "visibility",
        99,
        "Visibility",
        "select",
        "int",
        "int",
        source="Magento\\Catalog\\Model\\Product\\Visibility",
        fixed_options=(
            ("1", "Not Visible Individually"),
            ("2", "Catalog"),
            ("3", "Search"),
            ("4", "Catalog, Search"),
        ),
    ),
    Attribute(
        "options_container",
        107,
        "Display Product Options In",
        "select",
        "varchar",
        "text",
        source="Magento\\Catalog\\Model\\Entity\\Product\\Attribute\\Design\\Options\\Container",
        fixed_options=(("container1", "Product Info Column"), ("container2", "Block after Info Column")),
    ),
    Attribute("required_options", 108, "required_options", "text", "static", "int", "global", static=True),
    Attribute("has_options", 109, "has_options", "text", "static", "int", "global", static=True),
    Attribute("created_at", 112, "created_at", "date", "static", "datetime", "global", static=True),
    Attribute("updated_at", 113, "updated_at", "date", "static", "datetime", "global", static=True),
    Attribute("url_key", 121, "URL Key", "text", "varchar", "text"),
    Attribute(
        "tax_class_id",
        132,
        "Tax Class",
        "select",
        "int",
        "int",
        "website",
        source="Magento\\Tax\\Model\\TaxClass\\Source\\Product",
        fixed_options=(("0", "None"), ("2", "Taxable Goods")),
    ),
    Attribute("category_ids", 133, "Categories", "categories", "static", "int", "global", static=True),
    Attribute("size", 144, "Size", "select", "int", "int", "global", True, source=TABLE_SOURCE),
    Attribute("material", 145, "Material", "select", "int", "int", "global", True, source=TABLE_SOURCE),
    Attribute("ean", 146, "EAN", "text", "varchar", "text", "global", True),
)
# Option vocabularies of the select attributes, in the order their option ids are given.
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "manufacturer": tuple(VENDORS),
    "color": COLORS,
    "size": SIZES,
    "material": MATERIALS,
}
# Metafield types -> (frontend_input, backend_type, kind) of the attribute that holds them.
METAFIELD_TYPES = {
    "multi_line_text_field": ("textarea", "text", "text"),
    "number_integer": ("text", "int", "int"),
    "number_decimal": ("text", "decimal", "decimal"),
    "boolean": ("boolean", "int", "int"),
}
DEFAULT_METAFIELD_TYPE = ("text", "varchar", "text")
_CODE = re.compile(r"^[a-z][a-z_0-9]{0,29}[a-z0-9]$")


def format_url_key(text: str) -> str:
    """Catalog\\Model\\Product\\Url::formatUrlKey: transliterate, lower-case, dashes between words."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


@functools.lru_cache(maxsize=1024)
def generate_code(label: str) -> str:
    """The attribute code the admin derives from a label: 30 characters at most, so a long option
    name is cut mid-word (Catalog\\Controller\\Adminhtml\\Product\\Attribute\\Save::generateCode)."""
    code = re.sub(r"[^a-z_0-9]", "_", format_url_key(label))[:30]
    return code if _CODE.match(code) else f"attr_{code}"


class Registry:
    """The attributes and option ids for one catalog version."""

    def __init__(self, products: Iterable[Product]) -> None:
        self._attributes = {attribute.code: attribute for attribute in SYSTEM}
        observed: dict[str, set[str]] = {}
        labels: dict[str, str] = {}
        metafields: dict[str, str] = {}
        for product in products:
            observed.setdefault("manufacturer", set()).add(product.vendor)
            for option in product.options:
                code = generate_code(option.name)
                labels.setdefault(code, option.name)
                observed.setdefault(code, set()).update(option.values)
            for field in product.metafields:
                code = generate_code(field.key)
                metafields.setdefault(code, field.type)
                if code in VOCABULARIES or code in labels:
                    observed.setdefault(code, set()).add(field.value)
        discovered = sorted(code for code in labels if code not in self._attributes)
        for number, code in enumerate(discovered):
            self._attributes[code] = Attribute(
                code,
                FIRST_DISCOVERED_ID + number,
                labels[code],
                "select",
                "int",
                "int",
                "global",
                True,
                TABLE_SOURCE,
            )
        for number, (code, kind) in enumerate(sorted(metafields.items()), start=len(discovered)):
            if code not in self._attributes:
                frontend, backend, compare = METAFIELD_TYPES.get(kind, DEFAULT_METAFIELD_TYPE)
                label = code.replace("_", " ").capitalize()
                self._attributes[code] = Attribute(
                    code, FIRST_DISCOVERED_ID + number, label, frontend, backend, compare, "global", True
                )
        self._options: dict[str, dict[str, int]] = {}
        next_id = FIRST_OPTION_ID
        for code in [*VOCABULARIES, *discovered]:
            known = VOCABULARIES.get(code, ())
            values = [*known, *sorted(observed.get(code, set()) - set(known))]
            self._options[code] = {value: next_id + index for index, value in enumerate(values)}
            next_id += len(values)

    def get(self, code: str) -> Attribute | None:
        return self._attributes.get(code)

    def option_id(self, code: str, label: str) -> int | None:
        return self._options.get(code, {}).get(label)

    def options(self, code: str) -> list[dict[str, str]]:
        """`GET /V1/products/attributes/{code}/options`: table-sourced selects start with the empty
        choice, as in the published attribute-set sample (GET_V1_products_attribute-sets_9_attributes)."""
        attribute = self._attributes[code]
        if attribute.fixed_options:
            return [{"label": label, "value": value} for value, label in attribute.fixed_options]
        if code not in self._options:
            return []
        return [{"label": " ", "value": ""}] + [
            {"label": label, "value": str(option)} for label, option in self._options[code].items()
        ]

    def payload(self, code: str) -> dict[str, Any]:
        """`GET /V1/products/attributes/{code}`: catalog-data-product-attribute-interface."""
        attribute = self._attributes[code]
        return {
            "is_wysiwyg_enabled": False,
            "is_html_allowed_on_front": attribute.input == "textarea",
            "used_for_sort_by": attribute.code in {"name", "price"},
            "is_filterable": attribute.is_select and attribute.user_defined,
            "is_filterable_in_search": False,
            "is_used_in_grid": True,
            "is_visible_in_grid": False,
            "is_filterable_in_grid": True,
            "position": 0,
            "apply_to": [],
            "is_searchable": "1" if attribute.code in {"name", "sku", "description"} else "0",
            "is_visible_in_advanced_search": "0",
            "is_comparable": "0",
            "is_used_for_promo_rules": "0",
            "is_visible_on_front": "0",
            "used_in_product_listing": "1" if attribute.code in {"name", "price", "special_price"} else "0",
            "is_visible": True,
            "scope": attribute.scope,
            "attribute_id": attribute.id,
            "attribute_code": attribute.code,
            "frontend_input": attribute.input,
            "entity_type_id": ids.ENTITY_TYPE_PRODUCT,
            "is_required": attribute.code in {"name", "sku", "price", "status"},
            "options": self.options(code),
            "is_user_defined": attribute.user_defined,
            "default_frontend_label": attribute.label,
            "frontend_labels": [],
            "backend_type": attribute.backend,
            "source_model": attribute.source,
            "default_value": "",
            "is_unique": "1" if attribute.code == "sku" else "0",
            "validation_rules": [],
        }
