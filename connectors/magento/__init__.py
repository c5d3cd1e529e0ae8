"""Magento 2 / Adobe Commerce as an import source.

settings.py   MagentoSettings: base URL, integration token or admin user, store view
connector.py  MagentoConnector: what it requests and in which order
search.py     searchCriteria parameters and the entity-id keyset paginator
mapping.py    product entities (+ configurable children) -> canonical Product, pure
auth.py       bearer tokens and Magento's error bodies
"""

from connectors.magento.connector import MagentoConnector
from connectors.magento.settings import MagentoSettings

__all__ = ["MagentoConnector", "MagentoSettings"]
