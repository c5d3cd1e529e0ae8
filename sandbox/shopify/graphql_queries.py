"""The root fields the catalog answers: products (search, sort, keyset pages), productsCount,
product / node / nodes by id, productVariants, collections, shop, currentAppInstallation.

Sorted indexes, search results and rendered products are kept per catalog version: a page of a
100,000-product catalog costs a bisect and the rendering of the products on it.
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from graphql import GraphQLResolveInfo

from sandbox.catalog import EPOCH, Catalog, Category, Product, Variant
from sandbox.settings import SandboxSettings
from sandbox.shopify import ids, rest
from sandbox.shopify.graphql_catalog import Node, ProductView, count, datetime_text, plain_text
from sandbox.shopify.graphql_errors import parse_gid
from sandbox.shopify.graphql_paging import SortKey, connection, listed
from sandbox.shopify.graphql_schema import NeedsInfo, admin_schema
from sandbox.shopify.graphql_search import (
    Matcher,
    Search,
    Term,
    bool_matches,
    filter_fields,
    matches,
    number_matches,
    text_matches,
    time_matches,
    words_match,
)

# Rendered products kept between requests (as the REST endpoint does): a page asked again costs a
# lookup, and a 100,000-product catalog never sits in memory rendered whole.
RENDERED_PRODUCTS = 10_000
# Search results kept per catalog version: an importer pages through one search at a time.
SEARCHES_KEPT = 32
VARIANT_SLOTS = 1000  # a variant's catalog key is product key * 1000 + position (catalog.py)
APP_INSTALLATION_ID = 913990517042


# -- sorting and searching products ----------------------------------------------------------------
def _sort_value(sort_key: str) -> Callable[[Product], Any]:
    by: dict[str, Callable[[Product], Any]] = {
        "TITLE": lambda p: p.title.casefold(),
        "UPDATED_AT": lambda p: datetime_text(p.updated_at),
        "CREATED_AT": lambda p: datetime_text(p.created_at),
        "PUBLISHED_AT": lambda p: datetime_text(p.published_at) or "",
        "PRODUCT_TYPE": lambda p: p.product_type.casefold(),
        "VENDOR": lambda p: p.vendor.casefold(),
        "INVENTORY_TOTAL": lambda p: _inventory_total(p),
    }
    # ID and RELEVANCE (the sandbox does not score matches) keep the id order.
    return by.get(sort_key, lambda p: ids.product_id(p.key))


def _inventory_total(product: Product) -> int:
    return sum(v.inventory_quantity for v in product.variants if v.inventory_tracked)


def _time(attribute: str) -> Matcher:
    return lambda p, term: time_matches(getattr(p, attribute), term, rest.SHOP_TIMEZONE)


def _published(product: Product, term: Term) -> bool:
    wanted = term.value.lower()
    if wanted in ("any", "online_store_channel"):
        return True
    if wanted in ("published", "visible"):
        return product.published_at is not None
    return wanted == "unpublished" and product.published_at is None


def _metafield(product: Product, term: Term) -> bool:
    _, namespace, key = term.field.split(".", 2)
    found = [m.value for m in product.metafields if m.namespace == namespace and m.key == key]
    return text_matches(found, term)


def _default_text(product: Product) -> str:
    skus = " ".join(v.sku or "" for v in product.variants)
    return " ".join(
        (product.title, product.vendor, product.product_type, product.handle, *product.tags, skus)
    )


PRODUCT_MATCHERS: dict[str, Matcher] = {
    "default": lambda p, term: words_match(_default_text(p), term),
    "title": lambda p, term: words_match(p.title, term),
    "barcode": lambda p, term: text_matches([v.barcode for v in p.variants], term),
    "sku": lambda p, term: text_matches([v.sku for v in p.variants], term),
    "collection_id": lambda p, term: text_matches([str(ids.collection_id(k)) for k in p.category_keys], term),
    "created_at": _time("created_at"),
    "updated_at": _time("updated_at"),
    "published_at": _time("published_at"),
    "handle": lambda p, term: text_matches([p.handle], term),
    "id": lambda p, term: number_matches(ids.product_id(p.key), term),
    "inventory_total": lambda p, term: number_matches(_inventory_total(p), term),
    "price": lambda p, term: any(number_matches(v.price or Decimal(0), term) for v in p.variants),
    "product_type": lambda p, term: text_matches([p.product_type], term),
    "vendor": lambda p, term: text_matches([p.vendor], term),
    "tag": lambda p, term: text_matches(list(p.tags), term),
    "tag_not": lambda p, term: not text_matches(list(p.tags), term),
    "status": lambda p, term: text_matches([p.status], term),
    "published_status": _published,
    "has_only_default_variant": lambda p, term: bool_matches(p.is_simple, term),
    "is_price_reduced": lambda p, term: bool_matches(
        any(v.compare_at_price and v.price and v.compare_at_price > v.price for v in p.variants), term
    ),
    "out_of_stock_somewhere": lambda p, term: bool_matches(
        any(v.inventory_tracked and v.inventory_quantity <= 0 for v in p.variants), term
    ),
    "variant_id": lambda p, term: text_matches([str(ids.variant_id(v.key)) for v in p.variants], term),
    "variant_title": lambda p, term: text_matches([" / ".join(v.option_values) for v in p.variants], term),
    "metafields.*": _metafield,
}
VARIANT_MATCHERS: dict[str, Matcher] = {
    "default": lambda pv, term: words_match(
        " ".join((pv[0].title, *pv[1].option_values, pv[1].sku or "")), term
    ),
    "barcode": lambda pv, term: text_matches([pv[1].barcode], term),
    "sku": lambda pv, term: text_matches([pv[1].sku], term),
    "id": lambda pv, term: number_matches(ids.variant_id(pv[1].key), term),
    "inventory_quantity": lambda pv, term: number_matches(pv[1].inventory_quantity, term),
    "option1": lambda pv, term: text_matches(list(pv[1].option_values[:1]), term),
    "option2": lambda pv, term: text_matches(list(pv[1].option_values[1:2]), term),
    "option3": lambda pv, term: text_matches(list(pv[1].option_values[2:3]), term),
    "product_id": lambda pv, term: number_matches(ids.product_id(pv[0].key), term),
    "product_ids": lambda pv, term: text_matches([str(ids.product_id(pv[0].key))], term),
    "product_status": lambda pv, term: text_matches([pv[0].status], term),
    "managed": lambda pv, term: bool_matches(pv[1].inventory_tracked, term),
    "taxable": lambda pv, term: bool_matches(True, term),
    "title": lambda pv, term: text_matches([" / ".join(pv[1].option_values) or rest.DEFAULT_TITLE], term),
    "collection": lambda pv, term: text_matches(
        [str(ids.collection_id(k)) for k in pv[0].category_keys], term
    ),
    **{
        name: (lambda matcher: lambda pv, term: matcher(pv[0], term))(PRODUCT_MATCHERS[name])
        for name in ("product_type", "vendor", "tag", "tag_not", "updated_at", "published_status")
    },
}


class VariantKeys(Sequence[SortKey]):
    """Variant ids as the (id, id) keys paging bisects, without a tuple per variant."""

    def __init__(self, numbers: array) -> None:
        self.numbers = numbers

    def __len__(self) -> int:
        return len(self.numbers)

    def __getitem__(self, index: Any) -> Any:
        number = self.numbers[index]
        return (number, number)


@dataclass(frozen=True)
class Listing:
    """Products in one order (after one search): keys for paging, catalog keys to render."""

    keys: list[SortKey]
    product_keys: list[int]


class CatalogQueries:
    """The root value of one store's requests; indexes rebuilt when the catalog changes."""

    def __init__(self, catalog: Catalog, settings: SandboxSettings) -> None:
        self.catalog = catalog
        self.settings = settings
        schema = admin_schema()
        root = schema.query_type
        assert root is not None
        self.product_fields = filter_fields(root.fields["products"].args["query"].description)
        self.variant_fields = filter_fields(root.fields["productVariants"].args["query"].description)
        self._lock = threading.Lock()
        self._version = -1
        self._indexes: OrderedDict[Any, Any] = OrderedDict()
        self._searches: OrderedDict[Any, Any] = OrderedDict()
        self._views: OrderedDict[int, ProductView] = OrderedDict()

    # -- per-version memory ----------------------------------------------------------------------
    def _remembered(
        self, store: OrderedDict[Any, Any], name: Any, build: Callable[[], Any], keep: int = 0
    ) -> Any:
        """`build()` once per catalog version; with `keep`, only the `keep` latest are kept."""
        with self._lock:
            self._refresh()
            version = self._version
            if name in store:
                if keep:
                    store.move_to_end(name)
                return store[name]
        built = build()
        with self._lock:
            self._refresh()
            if self._version != version:  # the catalog changed while building: do not keep it
                return built
            store.setdefault(name, built)
            if keep and len(store) > keep:
                store.popitem(last=False)
            return store[name]

    def _cached(self, name: Any, build: Callable[[], Any]) -> Any:
        return self._remembered(self._indexes, name, build)

    def _refresh(self) -> None:
        if self._version != self.catalog.version:
            self._version = self.catalog.version
            self._indexes.clear()
            self._searches.clear()
            self._views.clear()

    def view(self, product: Product) -> ProductView:
        return self._remembered(
            self._views, product.key, lambda: ProductView(product, self.collection_node), RENDERED_PRODUCTS
        )

    def _search(self, name: Any, build: Callable[[], Any]) -> Any:
        return self._remembered(self._searches, name, build, SEARCHES_KEPT)

    # -- the root value -----------------------------------------------------------------------------
    def root(self) -> Node:
        return {
            "products": NeedsInfo(self.products),
            "productsCount": NeedsInfo(self.products_count),
            "product": lambda id: self._node_of_kind(id, "Product"),
            "productByHandle": lambda handle: self._by_handle(handle),
            "productVariant": lambda id: self._node_of_kind(id, "ProductVariant"),
            "productVariants": NeedsInfo(self.product_variants),
            "productVariantsCount": NeedsInfo(self.product_variants_count),
            "node": self.node,
            "nodes": lambda ids: [self.node(one) for one in ids],
            "collection": lambda id: self._node_of_kind(id, "Collection"),
            "collectionByHandle": lambda handle: next(
                (self.collection_node(c.key) for c in self.catalog.categories if c.slug == handle), None
            ),
            "collections": lambda **args: listed(
                self.catalog.categories, lambda c: c.key, self._category_node
            )(**args),
            "inventoryItem": lambda id: self._node_of_kind(id, "InventoryItem"),
            "shop": self._cached("shop", self._shop),
            "currentAppInstallation": self._app_installation(),
        }

    # -- products ---------------------------------------------------------------------------------
    def listing(
        self, sort_key: str, query: str | None, warn: Callable[[Search], None] | None = None
    ) -> Listing:
        search = Search(query or "", self.product_fields)
        if warn is not None:
            warn(search)
        ordered: Listing = self._cached(("sorted", sort_key), lambda: self._sorted(sort_key))
        if search.tree is None:
            return ordered
        return self._search(
            ("products", sort_key, repr(search.tree)), lambda: self._filtered(ordered, search)
        )

    def _sorted(self, sort_key: str) -> Listing:
        value = _sort_value(sort_key)
        rows = sorted((value(p), ids.product_id(p.key), p.key) for p in self.catalog.products())
        return Listing([(row[0], row[1]) for row in rows], [row[2] for row in rows])

    def _filtered(self, ordered: Listing, search: Search) -> Listing:
        keep = [
            index
            for index, key in enumerate(ordered.product_keys)
            if (product := self.catalog.get(key)) is not None
            and matches(search.tree, product, PRODUCT_MATCHERS, self.product_fields)
        ]
        return Listing([ordered.keys[i] for i in keep], [ordered.product_keys[i] for i in keep])

    def products(
        self, info: GraphQLResolveInfo, sortKey: str = "ID", query: str | None = None, **args: Any
    ) -> Node:
        found = self.listing(sortKey, query, _reporter(info))
        return connection(found.keys, args, lambda position: self._product_node(found.product_keys[position]))

    def products_count(
        self, info: GraphQLResolveInfo, query: str | None = None, limit: int | None = None, **_: Any
    ) -> Node:
        total = len(self.listing("ID", query, _reporter(info)).keys)
        if limit is not None and total > limit:
            return {"count": limit, "precision": "AT_LEAST"}
        return count(total)

    def _product_node(self, key: int) -> Node | None:
        product = self.catalog.get(key)
        return self.view(product).node if product is not None else None

    def _by_handle(self, handle: str) -> Node | None:
        index = self._cached("handles", lambda: {p.handle: p.key for p in self.catalog.products()})
        key = index.get(handle)
        return self._product_node(key) if key is not None else None

    # -- variants -----------------------------------------------------------------------------------
    def _variants(self, query: str | None, warn: Callable[[Search], None]) -> VariantKeys:
        search = Search(query or "", self.variant_fields)
        warn(search)

        def build() -> VariantKeys:
            numbers = array("q")
            for product in sorted(self.catalog.products(), key=lambda p: p.key):
                numbers.extend(
                    ids.variant_id(v.key)
                    for v in product.variants
                    if matches(search.tree, (product, v), VARIANT_MATCHERS, self.variant_fields)
                )
            return VariantKeys(numbers)

        return self._search(("variants", repr(search.tree)), build)

    def product_variants(self, info: GraphQLResolveInfo, query: str | None = None, **args: Any) -> Node:
        keys = self._variants(query, _reporter(info))
        return connection(keys, args, lambda position: self._variant_node(keys.numbers[position]))

    def product_variants_count(
        self, info: GraphQLResolveInfo, query: str | None = None, limit: int | None = None, **_: Any
    ) -> Node:
        total = len(self._variants(query, _reporter(info)))
        if limit is not None and total > limit:
            return {"count": limit, "precision": "AT_LEAST"}
        return count(total)

    def _variant(self, number: int) -> tuple[Product, Variant] | None:
        product_key, position = divmod(number - ids.VARIANT_BASE, VARIANT_SLOTS)
        product = self.catalog.get(product_key) if number >= ids.VARIANT_BASE else None
        if product is None or not 1 <= position <= len(product.variants):
            return None
        return product, product.variants[position - 1]

    def _variant_node(self, number: int) -> Node | None:
        found = self._variant(number)
        return self.view(found[0]).variants[found[1].position - 1] if found else None

    # -- nodes by id --------------------------------------------------------------------------------
    def node(self, id: str) -> Node | None:
        kind, number = parse_gid(id)
        lookup = {
            "Product": lambda: self._product_node(
                ids.product_key(number) if number >= ids.PRODUCT_BASE else -1
            ),
            "ProductVariant": lambda: self._variant_node(number),
            "MediaImage": lambda: self._image_node(number, media=True),
            "InventoryItem": lambda: self._inventory_item(number),
            "Collection": lambda: self.collection_node(number - ids.COLLECTION_BASE),
            "Shop": lambda: self._cached("shop", self._shop) if number == ids.SHOP_ID else None,
        }.get(kind)
        return lookup() if lookup is not None else None

    def _node_of_kind(self, id: str, kind: str) -> Node | None:
        found = self.node(id)
        return found if found is not None and found.get("__typename") == kind else None

    def _image_node(self, number: int, media: bool) -> Node | None:
        product_key, index = divmod(number - ids.IMAGE_BASE, 1000)
        product = self.catalog.get(product_key) if number >= ids.IMAGE_BASE else None
        if product is None or index >= len(product.images):
            return None
        view = self.view(product)
        return view.media[index] if media else view.images[index]

    def _inventory_item(self, number: int) -> Node | None:
        node = self._variant_node(number - ids.INVENTORY_ITEM_BASE + ids.VARIANT_BASE)
        if node is None:
            return None
        return {**node["inventoryItem"], "variant": node}

    # -- collections (the catalog's categories) ---------------------------------------------------
    def collection_node(self, category_key: int) -> Node | None:
        if not 1 <= category_key <= len(self.catalog.categories):
            return None
        return self._category_node(self.catalog.category(category_key))

    def _category_node(self, category: Category) -> Node:
        number = ids.collection_id(category.key)

        def members() -> Listing:
            return self.listing("ID", f"collection_id:{number}")

        return {
            "__typename": "Collection",
            "id": ids.gid("Collection", number),
            "legacyResourceId": str(number),
            "title": category.name,
            "handle": category.slug,
            "descriptionHtml": category.description,
            "description": lambda truncateAt=None: plain_text(category.description, truncateAt),
            "sortOrder": "MANUAL",
            "templateSuffix": None,
            "updatedAt": datetime_text(EPOCH),
            "seo": {"title": None, "description": None},
            "productsCount": NeedsInfo(lambda info: count(len(members().keys))),
            "products": lambda **args: connection(
                members().keys, args, lambda position: self._product_node(members().product_keys[position])
            ),
            "hasProduct": lambda id: self._in_collection(id, category.key),
        }

    def _in_collection(self, id: str, category_key: int) -> bool:
        node = self._node_of_kind(id, "Product")
        product = self.catalog.get(ids.product_key(parse_gid(id)[1]) or 0) if node else None
        return product is not None and category_key in product.category_keys

    # -- the shop and the app ----------------------------------------------------------------------
    def _shop(self) -> Node:
        shop = rest.shop(self.settings.shopify_plan, self.catalog)
        domain = shop["myshopify_domain"]
        return {
            "__typename": "Shop",
            "id": ids.gid("Shop", shop["id"]),
            "name": shop["name"],
            "email": shop["email"],
            "contactEmail": shop["customer_email"],
            "myshopifyDomain": domain,
            "url": f"https://{domain}",
            "primaryDomain": {
                "id": ids.gid("Domain", shop["id"]),
                "host": domain,
                "url": f"https://{domain}",
                "sslEnabled": True,
            },
            "currencyCode": shop["currency"],
            "enabledPresentmentCurrencies": shop["enabled_presentment_currencies"],
            "ianaTimezone": shop["iana_timezone"],
            "timezoneAbbreviation": "EST",
            "timezoneOffset": "-0500",
            "timezoneOffsetMinutes": -300,
            "weightUnit": "KILOGRAMS",
            "shopOwnerName": shop["shop_owner"],
            "taxesIncluded": bool(shop["taxes_included"]),
            "createdAt": datetime_text(rest.SHOP_CREATED),
            "updatedAt": datetime_text(
                max((p.updated_at for p in self.catalog.products()), default=rest.SHOP_CREATED)
            ),
            "plan": {
                "displayName": shop["plan_display_name"],
                "publicDisplayName": shop["plan_display_name"],
                "partnerDevelopment": False,
                "shopifyPlus": self.settings.shopify_plan == "plus",
            },
        }

    @staticmethod
    def _app_installation() -> Node:

        return {
            "__typename": "AppInstallation",
            "id": ids.gid("AppInstallation", APP_INSTALLATION_ID),
            "accessScopes": [{"handle": scope, "description": ""} for scope in ids.SCOPES],
        }


def _reporter(info: GraphQLResolveInfo) -> Callable[[Search], None]:
    """Where a search's warnings go: the request's `extensions.search`, under the field's path."""

    def report(search: Search) -> None:
        entry = search.report(info.path.as_list())
        if entry is not None:
            info.context.setdefault("search", []).append(entry)

    return report
