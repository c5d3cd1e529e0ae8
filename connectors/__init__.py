"""Platform I/O: source connectors that yield canonical products, and the WooCommerce writer.

Knows nothing of jobs or the web (see design.md). The registry below maps a platform name to its
settings and connector classes.
"""

from __future__ import annotations

from connectors.base import SourceConnector
from connectors.bigcommerce import BigCommerceConnector, BigCommerceSettings
from connectors.magento import MagentoConnector, MagentoSettings
from connectors.shopify import ShopifyConnector, ShopifySettings

SOURCES: dict[str, tuple[type, type[SourceConnector]]] = {
    "shopify": (ShopifySettings, ShopifyConnector),
    "magento": (MagentoSettings, MagentoConnector),
    "bigcommerce": (BigCommerceSettings, BigCommerceConnector),
}
