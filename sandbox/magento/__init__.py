"""The fake Magento 2 / Adobe Commerce store: the admin REST API over one generated catalog.

    POST /rest[/{store}]/V1/integration/admin/token                  anonymous
    GET  /rest[/{store}]/V1/products?searchCriteria...               Magento_Catalog::products
    GET  /rest[/{store}]/V1/products/{sku}                           Magento_Catalog::products
    GET  /rest[/{store}]/V1/products/{sku}/media                     Magento_Catalog::catalog
    GET  /rest[/{store}]/V1/products/attributes/{code}[/options]     Magento_Catalog::attributes_attributes
    GET  /rest[/{store}]/V1/configurable-products/{sku}/children     Magento_Catalog::products
    GET  /rest[/{store}]/V1/configurable-products/{sku}/options/all  Magento_Catalog::products
    GET  /rest[/{store}]/V1/categories[/list|/{id}]                  Magento_Catalog::categories
    GET  /rest[/{store}]/V1/store/storeViews, /store/storeConfigs    Magento_Backend::store

Store codes: `default` (also no code), `all` (the admin store) and `fr` ("French Store View", whose
names and descriptions differ). Every route but the token needs `Authorization: Bearer <token>`:
the integration token (always valid) or an admin token from the token route (valid 4 hours).
There is no rate limiting (api-notes §3.8). Modules: store.py (routes), entities.py (catalog
product -> entities, SKUs, store views), render.py (item payloads), search_criteria.py, query.py,
products.py (searchCriteria), categories.py, attributes.py, fields.py (`?fields=`), errors.py.
"""

from sandbox.magento.store import MagentoStore

__all__ = ["MagentoStore"]
