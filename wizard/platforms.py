"""What the wizard tells a store owner about each platform: what is imported, which credentials
Ferry needs, and where that platform keeps them. Data only; the templates lay it out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Guide:
    name: str  # the platform's name in definitions (jobs/definition.py PLATFORMS)
    title: str
    imports: str
    credentials: str
    where: tuple[str, ...]  # the steps, in the platform's own words
    link: str  # the platform's documentation of those steps


SOURCE_GUIDES: dict[str, Guide] = {
    guide.name: guide
    for guide in (
        Guide(
            name="shopify",
            title="Shopify",
            imports="Products with their variants and options, prices, stock, images, tags, vendor, "
            "product type and collections.",
            credentials="Your store's myshopify.com address and a custom app's Admin API access token "
            "(it starts with shpat_) with the read_products and read_inventory scopes.",
            where=(
                "Shopify admin: Settings, then Apps and sales channels, then Develop apps.",
                "Open your app (new apps are made in Shopify's Dev Dashboard); under Configuration "
                "give it the Admin API scopes read_products and read_inventory, then install it.",
                "Under API credentials, reveal the Admin API access token. Shopify shows it once.",
            ),
            link="https://shopify.dev/docs/apps/build/authentication-authorization/legacy/admin-custom-apps",
        ),
        Guide(
            name="magento",
            title="Magento 2 (Adobe Commerce)",
            imports="Simple and configurable products with their options, prices, stock, images, "
            "categories and attributes, from the store view you choose.",
            credentials="Your store's address and either an integration's access token, or the name and "
            "password of an admin user (only where admin two-factor sign-in is off).",
            where=(
                "Magento admin: System, then Extensions, then Integrations, then Add New Integration.",
                "Under API, allow Catalog (products and categories) and Stores; save, then Activate.",
                "Copy the Access Token. It works alone when Stores, Configuration, Services, OAuth "
                "allows OAuth access tokens to be used as standalone bearer tokens.",
            ),
            link="https://developer.adobe.com/commerce/webapi/get-started/authentication/gs-authentication-token/",
        ),
        Guide(
            name="bigcommerce",
            title="BigCommerce",
            imports="Products with their variants and options, prices, stock, images, categories and brands.",
            credentials="A store-level API account's access token with the Products scope set to "
            "read-only, and your store hash.",
            where=(
                "BigCommerce control panel: Settings, then Store-level API accounts, then Create API "
                "account.",
                "Set the Products scope to read-only and save; copy the Access token.",
                "The store hash is the code after /stores/ in the API path shown with the account "
                "(https://api.bigcommerce.com/stores/abc123/v3/: the hash is abc123).",
            ),
            link="https://developer.bigcommerce.com/docs/start/authentication/api-accounts",
        ),
    )
}

WOOCOMMERCE_GUIDE = Guide(
    name="woocommerce",
    title="WooCommerce",
    imports="Receives the products: creates and updates them, with their variations, categories and images.",
    credentials="Your store's address and a REST API key with Read/Write permission: the consumer "
    "key (ck_…) and consumer secret (cs_…).",
    where=(
        "WordPress admin: WooCommerce, then Settings, then Advanced, then REST API, then Add key.",
        "Choose a user who may manage products and set Permissions to Read/Write.",
        "Generate the key and copy the consumer key and consumer secret. WooCommerce shows the secret once.",
    ),
    link="https://woocommerce.com/document/woocommerce-rest-api/",
)
