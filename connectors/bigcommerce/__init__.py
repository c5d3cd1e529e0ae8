"""BigCommerce v3 source connector: `connector` reads the store, `mapping` turns records into products."""

from connectors.bigcommerce.connector import BigCommerceConnector, BigCommerceSettings
from connectors.bigcommerce.mapping import StoreContext, category_index, map_product

__all__ = ["BigCommerceConnector", "BigCommerceSettings", "StoreContext", "category_index", "map_product"]
