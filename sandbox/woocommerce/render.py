"""Products and variations as the v3 REST API renders them.

Keys and JSON types follow the published examples (GET_products_794.response.json,
GET_products_22_variations_732.response.json). Derived values follow WooCommerce: `price` is
the sale price while on sale, else the regular one; a variable product's price, stock status and
`variations` come from its children; descriptions are formatted in the `view` context only.
Rendered products are cached as JSON, keyed by the post's revision, so a page of 100 from a
store of 100,000 costs little more than joining bytes.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from sandbox.http import dumps
from sandbox.woocommerce import images
from sandbox.woocommerce.database import CATEGORY, TAG, Database, Post, attribute_taxonomy
from sandbox.woocommerce.products import attribute_key
from sandbox.woocommerce.text import format_content, wpautop
from sandbox.woocommerce.times import gmt, local

API = "/wp-json/wc/v3"
# Rendered products kept as JSON (about 1.7 KB each); the oldest go first beyond this many.
CACHE_SIZE = 20_000
_AMOUNT = '<span class="woocommerce-Price-amount amount"><bdi><span class="woocommerce-Price-currencySymbol">&#36;</span>{}</bdi></span>'  # noqa: E501


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None


def on_sale(post: Post, now: float | None = None) -> bool:
    """WC_Product::is_on_sale(): a sale price below the regular one, within the sale dates."""
    regular, sale = _decimal(post.regular_price), _decimal(post.sale_price)
    if sale is None or regular is None or not regular > sale:
        return False
    now = time.time() if now is None else now
    return not (post.sale_from and post.sale_from > now) and not (post.sale_to and post.sale_to < now)


def own_price(post: Post) -> str:
    return post.sale_price if on_sale(post) else post.regular_price


def _money(amount: str) -> str:
    return _AMOUNT.format(f"{Decimal(amount):,.2f}")


class Renderer:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: dict[tuple[int, str], tuple[tuple[Any, ...], bytes]] = {}

    def clear(self) -> None:
        self._cache.clear()

    # -- cached JSON -------------------------------------------------------------------------
    def _timeless(self, post: Post) -> bool:
        """Whether a product renders the same at any time: no sale dates on it or its variations,
        and not grouped (a grouped product's price follows products it does not track)."""
        family = [post, *self.db.variations(post.id)] if post.type == "variable" else [post]
        return post.type != "grouped" and not any(item.sale_from or item.sale_to for item in family)

    def product_json(self, post: Post, site: str, context: str) -> bytes:
        if not self._timeless(post):
            return dumps(self.product(post, site, context))
        parent = self.db.posts.get(post.parent_id)
        stamp = (post.rev, parent.rev if parent else 0, self.db.epoch, site)
        key = (post.id, context)
        cached = self._cache.get(key)
        if cached is None or cached[0] != stamp:
            cached = (stamp, dumps(self.product(post, site, context)))
            self._cache.pop(key, None)
            self._cache[key] = cached
            if len(self._cache) > CACHE_SIZE:
                del self._cache[next(iter(self._cache))]
        return cached[1]

    def products_json(self, items: Iterable[Post], site: str, context: str) -> bytes:
        return b"[" + b",".join(self.product_json(post, site, context) for post in items) + b"]"

    # -- products ----------------------------------------------------------------------------
    def children(self, post: Post) -> list[Post]:
        """A product's variations outside the trash, in WooCommerce's order (menu order, id)."""
        kids = [child for child in self.db.variations(post.id) if child.status != "trash"]
        return sorted(kids, key=lambda child: (child.menu_order, child.id))

    def price_of(self, post: Post) -> tuple[str, str, bool]:
        """(price, highest price, on sale): from the children for variable and grouped products."""
        if post.type in ("variable", "grouped"):
            kids = self.children(post) if post.type == "variable" else self._grouped(post)
            priced = [kid for kid in kids if kid.status == "publish" and own_price(kid)]
            prices = sorted((Decimal(own_price(kid)), own_price(kid)) for kid in priced)
            if not prices:
                return "", "", False
            return prices[0][1], prices[-1][1], any(on_sale(kid) for kid in priced)
        price = own_price(post)
        return price, price, on_sale(post)

    def _grouped(self, post: Post) -> list[Post]:
        return [self.db.posts[item] for item in post.grouped_products if item in self.db.posts]

    def stock_status_of(self, post: Post) -> str:
        """A variable product's stock status follows its variations (sync_stock_status())."""
        kids = self.children(post) if post.type == "variable" else []
        if not kids:
            return post.stock_status
        statuses = {kid.stock_status for kid in kids}
        for status in ("instock", "onbackorder"):
            if status in statuses:
                return status
        return "outofstock"

    def _price_html(self, post: Post, price: str, high: str, sale: bool) -> str:
        if not price:
            return ""
        if price != high:
            return f"{_money(price)} &ndash; {_money(high)}"
        if sale and post.type not in ("variable", "grouped"):
            return (
                f'<del aria-hidden="true">{_money(post.regular_price)}</del> '
                f'<ins aria-hidden="true">{_money(price)}</ins>'
            )
        return _money(price)

    def permalink(self, post: Post, site: str) -> str:
        if post.kind == "variation":
            parent = self.db.posts.get(post.parent_id)
            base = (
                self.permalink(parent, site) if parent else f"{site}/?post_type=product_variation&p={post.id}"
            )
            query = "&".join(
                f"attribute_{item['key']}={quote(item['option'])}"
                for item in post.variation_attributes
                if item["option"]
            )
            return f"{base}{'&' if '?' in base else '?'}{query}" if query else base
        if post.slug and post.status in ("publish", "private"):
            return f"{site}/product/{post.slug}/"
        return f"{site}/?post_type=product&p={post.id}"

    def _terms(self, ids: list[int], taxonomy: str) -> list[dict[str, Any]]:
        found = (self.db.term(term_id, taxonomy) for term_id in ids)
        return [{"id": term.id, "name": term.name, "slug": term.slug} for term in found if term is not None]

    def _options(self, attribute: dict[str, Any]) -> list[str]:
        if not attribute["id"]:
            return list(attribute["options"])
        taxonomy = attribute_taxonomy(attribute["id"])
        found = [term for term in (self.db.term(item, taxonomy) for item in attribute["options"]) if term]
        order = self.db.attributes[attribute["id"]].order_by
        sort_key = {"name": lambda term: term.name.lower(), "id": lambda term: term.id}.get(
            order, lambda term: (term.menu_order, term.id)
        )
        return [term.name for term in sorted(found, key=sort_key)]

    def attribute_label(self, post: Post | None, item: dict[str, Any]) -> str:
        """A global attribute's label, or the parent product's own name for a local one."""
        if item["id"]:
            attribute = self.db.attributes.get(item["id"])
            return attribute.name if attribute else ""
        for attribute in post.attributes if post else ():
            if not attribute["id"] and attribute_key(self.db, attribute) == item["key"]:
                return attribute["name"]
        return item["key"]

    def _product_attributes(self, post: Post) -> list[dict[str, Any]]:
        return [
            {
                "id": attribute["id"],
                "name": self.db.attributes[attribute["id"]].name if attribute["id"] else attribute["name"],
                "position": attribute["position"],
                "visible": attribute["visible"],
                "variation": attribute["variation"],
                "options": self._options(attribute),
            }
            for attribute in post.attributes
            if not attribute["id"] or attribute["id"] in self.db.attributes
        ]

    def variation_attributes(self, variation: Post) -> list[dict[str, Any]]:
        """[{id, name, option}]: a global attribute's option shown by its term's name."""
        parent = self.db.posts.get(variation.parent_id)
        rendered = []
        for item in variation.variation_attributes:
            option = item["option"]
            if item["id"]:
                term = self.db.term_by_slug(attribute_taxonomy(item["id"]), option)
                option = term.name if term else option
            rendered.append({"id": item["id"], "name": self.attribute_label(parent, item), "option": option})
        return rendered

    def _images(self, post: Post, site: str) -> list[dict[str, Any]]:
        found = (self.db.attachments.get(item) for item in post.image_ids)
        return [images.payload(attachment, site) for attachment in found if attachment]

    def _stock_fields(self, post: Post, status: str) -> dict[str, Any]:
        allowed = post.backorders in ("yes", "notify")
        quantity = post.stock_quantity if post.manage_stock else None
        return {
            "manage_stock": post.manage_stock,
            "stock_quantity": quantity,
            "stock_status": status,
            "backorders": post.backorders,
            "backorders_allowed": allowed,
            "backordered": status == "onbackorder" or (post.manage_stock and allowed and (quantity or 0) < 0),
        }

    @staticmethod
    def _prices(post: Post, price: str) -> dict[str, Any]:
        return {
            "sku": post.sku,
            "price": price,
            "regular_price": post.regular_price,
            "sale_price": post.sale_price,
            "date_on_sale_from": local(post.sale_from),
            "date_on_sale_from_gmt": gmt(post.sale_from),
            "date_on_sale_to": local(post.sale_to),
            "date_on_sale_to_gmt": gmt(post.sale_to),
        }

    def product(self, post: Post, site: str, context: str) -> dict[str, Any]:
        """A product (or a variation met through /products) in the products controller's shape."""
        price, high, sale = self.price_of(post)
        is_variation = post.kind == "variation"
        parent = self.db.posts.get(post.parent_id) if is_variation else None
        view = context == "view"
        purchasable = bool(price) and post.type not in ("external", "grouped")
        data: dict[str, Any] = {
            "id": post.id,
            "name": self._variation_name(post, parent) if is_variation else post.name,
            "slug": post.slug,
            "permalink": self.permalink(post, site),
            "date_created": local(post.created),
            "date_created_gmt": gmt(post.created),
            "date_modified": local(post.modified),
            "date_modified_gmt": gmt(post.modified),
            "type": post.type,
            "status": post.status,
            "featured": post.featured,
            "catalog_visibility": post.catalog_visibility,
            "description": wpautop(post.description) if view else post.description,
            "short_description": format_content(post.short_description) if view else post.short_description,
            **self._prices(post, price),
            "price_html": self._price_html(post, price, high, sale),
            "on_sale": sale,
            "purchasable": purchasable,
            "total_sales": 0,
            "virtual": post.virtual,
            "downloadable": post.downloadable,
            "downloads": list(post.downloads),
            "download_limit": post.download_limit,
            "download_expiry": post.download_expiry,
            "external_url": post.external_url,
            "button_text": post.button_text,
            "tax_status": post.tax_status,
            "tax_class": post.tax_class,
            **self._stock_fields(post, self.stock_status_of(post)),
            "sold_individually": post.sold_individually,
            "weight": post.weight,
            "dimensions": {"length": post.length, "width": post.width, "height": post.height},
            "shipping_required": not post.virtual,
            "shipping_taxable": not post.virtual and post.tax_status in ("taxable", "shipping"),
            "shipping_class": "",
            "shipping_class_id": 0,
            "reviews_allowed": post.reviews_allowed,
            "average_rating": "0.00",
            "rating_count": 0,
            "related_ids": [],
            "upsell_ids": list(post.upsell_ids),
            "cross_sell_ids": list(post.cross_sell_ids),
            "parent_id": post.parent_id,
            "purchase_note": post.purchase_note,
            "categories": self._terms(post.category_ids, CATEGORY),
            "tags": self._terms(post.tag_ids, TAG),
            "images": self._images(post, site),
            "attributes": self.variation_attributes(post) if is_variation else self._product_attributes(post),
            "default_attributes": [
                {"id": item["id"], "name": self.attribute_label(post, item), "option": item["option"]}
                for item in post.default_attributes
            ],
            "variations": [child.id for child in self.children(post)] if post.type == "variable" else [],
            "grouped_products": list(post.grouped_products),
            "menu_order": post.menu_order,
            "meta_data": [dict(item) for item in post.meta_data],
            "_links": self._links(post, site, "products"),
        }
        return data

    def _variation_name(self, variation: Post, parent: Post | None) -> str:
        """WooCommerce titles a variation "Parent - Black, M" (up to two attributes)."""
        name = parent.name if parent else ""
        options = [item["option"] for item in self.variation_attributes(variation) if item["option"]]
        return f"{name} - {', '.join(options)}" if options and len(options) <= 2 else name

    def _links(self, post: Post, site: str, collection: str) -> dict[str, Any]:
        links: dict[str, Any] = {
            "self": [{"href": f"{site}{API}/{collection}/{post.id}"}],
            "collection": [{"href": f"{site}{API}/{collection}"}],
        }
        if post.parent_id:
            links["up"] = [{"href": f"{site}{API}/products/{post.parent_id}"}]
        return links

    # -- variations ----------------------------------------------------------------------------
    def variation(self, post: Post, site: str) -> dict[str, Any]:
        """A variation in the variations controller's shape (GET_products_22_variations_732)."""
        price, _, sale = self.price_of(post)
        attachment = self.db.attachments.get(post.image_ids[0]) if post.image_ids else None
        return {
            "id": post.id,
            "date_created": local(post.created),
            "date_created_gmt": gmt(post.created),
            "date_modified": local(post.modified),
            "date_modified_gmt": gmt(post.modified),
            "description": format_content(post.description),
            "permalink": self.permalink(post, site),
            **self._prices(post, price),
            "on_sale": sale,
            "status": post.status,
            "purchasable": bool(price) and post.status == "publish",
            "virtual": post.virtual,
            "downloadable": post.downloadable,
            "downloads": list(post.downloads),
            "download_limit": post.download_limit,
            "download_expiry": post.download_expiry,
            "tax_status": post.tax_status,
            "tax_class": post.tax_class,
            **self._stock_fields(post, post.stock_status),
            "weight": post.weight,
            "dimensions": {"length": post.length, "width": post.width, "height": post.height},
            "shipping_class": "",
            "shipping_class_id": 0,
            "image": images.payload(attachment, site) if attachment else None,
            "attributes": self.variation_attributes(post),
            "menu_order": post.menu_order,
            "meta_data": [dict(item) for item in post.meta_data],
            "_links": self._links(post, site, f"products/{post.parent_id}/variations"),
        }
