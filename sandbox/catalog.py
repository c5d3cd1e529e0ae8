"""The catalog generator: one deterministic, realistic catalog that every fake store renders.

The same seed gives the same products on Shopify, Magento, BigCommerce (each store renders them
in its platform's own shapes and ids), so an import from any source can be compared with the
others. Product `key`s run 0..N-1; each product draws from its own generator seeded by (seed, key),
so adding products never changes the existing ones.

The catalog carries what real stores carry, including the ugly cases importers trip on: products
without SKU, one SKU on two products, option names longer than WooCommerce allows, zero and
missing prices, 100+ variants, unicode and HTML-heavy descriptions, drafts and archived products.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

# The generated history lies before this instant, so "updated since now" finds only real changes.
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
HISTORY_DAYS = 500

# Every N-th product carries one of the ugly cases (primes, so they rarely coincide).
NO_SKU_EVERY = 53
DUPLICATE_SKU_EVERY = 71
LONG_OPTION_EVERY = 61
ZERO_PRICE_EVERY = 89
MISSING_PRICE_EVERY = 113
HUGE_VARIANTS_EVERY = 97


@dataclass(frozen=True, slots=True)
class Category:
    key: int
    name: str
    parent: int | None
    slug: str
    description: str


@dataclass(frozen=True, slots=True)
class Image:
    key: int  # unique in the catalog
    filename: str  # e.g. "linen-shirt-2.jpg"; each store builds its own URL from it
    alt: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Variant:
    key: int  # unique in the catalog
    sku: str | None
    price: Decimal | None  # None: the price was never set
    compare_at_price: Decimal | None
    cost: Decimal | None
    option_values: tuple[str, ...]  # one per product option, in option order
    barcode: str | None
    grams: int
    inventory_tracked: bool
    inventory_quantity: int
    image_index: int | None  # index into the product's images
    position: int


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Metafield:
    namespace: str
    key: str
    type: str  # Shopify metafield type names; other stores map them to their own
    value: str


@dataclass(frozen=True, slots=True)
class Product:
    key: int
    title: str
    handle: str
    body_html: str
    vendor: str
    product_type: str
    status: str  # active | draft | archived
    tags: tuple[str, ...]
    category_keys: tuple[int, ...]
    options: tuple[Option, ...]  # empty for a simple product (one variant with no option values)
    variants: tuple[Variant, ...]
    images: tuple[Image, ...]
    metafields: tuple[Metafield, ...]
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None

    @property
    def is_simple(self) -> bool:
        return not self.options


# -- vocabulary -------------------------------------------------------------------------------
# (name, parent name or None) in tree order: parents first.
CATEGORY_TREE: tuple[tuple[str, str | None], ...] = (
    ("Apparel", None),
    ("Men", "Apparel"),
    ("Shirts", "Men"),
    ("Trousers", "Men"),
    ("Women", "Apparel"),
    ("Dresses", "Women"),
    ("Tops & Blouses", "Women"),
    ("Home", None),
    ("Kitchen", "Home"),
    ("Cookware", "Kitchen"),
    ("Tableware", "Kitchen"),
    ("Décor", "Home"),
    ("Outdoor", None),
    ("Camping", "Outdoor"),
    ("Garden", "Outdoor"),
    ("Beauty", None),
    ("Skincare", "Beauty"),
    ("Accessories", None),
    ("Bags", "Accessories"),
    ("Jewellery", "Accessories"),
)
LEAF_TYPES = {
    "Shirts": "Shirt",
    "Trousers": "Trousers",
    "Dresses": "Dress",
    "Tops & Blouses": "Top",
    "Cookware": "Cookware",
    "Tableware": "Tableware",
    "Décor": "Home Décor",
    "Camping": "Camping Gear",
    "Garden": "Garden Tool",
    "Skincare": "Skincare",
    "Bags": "Bag",
    "Jewellery": "Jewellery",
}
NOUNS = {
    "Shirts": ["Oxford Shirt", "Linen Shirt", "Flannel Shirt", "Polo"],
    "Trousers": ["Chinos", "Cargo Trousers", "Wool Trousers"],
    "Dresses": ["Wrap Dress", "Maxi Dress", "Slip Dress"],
    "Tops & Blouses": ["Silk Blouse", "Tank Top", "Crop Top"],
    "Cookware": ["Cast Iron Skillet", "Saucepan", "Dutch Oven"],
    "Tableware": ["Espresso Cup", "Dinner Plate", "Tea Bowl"],
    "Décor": ["Throw Pillow", "Vase", "Wall Print"],
    "Camping": ["Tent", "Sleeping Bag", "Headlamp"],
    "Garden": ["Trowel", "Watering Can", "Planter"],
    "Skincare": ["Face Serum", "Night Cream", "Cleansing Oil"],
    "Bags": ["Tote Bag", "Backpack", "Crossbody Bag"],
    "Jewellery": ["Pendant", "Hoop Earrings", "Signet Ring"],
}
ADJECTIVES = [
    "Classic",
    "Organic",
    "Vintage",
    "Everyday",
    "Heritage",
    "Coastal",
    "Nordic",
    "Alpine",
    "Crème Brûlée",
    "Café",
    "Señorita",
    "Ölmühle",
    "Zürich",
    "Kyōto 京都",
    "Ελληνικό",
    "Северный",
    "Rosé 🌹",
    "Smörgås",
    "Naïve",
    "Ærø",
]
VENDORS = [
    "Northwind Outfitters",
    "Acme Goods",
    "Lumière & Fils",
    "Tōkyō Craft Co.",
    "Fjällräven-ish",
    "Blue Heron",
    "Oak & Iron",
    "Sunday Studio",
    "Maison Élise",
    "Trail Works",
]
SIZES = ("XS", "S", "M", "L", "XL", "XXL")
COLORS = ("Black", "White", "Navy", "Olive", "Rust", "Sand", "Crimson", "Teal")
MATERIALS = ("Cotton", "Linen", "Wool", "Hemp")
LONG_OPTION_NAME = "Choose your preferred gift wrapping and personalised message style"
TAGS = [
    "new",
    "sale",
    "bestseller",
    "eco-friendly",
    "gift",
    "limited edition",
    "summer",
    "winter",
    "handmade",
    "vegan",
    "fair trade",
    "clearance",
    "exclusive",
]


@functools.lru_cache(maxsize=4096)
def _slug(text: str) -> str:
    kept = "".join(char.lower() if char.isalnum() and char.isascii() else "-" for char in text)
    return "-".join(part for part in kept.split("-") if part) or "item"


@functools.lru_cache(maxsize=256)
def _sku_part(value: str) -> str:
    return _slug(value).upper()[:4]


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def _ean13(number: int) -> str:
    digits = f"{number % 10**12:012d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


def categories() -> tuple[Category, ...]:
    keys = {name: index + 1 for index, (name, _) in enumerate(CATEGORY_TREE)}
    return tuple(
        Category(
            key=keys[name],
            name=name,
            parent=keys[parent] if parent else None,
            slug=_slug(name),
            description=f"<p>Everything in <strong>{name}</strong>.</p>",
        )
        for name, parent in CATEGORY_TREE
    )


def _description(rng: random.Random, title: str, material: str) -> str:
    extras = [
        f"<p>The <strong>{title}</strong> is made to last &amp; made to be used.</p>",
        "<ul><li>Ethically made</li><li>Ships in 2&ndash;3 days</li><li>30-day returns</li></ul>",
        f"<h3>Materials</h3><p>{material}, finished by hand. “Quality” — not quantity.</p>",
        "<table><tr><th>Care</th><td>Wash cold &lt;30°C</td></tr>"
        "<tr><th>Origin</th><td>Portugal</td></tr></table>",
        '<p><img src="https://example.com/size-chart.png" alt="Size chart" width="600"></p>',
        '<div class="video"><iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ" allowfullscreen>'
        "</iframe></div>",
        "<p>Pour vous: élégant, léger, intemporel. 日本製の素材を使用。</p>",
        "<p><em>Note:</em> colours may vary slightly&nbsp;from the photos.</p>",
    ]
    rng.shuffle(extras)
    return "\n".join(extras[: rng.randint(1, 5)])


class _Generator:
    """Draws one product at a time from its own (seed, key) generator."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.categories = categories()
        self.leaves = [c for c in self.categories if c.name in LEAF_TYPES]

    def rng(self, *parts: object) -> random.Random:
        digest = hashlib.blake2b(repr((self.seed, *parts)).encode(), digest_size=8).digest()
        return random.Random(int.from_bytes(digest, "big"))

    def product(self, key: int) -> Product:
        rng = self.rng("product", key)
        leaf = rng.choice(self.leaves)
        noun = rng.choice(NOUNS[leaf.name])
        title = f"{rng.choice(ADJECTIVES)} {noun}"
        if rng.random() < 0.5:
            title += f" {rng.choice(COLORS) if leaf.name not in {'Skincare'} else '50 ml'}"
        handle = f"{_slug(title)}-{key}"
        category_keys = [leaf.key]
        if rng.random() < 0.3:
            category_keys.append(rng.choice(self.leaves).key)
        if rng.random() < 0.05:
            category_keys = []  # uncategorised products exist in every real store
        options = self._options(rng, key, leaf.name)
        images = self._images(rng, key, handle, title, options)
        variants = self._variants(rng, key, handle, options, images)
        created = EPOCH + timedelta(seconds=rng.randrange(HISTORY_DAYS * 86400))
        updated = created + timedelta(seconds=rng.randrange(30 * 86400))
        status = rng.choices(("active", "draft", "archived"), weights=(85, 10, 5))[0]
        material = rng.choice(MATERIALS)
        metafields = [
            Metafield("custom", "material", "single_line_text_field", material),
            Metafield("custom", "care_instructions", "multi_line_text_field", "Wash cold.\nDry flat."),
        ]
        if rng.random() < 0.5:
            metafields.append(Metafield("specs", "warranty_years", "number_integer", str(rng.randint(1, 5))))
        return Product(
            key=key,
            title=title,
            handle=handle,
            body_html=_description(rng, title, material),
            vendor=rng.choice(VENDORS),
            product_type=LEAF_TYPES[leaf.name],
            status=status,
            tags=tuple(sorted(rng.sample(TAGS, rng.randint(0, 4)))),
            category_keys=tuple(dict.fromkeys(category_keys)),
            options=options,
            variants=variants,
            images=images,
            metafields=tuple(metafields),
            created_at=created,
            updated_at=updated,
            published_at=created if status == "active" else None,
        )

    def _options(self, rng: random.Random, key: int, leaf: str) -> tuple[Option, ...]:
        if key % HUGE_VARIANTS_EVERY == HUGE_VARIANTS_EVERY - 1:
            return (Option("Size", SIZES[:5]), Option("Color", COLORS[:6]), Option("Material", MATERIALS))
        roll = rng.random()
        if roll < 0.4:
            return ()
        sizes = SIZES[rng.randint(0, 1) : rng.randint(3, 6)]
        colors = tuple(rng.sample(COLORS, rng.randint(2, 4)))
        if key % LONG_OPTION_EVERY == LONG_OPTION_EVERY - 1:
            return (Option(LONG_OPTION_NAME, ("Kraft paper", "Linen pouch", "No wrapping")),)
        if roll < 0.75:
            if leaf in {"Cookware", "Tableware"}:
                return (Option("Color", colors),)
            return (Option("Size", sizes),)
        if roll < 0.95:
            return (Option("Size", sizes), Option("Color", colors))
        return (Option("Size", sizes[:3]), Option("Color", colors[:3]), Option("Material", MATERIALS[:2]))

    def _images(
        self, rng: random.Random, key: int, handle: str, title: str, options: tuple[Option, ...]
    ) -> tuple[Image, ...]:
        count = 0 if rng.random() < 0.08 else rng.randint(1, 4)
        names = [f"{handle}-{n + 1}.jpg" for n in range(count)]
        color = next((option for option in options if option.name == "Color"), None)
        if color and count:
            names += [f"{handle}-{_slug(value)}.jpg" for value in color.values]
        return tuple(
            Image(
                key=key * 1000 + index,
                filename=name,
                alt=f"{title} — view {index + 1}" if rng.random() < 0.8 else "",
                width=rng.choice((800, 1024, 2048)),
                height=rng.choice((800, 1024, 1365)),
            )
            for index, name in enumerate(names)
        )

    def _variants(
        self,
        rng: random.Random,
        key: int,
        handle: str,
        options: tuple[Option, ...],
        images: tuple[Image, ...],
    ) -> tuple[Variant, ...]:
        combos: list[tuple[str, ...]] = [()]
        for option in options:
            combos = [(*combo, value) for combo in combos for value in option.values]
        base = _money(rng.choice((9.99, 14.5, 19.0, 24.99, 39.95, 59.0, 89.99, 129.0, 249.0, 1299.0)))
        color_index = next((i for i, option in enumerate(options) if option.name == "Color"), None)
        color_images = {}
        if color_index is not None:
            color_images = {
                value: index
                for index, image in enumerate(images)
                for value in options[color_index].values
                if image.filename.endswith(f"-{_slug(value)}.jpg")
            }
        photo_count = len(images) - len(color_images)
        sku_root = f"{_slug(handle).upper()[:12].strip('-')}-{key}"
        tracked = rng.random() < 0.8
        variants = []
        for position, combo in enumerate(combos, start=1):
            price: Decimal | None = base + Decimal(position - 1) * Decimal("0.50") if combo else base
            if key % ZERO_PRICE_EVERY == ZERO_PRICE_EVERY - 1 and position == 1:
                price = Decimal("0.00")
            if key % MISSING_PRICE_EVERY == MISSING_PRICE_EVERY - 1 and position == 1:
                price = None
            on_sale = rng.random() < 0.25
            sku: str | None = "-".join((sku_root, *(_sku_part(v) for v in combo)))
            if key % DUPLICATE_SKU_EVERY == DUPLICATE_SKU_EVERY - 1 and key > 0 and position == 1:
                sku = self.product(key - 1).variants[0].sku
            if key % NO_SKU_EVERY == NO_SKU_EVERY - 1:
                sku = None
            image_index = None
            if color_index is not None and images:
                image_index = color_images.get(combo[color_index])
            elif photo_count and rng.random() < 0.3:
                image_index = rng.randrange(photo_count)
            variants.append(
                Variant(
                    key=key * 1000 + position,
                    sku=sku,
                    price=price,
                    compare_at_price=(price * Decimal("1.25")).quantize(Decimal("0.01"))
                    if on_sale and price
                    else None,
                    cost=(price * Decimal("0.4")).quantize(Decimal("0.01")) if price else None,
                    option_values=combo,
                    barcode=_ean13(key * 1000 + position) if rng.random() < 0.7 else None,
                    grams=rng.choice((0, 120, 250, 480, 900, 1500, 3200)),
                    inventory_tracked=tracked,
                    inventory_quantity=rng.choice((0, 0, 3, 12, 25, 100, -2)) if tracked else 0,
                    image_index=image_index,
                    position=position,
                )
            )
        return tuple(variants)


class Catalog:
    """The live catalog of one store: generated products plus the changes made since.

    Changes (update, price, delete, add) go through methods that bump `updated_at` to the real
    clock, bump `version` and are recorded in `changes`, so a restarted sandbox can replay them.
    """

    def __init__(self, seed: int, count: int, base: list[Product] | None = None) -> None:
        if count < 0:
            raise ValueError("count cannot be negative")
        self.seed = seed
        self.count = count
        self._generator = _Generator(seed)
        self.categories = self._generator.categories
        self._base = base if base is not None else self._generate(count)
        self._lock = threading.RLock()
        self.changes: list[dict[str, Any]] = []
        # Only ever grows (also across reset), so caches keyed by it are never stale.
        self.version = 0
        self._reset_from_base()

    def _reset_from_base(self) -> None:
        self._products: dict[int, Product] = {product.key: product for product in self._base}
        self._next_key = self.count

    def _generate(self, count: int) -> list[Product]:
        # A large catalog is millions of small objects that live as long as the process: the cyclic
        # GC would rescan them again and again while they are built, so pause it, then freeze them.
        gc.disable()
        try:
            products = [self._generator.product(key) for key in range(count)]
        finally:
            gc.enable()
        gc.freeze()
        return products

    def copy(self) -> Catalog:
        """Another store's catalog with the same generated products (shared, since they are frozen)."""
        return Catalog(self.seed, self.count, base=self._base)

    # -- reading ------------------------------------------------------------------------------
    def products(self) -> list[Product]:
        with self._lock:
            return list(self._products.values())

    def get(self, key: int) -> Product | None:
        return self._products.get(key)

    def __len__(self) -> int:
        return len(self._products)

    def category(self, key: int) -> Category:
        return self.categories[key - 1]

    def category_path(self, key: int) -> list[Category]:
        path = [self.category(key)]
        while path[0].parent is not None:
            path.insert(0, self.category(path[0].parent))
        return path

    # -- changing ----------------------------------------------------------------------------
    def apply(self, change: dict[str, Any], now: datetime | None = None) -> list[int]:
        """Apply one recorded change; returns the product keys it touched."""
        when = datetime.fromisoformat(change["at"]) if "at" in change else (now or datetime.now(UTC))
        change = {**change, "at": when.isoformat()}
        kind = change["kind"]
        with self._lock:
            if kind == "update":
                touched = self._update(self._pick(change), when)
            elif kind == "price":
                touched = self._set_price(int(change["key"]), Decimal(str(change["price"])), when)
            elif kind == "delete":
                touched = self._delete(self._pick(change))
            elif kind == "add":
                touched = self._add(int(change["count"]), when)
            else:
                raise ValueError(f"unknown catalog change {kind!r}")
            self.changes.append(change)
            self.version += 1
            return touched

    def replay(self, changes: Iterable[dict[str, Any]]) -> None:
        for change in changes:
            self.apply(change)

    def reset(self) -> None:
        with self._lock:
            self.changes = []
            self._reset_from_base()
            self.version += 1

    def _pick(self, change: dict[str, Any]) -> list[int]:
        if "keys" in change:
            return [int(key) for key in change["keys"] if int(key) in self._products]
        count = int(change.get("count", 1))
        rng = self._generator.rng("pick", len(self.changes))
        keys = sorted(self._products)
        return sorted(rng.sample(keys, min(count, len(keys))))

    def _update(self, keys: list[int], when: datetime) -> list[int]:
        for key in keys:
            product = self._products[key]
            rng = self._generator.rng("update", key, len(self.changes))
            variants = tuple(
                replace(
                    variant,
                    price=(variant.price + Decimal("1.00")) if variant.price is not None else Decimal("5.00"),
                    inventory_quantity=max(0, variant.inventory_quantity + rng.randint(-3, 10)),
                )
                for variant in product.variants
            )
            title = product.title.removesuffix(" (updated)") + " (updated)"
            self._products[key] = replace(product, title=title, variants=variants, updated_at=when)
        return keys

    def _set_price(self, key: int, price: Decimal, when: datetime) -> list[int]:
        product = self._products.get(key)
        if product is None:
            raise KeyError(key)
        variants = tuple(replace(variant, price=price) for variant in product.variants)
        self._products[key] = replace(product, variants=variants, updated_at=when)
        return [key]

    def _delete(self, keys: list[int]) -> list[int]:
        for key in keys:
            del self._products[key]
        return keys

    def _add(self, count: int, when: datetime) -> list[int]:
        keys = list(range(self._next_key, self._next_key + count))
        for key in keys:
            product = self._generator.product(key)
            self._products[key] = replace(product, created_at=when, updated_at=when)
        self._next_key += count
        return keys
